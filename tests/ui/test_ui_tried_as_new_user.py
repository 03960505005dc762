"""Issue 10's "found when the present TUI was tried as a new user": each item, as a user meets it.

Fixed data and no network (the scenarios' app); the sandbox flows are in test_ui_connect.py.
"""

from __future__ import annotations

import pytest

from exsync_tui.ui.scenarios import fixed_app, fixed_profiles
from exsync_tui.ui.screens.connect import ConnectScreen
from tests.ui.helpers_ui import screen_text, synchronous, wait_for_screen, wait_until


@synchronous
async def test_adding_an_address_that_is_already_a_mailbox_is_refused_naming_it() -> None:
    app = fixed_app(fixed_profiles())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await wait_for_screen(pilot, app, ConnectScreen)
        await pilot.press(*"Jane@example.com", "tab", *"secret", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConnectScreen)
        assert not app.screen.connecting
        text = screen_text(app)
        assert "already the mailbox 'work'" in text
        assert "Jane@example.com is already the mailbox 'work'" in text
    assert set(app.config.profiles) == set(fixed_profiles())


@synchronous
async def test_help_in_the_palette_opens_the_keys_which_list_enter_and_the_config_file() -> None:
    from textual.command import CommandList, CommandPalette

    from exsync_tui.ui.screens.keys_help import KeysHelpDialog
    from tests.ui.helpers_ui import wait_until

    app = fixed_app(fixed_profiles())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"help")
        hits = app.screen.query_one(CommandList)

        def first_hit() -> str:
            return str(hits.get_option_at_index(0).prompt) if hits.option_count else ""

        await wait_until(pilot, lambda: "Keys and help" in first_hit())
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, KeysHelpDialog))
        text = screen_text(app)
        assert "enter" in text and "↑/↓" in text
        assert "Your config file: /nonexistent/config.toml" in text
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, KeysHelpDialog))


@synchronous
async def test_a_healthy_diagnosis_offers_no_trust_and_fingerprints_break_between_bytes() -> None:
    from dataclasses import replace

    from textual.widgets import Button

    from exsync_tui.ui.scenarios import FINGERPRINT, certificate_diagnosis
    from exsync_tui.ui.screens.error_help import ErrorHelpScreen

    failed = certificate_diagnosis()
    healthy = replace(failed, ok=True, topic=None)
    app = fixed_app(fixed_profiles())
    async with app.run_test(size=(60, 20)) as pilot:
        await app.push_screen(ErrorHelpScreen(failed, can_fix=True))
        await wait_for_screen(pilot, app, ErrorHelpScreen)
        assert app.screen.query_one("#pin", Button).display
        certificate = str(app.screen.query_one("#help-certificate").render())
        lines = [
            line for line in certificate.splitlines() if line.startswith(FINGERPRINT[:2].upper())
        ]
        assert [len(line) for line in lines] == [47, 47]  # 16 bytes a line, whole
        assert ":".join(lines).replace(":", "").lower() == FINGERPRINT
        app.screen.dismiss(None)
        await app.push_screen(ErrorHelpScreen(healthy, can_fix=True))
        await wait_for_screen(pilot, app, ErrorHelpScreen)
        assert not app.screen.query_one("#pin", Button).display
        assert "(t)" not in screen_text(app)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, ErrorHelpScreen)


def _brightness(color: object) -> float:
    from rich.color import Color

    assert isinstance(color, Color)
    red, green, blue = color.get_truecolor()
    return (0.299 * red + 0.587 * green + 0.114 * blue) / 255


@synchronous
async def test_with_no_color_a_failed_step_is_as_readable_as_any_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from exsync_tui.ui.scenarios import vpn_diagnosis
    from exsync_tui.ui.screens.error_help import ErrorHelpScreen
    from exsync_tui.ui.widgets.step_list import StepList

    monkeypatch.setenv("NO_COLOR", "1")
    app = fixed_app(fixed_profiles())
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(ErrorHelpScreen(vpn_diagnosis()))
        await wait_for_screen(pilot, app, ErrorHelpScreen)
        lines = app.screen.query_one(StepList).query_one(".step-lines")
        contrast: dict[str, float] = {}
        for y in range(lines.size.height):
            segments = list(lines.render_line(y))
            # What reaches the terminal: the app's NO_COLOR filter turns colours to greys.
            for line_filter in app._filters:
                segments = line_filter.apply(segments, app.screen.styles.background)
            for segment in segments:
                word = segment.text[:8].strip()
                if segment.style is not None and word and segment.style.color is not None:
                    fore = _brightness(segment.style.color)
                    back = _brightness(segment.style.bgcolor)
                    contrast[word] = fore - back
    assert {"✓ ok", "✗ failed"} <= set(contrast)
    assert contrast["✗ failed"] >= contrast["✓ ok"] > 0.5


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=lambda size: f"{size[0]}x{size[1]}")
@synchronous
async def test_the_error_help_scrolls_by_keys_from_the_buttons_to_steps_and_additional_help(
    size: tuple[int, int],
) -> None:
    from textual.containers import VerticalScroll
    from textual.widgets import Button

    from exsync_tui.ui.scenarios import vpn_diagnosis
    from exsync_tui.ui.screens.error_help import ErrorHelpScreen
    from tests.ui.helpers_ui import wait_until

    app = fixed_app(fixed_profiles())
    async with app.run_test(size=size) as pilot:
        await app.push_screen(ErrorHelpScreen(vpn_diagnosis(), can_fix=True))
        await wait_for_screen(pilot, app, ErrorHelpScreen)
        screen = app.screen
        body = screen.query_one("#help-body", VerticalScroll)
        # The keys arrive while a button has focus (the help focuses its main button).
        await wait_until(pilot, lambda: isinstance(app.focused, Button), timeout=30)

        def shown(widget_id: str) -> bool:
            region = screen.query_one(widget_id).region
            return bool(region) and body.region.contains_region(region)

        assert body.max_scroll_y > 0, "the help fits: this size tests nothing"
        assert body.show_vertical_scrollbar and body.styles.scrollbar_size_vertical >= 1
        bar, back = body.styles.scrollbar_color, body.styles.scrollbar_background
        assert abs(bar.brightness - back.brightness) > 0.3, "a scrollbar nobody can see"
        await pilot.press("end")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y
        assert shown("#additional-title") and shown("#help-additional")
        await pilot.press("home")
        await pilot.pause()
        assert body.scroll_y == 0 and shown("#help-title")
        await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_y > 0
        await pilot.press("end")
        await pilot.pause()
        assert shown("#steps-title") or shown("#help-steps")
        before = body.scroll_y
        await pilot.press("up")
        await pilot.pause()
        assert body.scroll_y == before - 1
        assert isinstance(app.focused, Button)


@synchronous
async def test_the_fix_key_in_the_footer_says_what_the_button_says() -> None:
    from textual.widgets import Button

    from exsync_tui.ui import binding_ids as ids
    from exsync_tui.ui.scenarios import vpn_diagnosis
    from exsync_tui.ui.screens.error_help import ErrorHelpScreen

    app = fixed_app(fixed_profiles())
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(ErrorHelpScreen(vpn_diagnosis(), can_fix=True))
        await wait_for_screen(pilot, app, ErrorHelpScreen)
        button = str(app.screen.query_one("#fix", Button).label)
        footer = {
            active.binding.id: active.binding.description
            for active in app.screen.active_bindings.values()
        }
        assert button == "Fix server" == footer[ids.FIX]


@synchronous
async def test_the_demo_hint_and_empty_text_follow_the_config_never_stale() -> None:
    from dataclasses import replace

    from exsync_tui.cli.demo import VPN_HOST
    from exsync_tui.core.profiles import new_profile
    from exsync_tui.ui.demo_hint import DemoHint
    from exsync_tui.ui.scenarios import FIXED_NOW

    hint = DemoHint("bob@example.com", "Bob-pass", "alice", vpn_host=VPN_HOST)
    alice = new_profile("alice", "alice@example.com")
    branch = new_profile("branch-office", "carol@example.com", server=VPN_HOST)
    app = fixed_app({"alice": alice, "branch-office": branch}, demo_hint=hint)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()

        def shown() -> str:
            return str(app.screen.query_one("#demo-hint").render())

        assert "bob@example.com" in shown() and "behind a VPN" in shown()
        assert "alice was never synced" in shown()

        def fix_and_add(config) -> None:  # type: ignore[no-untyped-def]
            config.profiles["branch-office"] = replace(branch, server="mail.example.com")
            config.add(new_profile("bob", "bob@example.com"))
            synced = replace(alice.metadata, last_synced=FIXED_NOW)
            config.profiles["alice"] = replace(alice, metadata=synced)

        app.change_config(fix_and_add)
        await wait_until(pilot, lambda: "bob@example.com" not in shown())
        assert "behind a VPN" not in shown() and "never synced" not in shown()
        assert "S syncs every mailbox" in shown()

    empty_demo = fixed_app({}, demo_hint=hint)
    async with empty_demo.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        empty = str(empty_demo.screen.query_one("#empty").render())
        assert "No mailboxes yet" in empty and "exsync demo" not in empty
    outside = fixed_app({})
    async with outside.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "exsync demo" in str(outside.screen.query_one("#empty").render())


def test_columns_give_way_in_order_and_the_address_shortens_last() -> None:
    from exsync_tui.ui.dashboard_columns import MIN_ADDRESS, natural_widths, plan_columns

    rows = [
        {"name": "branch-office", "address": "carol@branch.example.com",
         "status": "✗ private-address-vpn", "synced": "25 min ago", "local": "4,210 · 86"},
    ]  # fmt: skip
    widths = natural_widths(rows)
    everything = sum(widths.values()) + 2 * 5
    assert plan_columns(widths, everything, 2).keys == (
        "name", "address", "status", "synced", "local",
    )  # fmt: skip
    assert dict(plan_columns(widths, everything, 2).widths) == widths
    without_local = plan_columns(widths, everything - 1, 2)
    assert without_local.keys == ("name", "address", "status", "synced")
    assert dict(without_local.widths)["address"] == widths["address"]  # not cut: room enough
    narrow = plan_columns(widths, 56, 2)
    assert narrow.keys == ("name", "address", "status")
    assert dict(narrow.widths)["status"] == widths["status"]
    assert sum(width + 2 for _, width in narrow.widths) <= 56
    tiny = plan_columns(widths, 20, 2)
    assert dict(tiny.widths)["address"] == MIN_ADDRESS


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=lambda size: f"{size[0]}x{size[1]}")
@synchronous
async def test_the_dashboard_fits_its_columns_hint_and_keys_in_small_terminals(
    size: tuple[int, int],
) -> None:
    from textual.widgets import DataTable, Footer

    from exsync_tui.ui.scenarios import scenario
    from tests.ui.helpers_ui import wait_until

    app = scenario("dashboard-demo").build()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#mailboxes", DataTable)
        await wait_until(pilot, lambda: table.row_count == 3)
        columns = {str(key.value): column.width for key, column in table.columns.items()}
        longest = {"name": len("branch-office"), "address": len("carol@branch.example.com")}
        assert columns["name"] >= longest["name"]
        assert columns["status"] >= len("✗ private-address-vpn")
        assert sum(columns.values()) + 2 * len(columns) <= size[0] - 2, "columns run off"
        if size[0] >= 80:
            assert columns["address"] >= longest["address"], "address cut, status has room"
        hint = app.screen.query_one("#demo-hint")
        inner = hint.content_region
        needed = hint.get_content_height(inner.size, app.screen.size, inner.width)
        assert needed <= inner.height, "the hint is cut"
        assert "mail.example.com, fixes it" in str(hint.render())
        assert "dave: busy server mid-sync" in str(hint.render())
        footer = app.screen.query_one(Footer)

        def whole() -> bool:
            # The footer recomposes once the screen knows its size: wait for that layout.
            keys = list(footer.query("FooterKey"))
            return bool(keys) and all(footer.region.contains_region(k.region) for k in keys)

        await wait_until(pilot, whole, timeout=30)  # a hang guard: fails when keys stay cut
        descriptions = {getattr(key, "description", "") for key in footer.query("FooterKey")}
        assert {"Sync", "Add", "Help"} <= descriptions
