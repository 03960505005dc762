"""What one profile's sync run shares between its stages."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.sources import MailboxSource
from exsync_tui.core.store.maildir import MaildirStore
from exsync_tui.core.store.state import StateDB
from exsync_tui.core.store.vdir import VdirStore
from exsync_tui.core.sync.events import EventSink

DEFAULT_PAGE_SIZE = 100
MAX_MESSAGE_BYTES = 150 * 1024 * 1024
"""Exchange Online's largest message (150 MB); larger MIME is refused, never stored."""


@dataclass(frozen=True)
class SyncOptions:
    """How to run: what to sync, whether to write, and the limits.

    ``mass_delete_threshold`` is a fraction (the profile's ``mass_delete_percent``);
    ``now`` fixes the calendar window's centre (tests); None means the current time.
    """

    mail: bool = True
    calendar: bool = True
    dry_run: bool = False
    push: bool = True
    """Write local flag changes, moves and deletions back first (``sync_direction = "both"``)."""
    allow_mass_delete: bool = False
    mass_delete_threshold: float = 0.5
    page_size: int = DEFAULT_PAGE_SIZE
    max_message_bytes: int = MAX_MESSAGE_BYTES
    folders_include: tuple[str, ...] = ()
    folders_exclude: tuple[str, ...] = ()
    calendar_past_days: int = 30
    calendar_future_days: int = 365
    now: datetime | None = None


@dataclass
class Deferred:
    """A message the server deleted from a folder, kept on disk until the run ends.

    If another folder reports a new message with the same Message-ID and size in
    the same run, the message moved: the file is renamed there, not fetched again.
    """

    folder_id: str
    folder_path: str
    base: str


@dataclass
class SyncContext:
    """One run of one profile: the source, the stores, the options and the event sink."""

    profile: str
    source: MailboxSource
    state: StateDB
    maildir: MaildirStore
    vdir: VdirStore
    options: SyncOptions
    emit: EventSink
    cancel: threading.Event
    deferred: dict[tuple[str, int], Deferred] = field(default_factory=dict)
    held: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    """Item counts the server gave with this run's folder changes (progress totals)."""

    def first_sync_total(self, folder_id: str, sync_state: str | None) -> int | None:
        """The folder's item count when this is its first sync (then every item is new)."""
        return self.totals.get(folder_id) if sync_state is None else None

    def check_cancel(self) -> None:
        """Raise TopicError(cancelled) once the user asked to stop."""
        if self.cancel.is_set():
            raise TopicError("cancelled", "cancelled")
