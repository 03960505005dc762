"""One connect attempt of the connect screen, run in a worker thread.

The worker resolves the saved password (core's ``resolve_password``: password
command, else keyring) when the form left it empty, calls the
core's :func:`~exsync_tui.core.connect.connect` with a cancel event, relays the
steps as coalescable messages, asks on the UI thread before following a
redirect to another domain, and on success saves the secret and the profile.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from exsync_tui.core.steps import Diagnosis, Step
from exsync_tui.ui.background import Cancelled, run_abandonable
from exsync_tui.ui.messages import StepsUpdated, merge_step

if TYPE_CHECKING:
    from exsync_tui.core.profiles import Profile
    from exsync_tui.ui.app import ExsyncApp
    from exsync_tui.ui.screens.connect import ConnectScreen


@dataclass(frozen=True)
class AttemptResult:
    """How an attempt ended: cancelled, failed inside exsync, or with a diagnosis.

    ``request`` is kept for the report; ``saved`` is the profile as saved after a success.
    """

    attempt: int
    cancelled: bool = False
    failed: bool = False
    diagnosis: Diagnosis | None = None
    request: Any = None
    saved: Profile | None = None


def ask_on_ui_thread(app: ExsyncApp, title: str, body: str, cancel: threading.Event) -> bool:
    """Ask a yes/no question from a worker thread; ``False`` if the work is cancelled meanwhile."""
    from exsync_tui.ui.screens.confirm import ConfirmDialog

    answered = threading.Event()
    answer: list[bool] = []

    def done(result: bool | None) -> None:
        answer.append(bool(result))
        answered.set()

    def ask() -> None:
        app.push_screen(ConfirmDialog(title, body, yes="Send it there", no="Stop"), done)

    app.call_from_thread(ask)
    while not answered.wait(0.05):
        if cancel.is_set():
            return False
    return answer[0]


def redirect_confirmer(app: ExsyncApp, cancel: threading.Event) -> Callable[[str], bool]:
    """The ``confirm_redirect`` of connecting and of the doctor: asks the user in a dialog."""

    def confirm_redirect(target: str) -> bool:
        return ask_on_ui_thread(
            app,
            "Follow the redirect?",
            f"Autodiscover was sent on to {target}, outside your address's domain. "
            "exsync would send your password there. Only agree if you know this "
            "server belongs to your organisation.",
            cancel,
        )

    return confirm_redirect


def run_attempt(
    screen: ConnectScreen, profile: Profile, password: str | None, attempt: int
) -> None:
    """Start the attempt as an exclusive thread worker of ``screen``."""
    app: ExsyncApp = screen.app  # type: ignore[assignment]
    cancel = app.cancels.new()
    screen._cancel_current = cancel

    def work() -> None:
        try:
            result = _attempt(app, screen, profile, password, attempt, cancel)
        except Cancelled:
            result = AttemptResult(attempt=attempt, cancelled=True)
        except BaseException:
            app.call_from_thread(screen.attempt_finished, AttemptResult(attempt, failed=True))
            raise
        finally:
            app.cancels.release(cancel)
        app.call_from_thread(screen.attempt_finished, result)

    screen.run_worker(
        work, name="connect", group="connect", thread=True, exclusive=True, exit_on_error=False
    )


def cancel_attempt(screen: ConnectScreen) -> None:
    """Set the running attempt's cancel event; its worker returns within milliseconds."""
    cancel = screen._cancel_current
    if isinstance(cancel, threading.Event):
        cancel.set()


def _attempt(
    app: ExsyncApp,
    screen: ConnectScreen,
    profile: Profile,
    password: str | None,
    attempt: int,
    cancel: threading.Event,
) -> AttemptResult:
    from exsync_tui.core.connect import connect, request_from_profile
    from exsync_tui.core.profiles import resolve_password
    from exsync_tui.core.secrets import SecretsError
    from exsync_tui.ui.failures import diagnosis_for_exception

    typed = password  # only a password typed in the form is stored on success
    if typed is None:
        try:
            password = run_abandonable(
                lambda: resolve_password(profile, app.secret_store(), cancel=cancel),
                cancel,
                name="password",
            )
        except SecretsError as error:  # the help screen says what to do about it
            return AttemptResult(attempt=attempt, diagnosis=diagnosis_for_exception(error))
    request = request_from_profile(profile, password or "", dns_server=app.context.dns_server)
    steps: tuple[Step, ...] = ()

    def on_step(step: Step) -> None:
        nonlocal steps
        steps = merge_step(steps, step)
        screen.post_message(StepsUpdated(attempt, steps))

    confirm_redirect = redirect_confirmer(app, cancel)
    outcome = run_abandonable(
        lambda: connect(request, on_step=on_step, cancel=cancel, confirm_redirect=confirm_redirect),
        cancel,
        name="connect",
    )
    if cancel.is_set():
        raise Cancelled()
    if outcome.diagnosis.ok:
        verified = replace(profile, metadata=outcome.metadata or profile.metadata)
        save_verified(app, screen, verified, typed)
        return AttemptResult(attempt, diagnosis=outcome.diagnosis, request=request, saved=verified)
    elif screen.profile is not None:
        from exsync_tui.core.profiles import record_outcome

        record_outcome(screen.profile, outcome.diagnosis, app.save_change)
    return AttemptResult(attempt=attempt, diagnosis=outcome.diagnosis, request=request)


def save_verified(
    app: ExsyncApp, screen: ConnectScreen, profile: Profile, password: str | None
) -> None:
    """Store the password and the profile exactly as ``exsync profiles add``/``edit`` do."""
    from exsync_tui.core.profiles import add_profile, update_profile

    store = app.secret_store()
    if screen.profile is None:
        add_profile(profile, password, store, app.save_change)
    else:
        update_profile(screen.profile.name, profile, password, store, app.save_change)
