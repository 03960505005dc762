"""Fixed states of the Microsoft 365 screens, for the snapshot tests and ``make screenshots``.

The sign-in dialog is driven by :class:`FixedCode`, which shows one code and
waits, without a network, until the dialog is cancelled (quitting cancels
it); the countdown reads the scenario's fixed clock.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from textual.pilot import Pilot

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.m365 import DeviceCodePrompt, SignedIn

USER_CODE = "HT7QK2MXP"
VERIFICATION_URI = "https://microsoft.com/devicelogin"
LEFT = timedelta(minutes=14, seconds=32)


class FixedCode:
    """A sign-in that shows :data:`USER_CODE` and is never answered (pictures only)."""

    def __init__(self, cancel: threading.Event, expires_at: float) -> None:
        self.cancel = cancel
        self.expires_at = expires_at

    def start(self) -> DeviceCodePrompt:
        """The fixed code."""
        return DeviceCodePrompt(USER_CODE, VERIFICATION_URI, self.expires_at, "")

    def wait(self) -> SignedIn:
        """Until cancelled."""
        self.cancel.wait()
        raise TopicError("cancelled", "the sign-in was cancelled")


async def _until(pilot: Pilot[None], condition: object) -> None:
    for _ in range(500):
        if callable(condition) and condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("the scenario did not reach its state")


async def sign_in_dialog(pilot: Pilot[None]) -> None:
    """The dashboard's ``i`` on the Microsoft 365 mailbox ``cloud``, showing the code."""
    from exsync_tui.ui.screens.signin import SignInDialog

    app = pilot.app
    await pilot.pause()
    from exsync_tui.ui.m365_flow import CHECKING

    await pilot.press("down", "down")  # the mailbox the dialog is for, as after pressing i
    expires_at = (app.context.clock() + LEFT).timestamp()  # type: ignore[attr-defined]
    profile = app.config.profiles["cloud"]  # type: ignore[attr-defined]
    dashboard = app.screen
    # The sign-in line below is read from the keyring in a worker: the picture waits for it.
    await _until(pilot, lambda: dashboard.m365_health.get(profile.id) not in (None, CHECKING))  # type: ignore[attr-defined]
    dialog = SignInDialog(profile, None, flow=lambda cancel: FixedCode(cancel, expires_at))
    await app.push_screen(dialog)
    await _until(pilot, lambda: dialog.prompt is not None)
    await pilot.pause()


async def connect_office365(pilot: Pilot[None]) -> None:
    """Adding a mailbox with Microsoft 365 ticked and no client id known yet."""
    app = pilot.app
    await pilot.pause()
    await pilot.press("a")
    await _until(pilot, lambda: app.focused is not None and app.focused.id == "email")
    await pilot.press(*"lee@contoso.example", "tab", "tab", "tab", "space")
    await _until(pilot, lambda: app.screen.query_one("#m365-client-help").display)
    await pilot.press("tab")
    await pilot.pause()
    from textual.widgets import Input

    for field in app.screen.query(Input):
        field.cursor_blink = False
