"""The dashboard's Microsoft 365 sign-in line, and the doctor's steps for such a mailbox."""

from __future__ import annotations

from collections.abc import Callable

from exsync_tui.core.m365 import DeviceSignIn, settings_from_profile
from exsync_tui.core.secrets import SecretStore
from exsync_tui.core.secrets.memory import MemoryKeyring
from exsync_tui.sandbox import Sandbox
from exsync_tui.ui.screens.error_help import ErrorHelpScreen
from tests.m365.test_signin import m365_profile
from tests.ui.helpers_ui import app_on_disk, screen_text, synchronous, wait_until


@synchronous
async def test_the_dashboard_says_whether_a_sign_in_is_needed(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    keyring = MemoryKeyring()
    profile = m365_profile(sandbox)
    app = app_on_disk(keyring, [profile])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.config_loaded)
        await wait_until(pilot, lambda: "sign-in needed: press i to sign in" in screen_text(app))
        # Reached through Graph, never found by EWS's autodiscover.
        assert f"Server: Microsoft Graph at {profile.office365.graph_url}" in screen_text(app)
        flow = DeviceSignIn(settings_from_profile(profile, None), SecretStore(keyring))
        sandbox.control.approve_device_code(flow.start().user_code)
        flow.wait()
        app.refresh_dashboard()
        await wait_until(pilot, lambda: "Microsoft 365: signed in as" in screen_text(app))
        assert "valid until" in screen_text(app) and "refreshes until" in screen_text(app)
        await pilot.press("d")  # the doctor runs the Microsoft 365 steps
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorHelpScreen))
        await wait_until(pilot, lambda: "Microsoft Graph" in screen_text(app))
