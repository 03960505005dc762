"""Microsoft 365 in the TUI: signing in (the dialog, then success or the help topic), and the
dashboard's line about a mailbox's sign-in.

The health is read from the keyring in a worker, never on the UI thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from exsync_tui.core.m365 import SignedIn, TokenHealth, TokenState

if TYPE_CHECKING:
    from exsync_tui.core.diagnose.classify import TopicError
    from exsync_tui.core.profiles import Profile
    from exsync_tui.core.steps import Diagnosis
    from exsync_tui.ui.app import ExsyncApp
    from exsync_tui.ui.screens.dashboard import DashboardScreen
    from exsync_tui.ui.screens.error_help import HelpChoice

CHECKING = "Microsoft 365: checking the sign-in…"


def health_line(health: TokenHealth, key: str, now: float | None = None) -> str:
    """The dashboard's line about a Microsoft 365 sign-in."""
    now = time.time() if now is None else now

    def clock(moment: float) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(moment))

    who = f" as {health.username}" if health.username else ""
    if health.state is TokenState.SIGN_IN_NEEDED:
        return f"Microsoft 365: sign-in needed: press {key} to sign in."
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
    key = screen.sign_in_key()  # the bindings are read on the UI thread, not in the worker

    def read() -> None:
        from exsync_tui.core.m365 import token_health
        from exsync_tui.core.secrets import KeyringUnavailable

        try:
            line = health_line(token_health(profile, app.secret_store()), key)
        except KeyringUnavailable as error:
            line = f"Microsoft 365: the keyring cannot be read ({error.reason})"

        def show() -> None:
            screen.m365_health[profile.id] = line
            screen._show_detail()

        app.call_from_thread(show)

    screen.run_worker(read, name="m365-health", thread=True, exit_on_error=False)
    return CHECKING


def failure_diagnosis(error: TopicError) -> Diagnosis:
    """The error help's diagnosis for a failed sign-in: its topic, its detail as the step."""
    from exsync_tui.core.diagnose import topic_by_id
    from exsync_tui.core.diagnose.topics import HELP_TOPICS
    from exsync_tui.core.steps import Diagnosis, Step, StepStatus

    topic = topic_by_id(error.topic_id if error.topic_id in HELP_TOPICS else "unexpected-error")
    step = Step(name="Microsoft 365 sign-in", status=StepStatus.FAIL, detail=error.detail)
    return Diagnosis(ok=False, steps=(step,), topic=topic)


def open_sign_in(
    app: ExsyncApp,
    profile: Profile,
    signed_in: Callable[[SignedIn], None],
    fix: Callable[[str], None] | None = None,
    not_signed_in: Callable[[], None] | None = None,
) -> None:
    """The sign-in dialog for ``profile``; then ``signed_in``, or the help topic (whose retry
    signs in again and whose fix hands the field it names to ``fix``). Cancelling changes
    nothing; ``not_signed_in`` hears of a cancel or a failure."""
    from exsync_tui.ui.screens.error_help import ErrorHelpScreen
    from exsync_tui.ui.screens.signin import SignInDialog, SignInOutcome

    def chosen(choice: HelpChoice | None) -> None:
        if choice is None:
            return
        if choice.action == "retry":
            open_sign_in(app, profile, signed_in, fix, not_signed_in)
        elif choice.action == "fix" and choice.field and fix is not None:
            fix(choice.field)

    def ended(outcome: SignInOutcome | None) -> None:
        if outcome is not None and outcome.signed_in is not None:
            signed_in(outcome.signed_in)
            return
        if not_signed_in is not None:
            not_signed_in()
        if outcome is not None and outcome.error is not None:
            diagnosis = failure_diagnosis(outcome.error)
            screen = ErrorHelpScreen(
                diagnosis, can_fix=fix is not None, subject=profile.name, profile_name=profile.name
            )
            app.push_screen(screen, chosen)
        elif outcome is not None and outcome.failure is not None:
            app.show_failure(outcome.failure)
        else:
            app.notify("Sign-in cancelled: nothing was changed.")

    app.push_screen(SignInDialog(profile, app.config.office365_client_id), ended)


def sign_in_again(app: ExsyncApp, profile: Profile, then: Callable[[], None] | None = None) -> None:
    """Sign a saved mailbox in again, as `exsync profiles signin` does; then ``then``."""

    def signed_in(done: SignedIn) -> None:
        app.notify(f"✓ {profile.name}: signed in as {done.username}.", title="Microsoft 365")
        app.run_worker(
            lambda: _forget_sign_in_error(app, profile, then),
            name="m365-forget-error", thread=True, exit_on_error=False,
        )  # fmt: skip

    def fix(field: str) -> None:
        from exsync_tui.ui.screens.connect import ConnectScreen

        app.push_screen(ConnectScreen(profile, fix_field=field))

    open_sign_in(app, profile, signed_in, fix)


def _forget_sign_in_error(
    app: ExsyncApp, profile: Profile, then: Callable[[], None] | None
) -> None:
    """Worker thread: the dashboard stops asking for a sign-in (and reads the health anew)."""
    from exsync_tui.core.m365.tokens import forget_sign_in_error

    forget_sign_in_error(profile, app.save_change)
    app.call_from_thread(app.refresh_dashboard)
    if then is not None:
        app.call_from_thread(then)
