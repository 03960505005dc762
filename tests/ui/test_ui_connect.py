"""Connecting through the TUI against the sandbox: autodiscover, failures and their help, fixes,
cancelling and quitting while a request hangs."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from textual.widgets import Input

from exsync_tui.cli.demo import VPN_ADDRESS, sandbox_defaults
from exsync_tui.core.net.guard import judge_address
from exsync_tui.core.profiles import Profile, TlsTrust, new_profile
from exsync_tui.core.secrets import SecretStore
from exsync_tui.core.secrets.memory import MemoryKeyring
from exsync_tui.sandbox import Sandbox
from exsync_tui.ui.app import ExsyncApp
from exsync_tui.ui.screens.advanced import AdvancedSettingsDialog
from exsync_tui.ui.screens.connect import ConnectScreen
from exsync_tui.ui.screens.dashboard import DashboardScreen
from exsync_tui.ui.screens.error_help import ErrorHelpScreen
from tests.connect.helpers import redirected_outside_the_domain
from tests.ui.helpers_ui import (
    app_on_disk,
    focused_id,
    saved_config,
    screen_text,
    synchronous,
    wait_for_screen,
    wait_until,
)


def _app(keyring: MemoryKeyring, sandbox: Sandbox, profiles=None) -> ExsyncApp:  # type: ignore[no-untyped-def]
    return app_on_disk(
        keyring,
        profiles,
        defaults=sandbox_defaults(sandbox),
        dns_server=sandbox.info.dns_server,
    )


async def _type(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*text)


async def _add_mailbox(app: ExsyncApp, pilot, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Once the config is loaded: 'a', then email, tab, password and enter, as a person types."""
    await wait_until(pilot, lambda: app.config_loaded)
    await pilot.press("a")
    await wait_for_screen(pilot, app, ConnectScreen)
    await _type(pilot, email)
    await pilot.press("tab")
    await _type(pilot, password)
    await pilot.press("enter")


async def _back_after_success(app: ExsyncApp, pilot) -> str:  # type: ignore[no-untyped-def]
    """A connect worked: its steps stay readable on the screen until enter leads back.

    Returns the screen's text as it was then.
    """
    from exsync_tui.ui.widgets.step_list import StepList

    def finished() -> bool:
        screen = app.screen
        return isinstance(screen, ConnectScreen) and screen.done

    await wait_until(pilot, finished, timeout=30)
    steps = app.screen.query_one("#steps", StepList)
    assert steps.display and steps.steps
    assert all(step.status.value != "running" for step in steps.steps)
    text = screen_text(app)
    assert "connected and saved" in text
    await pilot.press("enter")
    await wait_for_screen(pilot, app, DashboardScreen, timeout=30)
    return text


def _behind_a_vpn(sandbox: Sandbox, keyring: MemoryKeyring) -> Profile:
    """A saved mailbox whose server maps to a private address the route guard refuses."""
    # The guard must refuse this address here, or the test would send a packet to it.
    assert judge_address(VPN_ADDRESS).blocked
    user = sandbox.info.users[2]
    defaults = sandbox_defaults(sandbox)
    broken = new_profile(
        "branch",
        user.email,
        server="branch.example.com",
        connect_to=(*defaults.connect_to, f"branch.example.com:443:{VPN_ADDRESS}:443"),
        tls=TlsTrust(ca_file=defaults.ca_file),
    )
    SecretStore(keyring).set_password(broken.id, user.password)
    return broken


@synchronous
async def test_add_a_mailbox_by_autodiscover(
    sandbox: Sandbox, memory_keyring: MemoryKeyring
) -> None:
    user = sandbox.info.users[1]
    app = _app(memory_keyring, sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await _add_mailbox(app, pilot, user.email, user.password)
        text = await _back_after_success(app, pilot)
        assert "Autodiscover" in text
        await wait_until(pilot, lambda: bool(saved_config().profiles))
        # Seen again: editing the mailbox shows the steps of that connect.
        await pilot.press("e")
        await wait_for_screen(pilot, app, ConnectScreen)
        assert "Autodiscover" in screen_text(app) and "last connect" in screen_text(app)
    (profile,) = saved_config().profiles.values()
    assert profile.email == user.email
    assert profile.name == user.email.split("@")[0]
    assert profile.metadata.last_verified is not None
    assert profile.metadata.ews_url and profile.metadata.ews_url.endswith("/EWS/Exchange.asmx")
    assert SecretStore(memory_keyring).get_password(profile.id) == user.password


@synchronous
async def test_a_wrong_password_shows_its_topic_and_the_fix_leads_back_to_the_password(
    sandbox: Sandbox, memory_keyring: MemoryKeyring
) -> None:
    user = sandbox.info.users[0]
    app = _app(memory_keyring, sandbox)
    async with app.run_test(size=(80, 24)) as pilot:
        await _add_mailbox(app, pilot, user.email, "not-the-password")
        await wait_for_screen(pilot, app, ErrorHelpScreen, timeout=30)
        help_screen = app.screen
        assert isinstance(help_screen, ErrorHelpScreen)
        assert help_screen.diagnosis is not None and help_screen.diagnosis.topic is not None
        assert help_screen.diagnosis.topic.id == "credentials-rejected"
        assert "not-the-password" not in screen_text(app)
        assert not saved_config().profiles  # nothing is saved after a failure
        await pilot.press("f")  # the topic's field is the password
        await wait_for_screen(pilot, app, ConnectScreen)
        password = app.screen.query_one("#password", Input)
        assert password.has_focus
        password.value = ""
        await _type(pilot, user.password)
        await pilot.press("enter")
        await _back_after_success(app, pilot)
        await wait_until(pilot, lambda: bool(saved_config().profiles))


@synchronous
async def test_a_private_address_shows_the_vpn_topic_and_advanced_settings_fix_it(
    sandbox: Sandbox, memory_keyring: MemoryKeyring
) -> None:
    broken = _behind_a_vpn(sandbox, memory_keyring)
    app = _app(memory_keyring, sandbox, [broken])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.press("e")
        await wait_for_screen(pilot, app, ConnectScreen)
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, app, ErrorHelpScreen, timeout=30)
        assert app.screen.diagnosis.topic.id == "private-address-vpn"  # type: ignore[attr-defined]
        assert "internal network" in screen_text(app)
        await wait_until(
            pilot, lambda: saved_config().profiles["branch"].metadata.last_error_topic is not None
        )
        await pilot.press("f")
        await wait_for_screen(pilot, app, AdvancedSettingsDialog)
        server = app.screen.query_one("#server", Input)
        await wait_until(pilot, lambda: server.has_focus)  # opened at the field the topic names
        server.value = "mail.example.com"
        await pilot.press("ctrl+s")  # saving the fix connects again, without another key
        await _back_after_success(app, pilot)
        await wait_until(
            pilot, lambda: saved_config().profiles["branch"].metadata.last_error_topic is None
        )
    fixed = saved_config().profiles["branch"]
    assert fixed.server == "mail.example.com"
    assert fixed.metadata.last_verified is not None


async def _start_hung_connect(app: ExsyncApp, pilot, sandbox: Sandbox) -> None:  # type: ignore[no-untyped-def]
    user = sandbox.info.users[0]
    await _add_mailbox(app, pilot, user.email, user.password)
    await wait_until(pilot, lambda: bool(sandbox.control.request_log()), timeout=30)
    screen = app.screen
    assert isinstance(screen, ConnectScreen) and screen.connecting


@synchronous
async def test_cancelling_a_hung_connect_returns_at_once_and_saves_nothing(
    fresh_sandbox: Callable[..., Sandbox], memory_keyring: MemoryKeyring
) -> None:
    hung = fresh_sandbox(faults="hang*100", users=1, messages=1, events=1)
    app = _app(memory_keyring, hung)
    async with app.run_test(size=(80, 24)) as pilot:
        await _start_hung_connect(app, pilot, hung)
        # A running step says how long it has been running.
        await wait_until(pilot, lambda: bool(re.search(r"… running .*\(\d+ s\)", screen_text(app))))
        await pilot.press("escape")
        screen = app.screen
        assert isinstance(screen, ConnectScreen)
        # A hang guard, not a stopwatch (wall clocks flake under load): the sandbox
        # hangs until it stops and the probe's read timeout is 20 s, so only the
        # cancel can end the attempt within 15 s, and "Cancelled" below says it did.
        await wait_until(pilot, lambda: not screen.connecting, timeout=15)
        text = screen_text(app)
        assert "Cancelled" in text
        assert "running" not in text  # no step is left claiming to run
        assert "cancelled" in str(screen.query_one("#steps").steps)  # type: ignore[attr-defined]
    assert not saved_config().profiles


def test_quitting_during_a_hung_connect_returns_promptly(
    fresh_sandbox: Callable[..., Sandbox], memory_keyring: MemoryKeyring
) -> None:
    import asyncio

    hung = fresh_sandbox(faults="hang*100", users=1, messages=1, events=1)
    app = _app(memory_keyring, hung)
    timings: dict[str, float] = {}

    async def drive() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await _start_hung_connect(app, pilot, hung)
            timings["quit"] = time.monotonic()
            await pilot.press("q")
        timings["closed"] = time.monotonic()

    asyncio.run(drive())  # asyncio.run also joins the default executor's threads
    # Hang guards below the probe's 20 s read timeout (the sandbox hangs until it stops):
    # a quit that waited for the hung request would take longer; no stopwatch bound.
    assert time.monotonic() - timings["quit"] < 15.0
    assert timings["closed"] - timings["quit"] < 15.0


@synchronous
async def test_diagnose_from_the_dashboard_shows_the_topic_and_saves_a_redacted_report(
    sandbox: Sandbox, memory_keyring: MemoryKeyring, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    broken = _behind_a_vpn(sandbox, memory_keyring)
    report = tmp_path / "report.txt"
    app = _app(memory_keyring, sandbox, [broken])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.press("d")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, ErrorHelpScreen) and app.screen.diagnosis is not None,
            timeout=30,
        )
        assert app.screen.diagnosis.topic.id == "private-address-vpn"  # type: ignore[attr-defined]
        await wait_until(
            pilot,
            lambda: (
                saved_config().profiles["branch"].metadata.last_error_topic == "private-address-vpn"
            ),
        )
        await pilot.press("s")
        await wait_until(pilot, lambda: bool(app.screen.query("#report-path")))
        app.screen.query_one("#report-path", Input).value = str(report)
        await pilot.press("enter")
        await wait_until(pilot, report.exists)
    text = report.read_text()
    assert "private-address-vpn" in text
    assert SecretStore(memory_keyring).get_password(broken.id) not in text


@synchronous
async def test_a_redirect_to_another_domain_asks_and_stopping_shows_its_topic(
    fresh_sandbox: Callable[..., Sandbox], memory_keyring: MemoryKeyring
) -> None:
    from exsync_tui.ui.screens.confirm import ConfirmDialog

    sb, user, _ = redirected_outside_the_domain(fresh_sandbox, users=1)
    app = _app(memory_keyring, sb)
    async with app.run_test(size=(80, 24)) as pilot:
        await _add_mailbox(app, pilot, user.email, user.password)
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, ConfirmDialog) and focused_id(app) == "no",
            timeout=30,
        )
        assert "127.0.0.1" in screen_text(app)
        await pilot.press("enter")  # the focused, safe answer: Stop
        await wait_for_screen(pilot, app, ErrorHelpScreen, timeout=30)
        assert app.screen.diagnosis.topic.id == "redirect-declined"  # type: ignore[attr-defined]
    assert not [entry for entry in sb.control.request_log() if entry["host"] == "127.0.0.1"]
    assert not saved_config().profiles


@synchronous
async def test_diagnose_from_the_dashboard_asks_before_following_a_redirect_elsewhere(
    fresh_sandbox: Callable[..., Sandbox], memory_keyring: MemoryKeyring
) -> None:
    from exsync_tui.ui.screens.confirm import ConfirmDialog

    sb, user, _ = redirected_outside_the_domain(fresh_sandbox, users=1)
    defaults = sandbox_defaults(sb)
    profile = new_profile(
        "work", user.email, connect_to=defaults.connect_to, tls=TlsTrust(ca_file=defaults.ca_file)
    )
    SecretStore(memory_keyring).set_password(profile.id, user.password)
    app = _app(memory_keyring, sb, [profile])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await pilot.press("d")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, ConfirmDialog) and focused_id(app) == "no",
            timeout=30,
        )
        assert "127.0.0.1" in screen_text(app)
        # The server there answers with the settings once the redirect is gone.
        sb.control.set_redirect_url(user.email, None)
        await pilot.click("#yes")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, ErrorHelpScreen) and app.screen.diagnosis is not None,
            timeout=30,
        )
        assert app.screen.diagnosis.ok, app.screen.diagnosis  # type: ignore[attr-defined]
    assert [entry for entry in sb.control.request_log() if entry["host"] == "127.0.0.1"]


@synchronous
async def test_a_server_that_never_answers_is_a_timeout_with_a_fix_at_the_server(
    fresh_sandbox: Callable[..., Sandbox],
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from exchangelib.protocol import BaseProtocol
    from textual.widgets import Button

    monkeypatch.setattr(BaseProtocol, "TIMEOUT", 1.0)
    sb = fresh_sandbox(tls=True, domain="example.com", users=2, messages=1, events=0)
    sb.control.inject_fault("hang*1/ConvertId")
    user = sb.info.users[1]
    app = _app(memory_keyring, sb)
    async with app.run_test(size=(80, 24)) as pilot:
        await _add_mailbox(app, pilot, user.email, user.password)
        await wait_for_screen(pilot, app, ErrorHelpScreen, timeout=30)
        help_screen = app.screen
        assert isinstance(help_screen, ErrorHelpScreen)
        assert help_screen.diagnosis is not None and help_screen.diagnosis.topic is not None
        assert help_screen.diagnosis.topic.id == "server-timeout"
        text = screen_text(app)
        assert "did not answer in time" in text and "busy" not in text.split("\n")[0]
        assert "throttling advice" not in text
        fix = help_screen.query_one("#fix", Button)
        assert fix.display and str(fix.label) == "Fix server"
        await pilot.press("f")
        await wait_for_screen(pilot, app, AdvancedSettingsDialog)
        await wait_until(pilot, lambda: app.screen.query_one("#server", Input).has_focus)
