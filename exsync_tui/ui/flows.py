"""Dashboard actions that span several screens: diagnosing and removing a mailbox."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from exsync_tui.core.steps import Diagnosis, StepCallback
from exsync_tui.ui.screens.error_help import ErrorHelpScreen, HelpChoice
from exsync_tui.ui.screens.remove import RemoveChoice, RemoveDialog

if TYPE_CHECKING:
    from exsync_tui.core.profiles import Profile
    from exsync_tui.ui.app import ExsyncApp


def diagnose_profile(app: ExsyncApp, profile: Profile) -> None:
    """Run the doctor on a saved mailbox in the error help screen, then act on the user's choice."""

    def runner(on_step: StepCallback, cancel: threading.Event) -> tuple[Diagnosis, Any]:
        from exsync_tui.core.connect import request_from_profile
        from exsync_tui.core.diagnose import diagnose
        from exsync_tui.core.profiles import record_outcome, resolve_password
        from exsync_tui.ui.connect_attempt import redirect_confirmer

        password = resolve_password(profile, app.secret_store(), cancel=cancel)
        request = request_from_profile(profile, password or "", dns_server=app.context.dns_server)
        # Asked like connecting asks: a profile whose autodiscover leads to another
        # domain the user trusts would otherwise always fail here with redirect-declined.
        confirm = redirect_confirmer(app, cancel)
        diagnosis = diagnose(request, on_step=on_step, cancel=cancel, confirm_redirect=confirm)
        if not cancel.is_set():
            # As `exsync diagnose` does: the dashboard shows the verdict.
            record_outcome(profile, diagnosis, app.save_change)
        return diagnosis, request

    def chosen(choice: HelpChoice | None) -> None:
        from exsync_tui.ui.screens.connect import ConnectScreen

        current = app.config.profiles.get(profile.name, profile)
        if choice is None or choice.action == "retry":
            return
        if choice.action == "fix":
            app.push_screen(ConnectScreen(current, fix_field=choice.field))
        elif choice.action == "pin":
            app.push_screen(ConnectScreen(current, fix_field="pin_sha256", pin=choice.pin))

    screen = ErrorHelpScreen(
        runner=runner, can_fix=True, subject=profile.name, profile_name=profile.name
    )
    app.push_screen(screen, chosen)


def remove_profile(app: ExsyncApp, profile: Profile) -> None:
    """Ask, then remove the mailbox (and with purge its data and secrets) in a worker."""

    def chosen(choice: RemoveChoice | None) -> None:
        if choice is None:
            return
        app.run_worker(
            lambda: _remove(app, profile, choice.purge),
            name="remove",
            group="remove",
            thread=True,
            exit_on_error=False,
        )

    app.push_screen(RemoveDialog(profile.name, str(profile.effective_mail_dir())), chosen)


def _remove(app: ExsyncApp, profile: Profile, purge: bool) -> None:
    """Remove as ``exsync profiles remove [--purge]`` does, then say what happened."""
    from exsync_tui.core.profiles import remove_profile as remove_saved_profile

    store = app.secret_store() if purge else None
    report = remove_saved_profile(profile, app.save_change, purge_with=store).purged
    if report is None:
        app.call_from_thread(app.notify, f"Removed {profile.name}; its local mail is kept.")
        return
    if report.failed:
        failed = "; ".join(f"{path}: {reason}" for path, reason in report.failed.items())
        app.call_from_thread(
            app.notify, f"Removed {profile.name}, but could not delete {failed}", severity="error"
        )
    else:
        app.call_from_thread(
            app.notify, f"Removed {profile.name} with its local data and password."
        )
