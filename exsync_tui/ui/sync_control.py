"""Starting and stopping syncs from the TUI: the core's runner, watched from thread workers.

The TUI adds no sync logic: each mailbox runs in the core's :class:`SyncRun`
(one per mailbox, so cancelling or failing one never touches another), whose
sync runs in a child process, so the UI keeps its interpreter lock; its
events go to the :class:`SyncBoard`, and the outcome is saved on the profile
with the core's :func:`synced_metadata`, through the app's own config saves.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from exsync_tui.core.sync.engine import SyncResult
from exsync_tui.core.sync.events import MassDeleteHeld
from exsync_tui.core.sync.record import LocalCounts, local_counts
from exsync_tui.ui.sync_board import SyncBoard

if TYPE_CHECKING:
    from exsync_tui.core.profiles import Profile
    from exsync_tui.core.sync.runner import SyncRun
    from exsync_tui.ui.app import ExsyncApp


class SyncController:
    """The syncs of this session: which run, how to stop them, and what each mailbox holds."""

    def __init__(self, app: ExsyncApp) -> None:
        self.app = app
        self.board = SyncBoard()
        self.runs: dict[str, SyncRun] = {}
        self.local: dict[str, LocalCounts] = {}
        self.attempts: dict[str, datetime] = {}
        """When each profile (by id) last started a sync in this session."""

    def running(self, name: str) -> bool:
        """Whether ``name`` is syncing now."""
        row = self.board.row(name)
        return row is not None and row.active

    def start(self, profiles: list[Profile], **overrides: object) -> list[str]:
        """Start a sync of each enabled profile not already syncing; the names started.

        Like ``exsync sync``, a start also purges the local data of mailboxes
        disabled for longer than their retention.
        """
        started = []
        for profile in profiles:
            if not profile.enabled or not self.board.begin(profile.name):
                continue
            started.append(profile.name)
            self.attempts[profile.id] = self.app.context.clock()
            self.app.run_worker(
                lambda p=profile: self._sync(p, overrides),  # type: ignore[misc]
                name=f"sync {profile.name}",
                group=f"sync-{profile.id}",
                thread=True,
                exit_on_error=False,
            )
        if started:
            self._purge_expired()
        return started

    def _purge_expired(self) -> None:
        from exsync_tui.core.profiles.retention import purge_expired

        profiles = list(self.app.config.profiles.values())
        now = self.app.context.clock()

        def purge() -> None:
            for name, report in purge_expired(profiles, now).items():
                removed = ", ".join(str(path) for path in report.removed_paths) or "nothing"
                message = f"{name}: disabled past its retention: removed {removed}"
                self.app.call_from_thread(self.app.notify, message, timeout=10)

        self.app.run_worker(purge, name="retention", group="retention", thread=True,
                            exit_on_error=False)  # fmt: skip

    def stop(self, names: list[str] | None = None) -> list[str]:
        """Ask the runs of ``names`` (default: all) to stop; each stops within about a second."""
        stopping = [name for name in (names or list(self.runs)) if name in self.runs]
        for name in stopping:
            self.runs[name].stop()
        return stopping

    def _sync(self, profile: Profile, overrides: dict[str, object]) -> None:
        """The worker: password, the run, then the outcome saved and the local counts read."""
        from exsync_tui.core.sync.jobs import prepare_job
        from exsync_tui.core.sync.runner import SyncRun

        app = self.app
        try:
            prepared = prepare_job(
                profile,
                app.secret_store(),
                overrides,
                default_client_id=app.config.office365_client_id,
            )
        except BaseException:
            self.board.finish(SyncResult(profile.name, False, topic="unexpected-error"))
            raise
        if isinstance(prepared, SyncResult):
            self.board.finish(prepared)
            result = prepared
        else:
            run = SyncRun([prepared], self.board.apply)
            self.runs[profile.name] = run
            app.cancels.adopt(run.cancel)
            try:
                result = run.start().wait().get(profile.name) or SyncResult(
                    profile.name, False, topic="unexpected-error"
                )
            finally:
                app.cancels.release(run.cancel)
                self.runs.pop(profile.name, None)
                self.board.finish(SyncResult(profile.name, False, topic="unexpected-error"))
        self._remember(profile, result)
        row = self.board.row(profile.name)
        if result.held and row is not None and row.held:
            app.call_from_thread(self._ask_mass_delete, profile, list(row.held))

    def _remember(self, profile: Profile, result: SyncResult) -> None:
        from exsync_tui.core.profiles import update_metadata
        from exsync_tui.core.sync.record import synced_metadata

        update_metadata(
            profile, lambda current: synced_metadata(current, result), self.app.save_change
        )
        counts = local_counts(profile)
        self.app.call_from_thread(self._set_local, profile.name, counts)

    def _set_local(self, name: str, counts: LocalCounts) -> None:
        self.local[name] = counts
        self.app.refresh_dashboard()

    def read_local_counts(self) -> None:
        """Read what each mailbox holds locally, in a worker (the state databases are on disk)."""
        profiles = list(self.app.config.profiles.values())

        def read() -> None:
            for profile in profiles:
                counts = local_counts(profile)
                self.app.call_from_thread(self._set_local, profile.name, counts)

        self.app.run_worker(read, name="local counts", group="local-counts", thread=True,
                            exclusive=True, exit_on_error=False)  # fmt: skip

    def _ask_mass_delete(self, profile: Profile, held: list[MassDeleteHeld]) -> None:
        """Ask whether to delete what the server deleted; yes syncs again allowing it."""
        from exsync_tui.ui.screens.confirm import ConfirmDialog

        lines = [
            f"• {event.folder}: {event.would_delete} of {event.local_count} messages"
            for event in held
        ]
        body = (
            f"The server deleted most of a folder at once in {profile.name}, so exsync "
            "kept everything:\n" + "\n".join(lines) + "\n\nIf that was intended, delete "
            "them here too. Otherwise keep them (nothing is deleted until you say so)."
        )
        title = yes_label = "Delete as the server says"
        if all(event.direction == "push" for event in held):
            # Deleted here (two-way sync): the question is about the server's copies.
            body = (
                f"Most of a folder was deleted here at once in {profile.name}, so exsync "
                "deleted nothing on the server:\n" + "\n".join(lines) + "\n\nIf that was "
                "intended, delete them on the server too (they go to its Deleted Items). "
                "Otherwise keep them (nothing is deleted until you say so)."
            )
            title = yes_label = "Delete on the server too"

        def answered(yes: bool | None) -> None:
            if yes:
                current = self.app.config.profiles.get(profile.name, profile)
                self.start([current], allow_mass_delete=True)

        self.app.push_screen(
            ConfirmDialog(
                f"{title}?",
                body,
                yes=yes_label,
                no="Keep everything",
                id="mass-delete",
            ),
            answered,
        )
