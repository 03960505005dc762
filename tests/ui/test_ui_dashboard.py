"""The dashboard: first run, the keymap, the theme, the password field and removing a mailbox."""

from __future__ import annotations

from textual.pilot import Pilot

from exsync_tui.core.profiles import MailboxMetadata, new_profile
from exsync_tui.core.secrets import SecretStore
from exsync_tui.core.secrets.memory import MemoryKeyring
from exsync_tui.ui.app import ExsyncApp
from exsync_tui.ui.screens.connect import ConnectScreen
from exsync_tui.ui.screens.dashboard import DashboardScreen
from exsync_tui.ui.screens.remove import RemoveDialog
from exsync_tui.ui.widgets.password_input import PasswordInput
from tests.ui.helpers_ui import (
    app_on_disk,
    focused_id,
    mail_dir_with_a_message,
    notified,
    saved_config,
    screen_text,
    synchronous,
    wait_for_screen,
    wait_until,
)


@synchronous
async def test_an_empty_dashboard_explains_how_to_start_and_offers_the_demo(
    memory_keyring: MemoryKeyring,
) -> None:
    app = app_on_disk(memory_keyring)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.pause()
        text = screen_text(app)
        assert "No mailboxes yet" in text
        assert "exsync demo" in text
        shown = {
            active.binding.id
            for active in app.screen.active_bindings.values()
            if active.enabled and app.screen.check_action(active.binding.action, ())
        }
        assert "dashboard.add" in shown
        assert "dashboard.remove" not in shown  # nothing to remove yet


@synchronous
async def test_the_keymap_in_the_config_remaps_a_binding(memory_keyring: MemoryKeyring) -> None:
    app = app_on_disk(memory_keyring, keymap={"dashboard.add": "n"})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("n")
        await wait_for_screen(pilot, app, ConnectScreen)


@synchronous
async def test_the_chosen_theme_is_saved_in_the_config(memory_keyring: MemoryKeyring) -> None:
    app = app_on_disk(memory_keyring)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        app.theme = "nord"
        await wait_until(pilot, lambda: saved_config().ui.theme == "nord")
    again = app_on_disk(memory_keyring, write=False)
    async with again.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: again.theme == "nord")


@synchronous
async def test_the_password_never_reaches_the_clipboard(memory_keyring: MemoryKeyring) -> None:
    app = app_on_disk(memory_keyring)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.press("a")
        await wait_for_screen(pilot, app, ConnectScreen)
        await pilot.press("tab", *"hunter2-canary")
        field = app.screen.query_one("#password", PasswordInput)
        assert field.has_focus
        field.select_all()
        await pilot.press("ctrl+c")
        await pilot.press("ctrl+x")
        await pilot.pause()
        assert "canary" not in app.clipboard
        assert field.value == ""  # cut removed the text without copying it


async def _open_remove_dialog(pilot: Pilot[None], app: ExsyncApp) -> None:
    """``x`` on the selected mailbox, until the dialog is up with "Keep" focused."""
    await pilot.press("x")
    await wait_until(
        pilot, lambda: isinstance(app.screen, RemoveDialog) and focused_id(app) == "keep"
    )


@synchronous
async def test_remove_with_purge_deletes_config_entry_secret_and_mail(
    memory_keyring: MemoryKeyring,
) -> None:
    keep = new_profile("keep", "keep@example.com")
    doomed = new_profile(
        "doomed", "doomed@example.com", metadata=MailboxMetadata(last_error_topic="dns-not-found")
    )
    store = SecretStore(memory_keyring)
    store.set_password(doomed.id, "pw-of-doomed")
    mail = mail_dir_with_a_message(doomed)
    app = app_on_disk(memory_keyring, [keep, doomed])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.press("down")  # the second row: doomed
        await _open_remove_dialog(pilot, app)
        assert "doomed" in screen_text(app)
        await pilot.press("shift+tab", "space", "tab", "tab", "enter")  # tick purge, Remove
        await wait_until(pilot, lambda: "doomed" not in saved_config().profiles)
        await wait_until(pilot, lambda: not mail.exists())
    assert list(saved_config().profiles) == ["keep"]
    assert store.get_password(doomed.id) is None


@synchronous
async def test_remove_with_purge_is_refused_while_mail_waits_in_the_send_queue(
    memory_keyring: MemoryKeyring,
) -> None:
    from exsync_tui.core.send.outgoing import prepare
    from exsync_tui.core.send.queue import QUEUED, SendQueue
    from tests.send.helpers import message

    profile = new_profile("solo", "solo@example.com")
    SecretStore(memory_keyring).set_password(profile.id, "pw-of-solo")
    mail = mail_dir_with_a_message(profile)
    raw = message("Waiting", "solo@example.com", "f@example.com")
    SendQueue.of(profile).add(prepare(raw, ["f@example.com"], from_headers=False), QUEUED)
    app = app_on_disk(memory_keyring, [profile])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await _open_remove_dialog(pilot, app)
        await pilot.press("shift+tab", "space", "tab", "tab", "enter")  # tick purge, Remove
        await wait_until(pilot, lambda: notified(app, "Not removed: solo has 1 unsent message(s)"))
    assert list(saved_config().profiles) == ["solo"]
    assert mail.exists() and len(SendQueue.of(profile).unsent()) == 1
    assert SecretStore(memory_keyring).get_password(profile.id) == "pw-of-solo"


@synchronous
async def test_remove_without_purge_keeps_mail_and_secret(memory_keyring: MemoryKeyring) -> None:
    profile = new_profile("solo", "solo@example.com")
    store = SecretStore(memory_keyring)
    store.set_password(profile.id, "pw-of-solo")
    mail = mail_dir_with_a_message(profile)
    app = app_on_disk(memory_keyring, [profile])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await _open_remove_dialog(pilot, app)
        await pilot.press("tab", "enter")
        await wait_until(pilot, lambda: not saved_config().profiles)
    assert mail.exists()
    assert store.get_password(profile.id) == "pw-of-solo"


@synchronous
async def test_the_command_palette_offers_the_dashboard_actions(
    memory_keyring: MemoryKeyring,
) -> None:
    from exsync_tui.ui.screens.error_help import ErrorHelpScreen

    app = app_on_disk(memory_keyring, [new_profile("work", "jane@example.com")])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.press("ctrl+p")
        await pilot.press(*"add a mailbox")
        await pilot.pause()
        await pilot.press("enter")
        await wait_for_screen(pilot, app, ConnectScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, app, DashboardScreen)
        await pilot.press("ctrl+p")
        await pilot.press(*"remove work")
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: isinstance(app.screen, RemoveDialog) and focused_id(app) == "keep"
        )
        assert not isinstance(app.screen, ErrorHelpScreen)
