"""Microsoft 365 in the TUI: the dashboard's line about a mailbox's sign-in.

The sign-in itself is on the command line for now (``exsync profiles signin``);
the health is read from the keyring in a worker, never on the UI thread.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from exsync_tui.core.m365 import TokenHealth, TokenState

if TYPE_CHECKING:
    from exsync_tui.core.profiles import Profile
    from exsync_tui.ui.screens.dashboard import DashboardScreen

CHECKING = "Microsoft 365: checking the sign-in…"


def health_line(health: TokenHealth, name: str, now: float | None = None) -> str:
    """The dashboard's line about a Microsoft 365 sign-in."""
    now = time.time() if now is None else now

    def clock(moment: float) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(moment))

    who = f" as {health.username}" if health.username else ""
    if health.state is TokenState.SIGN_IN_NEEDED:
        return f"Microsoft 365: sign-in needed: run `exsync profiles signin {name}` on a terminal."
    until = f"; refreshes until {clock(health.refreshes_until)}" if health.refreshes_until else ""
    if health.state is TokenState.VALID and health.access_valid_until:
        return (
            f"Microsoft 365: signed in{who}, valid until {clock(health.access_valid_until)}{until}"
        )
    return f"Microsoft 365: signed in{who}, refreshed at the next sync{until}"


def m365_health_line(screen: DashboardScreen, profile: Profile) -> str:
    """The sign-in line for the detail area: known, or read in a worker (then redrawn)."""
    known = screen.m365_health.get(profile.id)
    if known is not None:
        return known
    screen.m365_health[profile.id] = CHECKING
    app = screen.exsync

    def read() -> None:
        from exsync_tui.core.m365 import token_health
        from exsync_tui.core.secrets import KeyringUnavailable

        try:
            line = health_line(token_health(profile, app.secret_store()), profile.name)
        except KeyringUnavailable as error:
            line = f"Microsoft 365: the keyring cannot be read ({error.reason})"

        def show() -> None:
            screen.m365_health[profile.id] = line
            screen._show_detail()

        app.call_from_thread(show)

    screen.run_worker(read, name="m365-health", thread=True, exit_on_error=False)
    return CHECKING
