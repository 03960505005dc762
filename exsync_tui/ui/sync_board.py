"""What the TUI knows of the syncs running and done: the engine's events, folded into rows.

The sync threads call :meth:`SyncBoard.apply` for every event; the screens read
the board a few times a second (a timer), so a sync at full speed costs the UI
a repaint per tick, never one per event. Nothing here decides anything about a
sync: it only remembers what the engine said, and when.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from exsync_tui.core.sync.describe import describe_counts, describe_push
from exsync_tui.core.sync.engine import SyncResult
from exsync_tui.core.sync.events import (
    FolderChanged,
    FolderCounts,
    FolderDone,
    FolderStarted,
    MailboxDone,
    MailboxStarted,
    MassDeleteHeld,
    Progress,
    Pushed,
    SyncEvent,
    SyncWarning,
)

RATE_WINDOW_S = 1.0
"""Rates are measured over at least this long, so the first batch does not read as a spike."""


class RunState(Enum):
    """Where one mailbox's sync is."""

    STARTING = "starting"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass
class FolderRow:
    """One folder of a mailbox's run."""

    name: str
    kind: str
    started: float
    total: int | None = None
    done: int = 0
    bytes_done: int = 0
    finished: float | None = None
    counts: FolderCounts | None = None
    stopped: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class MailboxRow:
    """One mailbox's run: its folders in the order the engine reached them."""

    profile: str
    started: float
    state: RunState = RunState.STARTING
    folders: dict[str, FolderRow] = field(default_factory=dict)
    kept: FolderCounts = field(default_factory=FolderCounts)
    finished: float | None = None
    topic: str | None = None
    detail: str = ""
    held: list[MassDeleteHeld] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        """Still starting or running."""
        return self.state in (RunState.STARTING, RunState.RUNNING)

    @property
    def items_done(self) -> int:
        """Items handled in every folder so far."""
        return sum(folder.done for folder in self.folders.values())

    @property
    def bytes_done(self) -> int:
        """Bytes written in every folder so far."""
        return sum(folder.bytes_done for folder in self.folders.values())

    @property
    def total(self) -> int | None:
        """Items to handle, when every folder reached so far told its size."""
        totals = [folder.total for folder in self.folders.values()]
        if not totals or any(total is None for total in totals):
            return None
        return sum(total for total in totals if total is not None)

    def elapsed(self, now: float) -> float:
        """Seconds since the run began (until it ended)."""
        return (self.finished if self.finished is not None else now) - self.started


class SyncBoard:
    """Every mailbox of the syncs started in this session, and a log of what happened.

    Thread-safe: the sync threads write, the UI thread reads; ``version`` grows
    with every change, so a repaint timer can skip ticks where nothing moved.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.version = 0
        self.mailboxes: dict[str, MailboxRow] = {}
        self.log: list[str] = []

    # ----------------------------------------------------------------- writing

    def begin(self, profile: str) -> bool:
        """Claim ``profile`` for a new run; False when it is already syncing."""
        with self.lock:
            current = self.mailboxes.get(profile)
            if current is not None and current.active:
                return False
            self.mailboxes[profile] = MailboxRow(profile, self.clock())
            self.version += 1
            return True

    def apply(self, event: SyncEvent) -> None:
        """Fold one engine event into the rows (called from the sync threads)."""
        with self.lock:
            row = self.mailboxes.get(event.profile)
            if row is None:
                row = self.mailboxes[event.profile] = MailboxRow(event.profile, self.clock())
            self._apply(row, event)
            self.version += 1

    def finish(self, result: SyncResult) -> None:
        """End a run that never sent ``MailboxDone`` (it could not start: no password)."""
        with self.lock:
            row = self.mailboxes.get(result.profile)
            if row is None or not row.active:
                return
            self._done(row, MailboxDone(result.profile, result.ok, result.counts,
                                        result.elapsed_s, result.topic, result.detail))  # fmt: skip
            self.version += 1

    def _apply(self, row: MailboxRow, event: SyncEvent) -> None:
        now = self.clock()
        if isinstance(event, MailboxStarted):
            row.state = RunState.RUNNING
        elif isinstance(event, FolderStarted):
            row.folders[event.folder] = FolderRow(event.folder, event.kind, now, event.total)
        elif isinstance(event, Progress):
            folder = self._folder(row, event.folder, now)
            folder.done, folder.bytes_done = event.done, event.bytes_done
            if event.total is not None:
                folder.total = event.total
        elif isinstance(event, FolderDone):
            self._folder_done(row, event, now)
        elif isinstance(event, FolderChanged):
            old = f" (was {event.old_path})" if event.old_path else ""
            self._log(row, f"folder {event.action}: {event.path}{old}")
        elif isinstance(event, SyncWarning):
            where = f"{event.folder}: " if event.folder else ""
            row.warnings.append(f"{where}{event.message}")
            if event.folder in row.folders:
                row.folders[event.folder].warnings.append(event.message)
            self._log(row, f"warning: {where}{event.message}")
        elif isinstance(event, Pushed):
            self._log(row, f"{event.folder}: {describe_push(event)}")
        elif isinstance(event, MassDeleteHeld):
            row.held.append(event)
            who = "this computer" if event.direction == "push" else "the server"
            self._log(row, f"{event.folder}: kept everything: {who} deleted "
                           f"{event.would_delete} of {event.local_count} messages")  # fmt: skip
        elif isinstance(event, MailboxDone):
            self._done(row, event)

    def _folder(self, row: MailboxRow, name: str, now: float) -> FolderRow:
        folder = row.folders.get(name)
        if folder is None:
            folder = row.folders[name] = FolderRow(name, "mail", now)
        return folder

    def _folder_done(self, row: MailboxRow, event: FolderDone, now: float) -> None:
        folder = self._folder(row, event.folder, now)
        folder.finished, folder.counts, folder.stopped = now, event.counts, event.stopped
        row.kept = row.kept.plus(event.counts)
        if event.counts.deleted:
            self._log(row, f"{event.folder}: {event.counts.deleted} deleted to match the server")
        if event.stopped:
            self._log(row, f"{event.folder}: stopped: {event.stopped}")

    def _done(self, row: MailboxRow, event: MailboxDone) -> None:
        row.finished = self.clock()
        row.topic, row.detail = event.topic, event.detail
        if event.ok:
            row.state = RunState.DONE
            self._log(row, f"synced in {event.elapsed_s:.1f} s: {describe_counts(event.counts)}")
        elif event.topic == "cancelled":
            row.state = RunState.CANCELLED
            self._log(row, f"cancelled: {kept_text(row)}")
        else:
            row.state = RunState.FAILED
            self._log(row, f"failed ({event.topic}): {event.detail}")

    def _log(self, row: MailboxRow, text: str) -> None:
        self.log.append(f"{row.profile}: {text}")

    # ----------------------------------------------------------------- reading

    def active(self) -> list[str]:
        """The mailboxes syncing now."""
        with self.lock:
            return [name for name, row in self.mailboxes.items() if row.active]

    def row(self, profile: str) -> MailboxRow | None:
        """The latest run of ``profile`` in this session, if any."""
        with self.lock:
            return self.mailboxes.get(profile)


def kept_text(row: MailboxRow) -> str:
    """What a stopped run kept on disk, for the cancel message and the log."""
    return f"kept {describe_counts(row.kept)}; the next sync resumes there"


def rate(done: float, elapsed: float) -> float | None:
    """Per second, once enough time has passed to say."""
    return done / elapsed if elapsed >= RATE_WINDOW_S else None
