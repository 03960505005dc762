"""Several profiles at once: one thread each, one cancel for all, one event stream.

Used by ``exsync sync`` and the TUI alike, so both run syncs the same way. A
failure in one profile never stops the others.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from exsync_tui.core.profiles import Profile
from exsync_tui.core.sync.context import SyncOptions
from exsync_tui.core.sync.engine import SourceFactory, SyncResult, ews_source, sync_profile
from exsync_tui.core.sync.events import EventSink, SyncEvent


@dataclass(frozen=True)
class Job:
    """One profile to sync, with its password and options."""

    profile: Profile
    password: str
    options: SyncOptions


class SyncRun:
    """Runs jobs concurrently; :meth:`wait` returns the results by profile name."""

    def __init__(
        self, jobs: Sequence[Job], emit: EventSink, source_factory: SourceFactory = ews_source
    ) -> None:
        self._source_factory = source_factory
        self.cancel = threading.Event()
        self._emit_lock = threading.Lock()
        self._emit = emit
        self._results: dict[str, SyncResult] = {}
        self._threads = [
            threading.Thread(
                target=self._one, args=(job,), name=f"exsync-sync-{job.profile.name}",
                daemon=True,
            )
            for job in jobs
        ]  # fmt: skip

    def _emit_safely(self, event: SyncEvent) -> None:
        with self._emit_lock:
            self._emit(event)

    def _one(self, job: Job) -> None:
        if not job.options.dry_run:
            from exsync_tui.core.send.before_sync import flush_before_sync

            # What `exsync send` queued goes out first, so the sync brings its Sent Items copy.
            flush_before_sync(job.profile, job.password, self._emit_safely, self.cancel)
        result = sync_profile(
            job.profile,
            job.password,
            job.options,
            emit=self._emit_safely,
            cancel=self.cancel,
            source_factory=self._source_factory,
        )
        self._results[job.profile.name] = result

    def start(self) -> SyncRun:
        """Start every job's thread."""
        for thread in self._threads:
            thread.start()
        return self

    def wait(self, poll_s: float = 0.2) -> dict[str, SyncResult]:
        """Wait for every job (KeyboardInterrupt propagates; call :meth:`stop` then wait)."""
        for thread in self._threads:
            while thread.is_alive():
                thread.join(poll_s)
        return dict(self._results)

    def stop(self) -> None:
        """Ask every job to stop (each stops within about a second, keeping what is done)."""
        self.cancel.set()
