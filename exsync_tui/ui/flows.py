"""Dashboard actions that span several screens: diagnose, remove, sync, enable/disable."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from exsync_tui.core.steps import Diagnosis, StepCallback
from exsync_tui.ui.screens.error_help import ErrorHelpScreen, HelpChoice
from exsync_tui.ui.screens.remove import RemoveChoice, RemoveDialog

if TYPE_CHECKING:
    from exsync_tui.core.profiles import Profile
    from exsync_tui.ui.app import ExsyncApp
    from exsync_tui.ui.sync_board import MailboxRow


def diagnose_profile(app: ExsyncApp, profile: Profile) -> None:
    """Run the doctor on a saved mailbox in the error help screen, then act on the user's choice."""

    def runner(on_step: StepCallback, cancel: threading.Event) -> tuple[Diagnosis, Any]:
        from exsync_tui.core.connect import request_from_profile
        from exsync_tui.core.diagnose import diagnose
        from exsync_tui.core.profiles import ConnectionMode, record_outcome, resolve_password
        from exsync_tui.ui.connect_attempt import redirect_confirmer

        if profile.mode is ConnectionMode.OFFICE365:
            from exsync_tui.core.m365.doctor import diagnose_m365

            diagnosis = diagnose_m365(
                profile, app.secret_store(), on_step=on_step, cancel=cancel,
                default_client_id=app.config.office365_client_id,
            )  # fmt: skip
            if not cancel.is_set():
                record_outcome(profile, diagnosis, app.save_change)
            return diagnosis, request_from_profile(profile, "")
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
    from exsync_tui.core.profiles import UnsentMail
    from exsync_tui.core.profiles import remove_profile as remove_saved_profile

    store = app.secret_store() if purge else None
    try:
        report = remove_saved_profile(profile, app.save_change, purge_with=store).purged
    except UnsentMail as unsent:
        app.call_from_thread(app.notify, f"Not removed: {unsent}", severity="error")
        return
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


def start_sync(app: ExsyncApp, profiles: list[Profile]) -> None:
    """Sync the enabled ``profiles`` not syncing yet, and show the live sync screen."""
    started = app.syncs.start(profiles)
    if not started:
        app.notify("Nothing to start: those mailboxes are syncing already or disabled.")
        return
    show_sync(app)


def show_sync(app: ExsyncApp) -> None:
    """Bring up the live sync screen (it reads the board, so a new one shows everything)."""
    from exsync_tui.ui.screens.sync import SyncScreen

    if not isinstance(app.screen, SyncScreen):
        app.push_screen(SyncScreen())


def toggle_enabled(app: ExsyncApp, profile: Profile) -> None:
    """Enable a disabled mailbox at once; disable one after showing what happens to its data."""
    from datetime import timedelta

    from exsync_tui.core.profiles import Config
    from exsync_tui.ui.screens.confirm import ConfirmDialog

    now = app.context.clock()

    def save(enable: bool, message: str) -> None:
        def change(config: Config) -> None:
            current = config.by_id(profile.id)  # found by id: a rename meanwhile is fine
            if current is not None:
                updated = current.reenabled() if enable else current.disabled(now)
                config.update(current.name, updated)

        app.change_config(change, lambda: app.notify(message))

    if not profile.enabled:
        save(True, f"{profile.name} is enabled again; s syncs it.")
        return
    until = now + timedelta(days=profile.retention_days)
    body = (
        f"{profile.name} will not sync while disabled. Its local mail, calendars and "
        f"sync state are kept for {profile.retention_days} days (until {until:%Y-%m-%d}), "
        "then purged by the next sync after that. Its password is kept. Enable it again "
        "(t) before then to keep everything."
    )

    def answered(yes: bool | None) -> None:
        if yes:
            save(False, f"{profile.name} is disabled; local data purged in "
                                        f"{profile.retention_days} days.")  # fmt: skip

    app.push_screen(
        ConfirmDialog(f"Disable {profile.name}?", body, yes="Disable", no="Keep enabled"),
        answered,
    )


def sync_failure_help(app: ExsyncApp, row: MailboxRow) -> None:
    """The error help for a failed sync: its topic and detail; retry syncs again, fix edits.

    A Microsoft 365 mailbox whose sync needs a person to sign in gets the sign-in instead
    (the help topic follows only if that fails), then syncs again.
    """
    from exsync_tui.core.diagnose import topic_by_id
    from exsync_tui.core.diagnose.m365_topics import SIGN_IN_TOPICS
    from exsync_tui.core.diagnose.topics import HELP_TOPICS
    from exsync_tui.core.profiles import ConnectionMode
    from exsync_tui.core.steps import Step, StepStatus

    failed = app.config.profiles.get(row.profile)
    if row.topic in SIGN_IN_TOPICS and failed and failed.mode is ConnectionMode.OFFICE365:
        from exsync_tui.ui.m365_flow import sign_in_again

        def sync_again() -> None:
            current = app.config.profiles.get(row.profile)
            if current is not None:
                start_sync(app, [current])

        sign_in_again(app, failed, then=sync_again)
        return
    known = row.topic if row.topic in HELP_TOPICS else None
    topic = topic_by_id(known or "unexpected-error")
    step = Step(name="sync", status=StepStatus.FAIL, detail=row.detail or row.topic or "")
    diagnosis = Diagnosis(ok=False, steps=(step,), topic=topic)

    def chosen(choice: HelpChoice | None) -> None:
        from exsync_tui.ui.screens.connect import ConnectScreen

        profile = app.config.profiles.get(row.profile)
        if choice is None or profile is None:
            return
        if choice.action == "retry":
            app.syncs.start([profile])
        elif choice.action == "fix":
            app.push_screen(ConnectScreen(profile, fix_field=choice.field))
        elif choice.action == "pin":
            app.push_screen(ConnectScreen(profile, fix_field="pin_sha256", pin=choice.pin))

    screen = ErrorHelpScreen(diagnosis, can_fix=True, subject=row.profile, profile_name=row.profile)
    app.push_screen(screen, chosen)
