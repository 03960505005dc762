"""The server-side objects of a mailbox: folders, messages, calendar events and tombstones.

Every object records the change sequence numbers (a per-mailbox counter) at which it was created,
last changed and last had its read flag changed; sync states are positions on that counter, which
is what makes `SyncFolderItems` deltas exact and lets states survive restarts.

Objects use slots, and a generated message keeps no MIME (see `mime_gen`): a sandbox holds tens
of thousands of messages per mailbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from exsync_tui.sandbox import mime_gen
from exsync_tui.sandbox.ids import change_key

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(slots=True)
class Folder:
    """A mailbox folder."""

    id: str
    serial: int
    parent_id: str | None
    name: str
    folder_class: str | None
    distinguished: str | None
    created_seq: int
    changed_seq: int
    version: int = 1
    # The IMAP view Exchange keeps per folder: the next article number (a new item's IMAP UID)
    # and the time of the latest change to the folder's contents or their flags.
    next_article: int = 1
    commit_time: dt.datetime = EPOCH
    hidden: bool = False  # Outlook hides it (PR_ATTR_HIDDEN): Graph lists it only when asked

    @property
    def change_key(self) -> str:
        """The folder's current change key."""
        return change_key(self.version, self.serial)


@dataclass(slots=True)
class StoredItem:
    """What every item has: identity, location and change bookkeeping."""

    id: str
    serial: int
    folder_id: str
    subject: str
    created_seq: int
    changed_seq: int
    read_seq: int
    version: int = 1
    article: int = 0  # PR_INTERNET_ARTICLE_NUMBER: the IMAP UID, unique within its folder
    modified: dt.datetime = EPOCH  # PR_LAST_MODIFICATION_TIME
    # Graph's ImmutableId: the id the item had when created, kept across moves ("" = `id`).
    immutable_id: str = ""

    @property
    def change_key(self) -> str:
        """The item's current change key."""
        return change_key(self.version, self.serial)

    @property
    def graph_id(self) -> str:
        """The id Graph gives with ``Prefer: IdType="ImmutableId"`` (it survives moves)."""
        return self.immutable_id or self.id

    @property
    def last_seq(self) -> int:
        """The sequence number of the item's latest change of any kind."""
        return max(self.created_seq, self.changed_seq, self.read_seq)


@dataclass(slots=True)
class MessageItem(StoredItem):
    """An email message: its MIME is authoritative, the envelope fields derive from it.

    A message added by a client keeps its own MIME (`own_mime`); a generated one renders it on
    demand from `gen_number` and `gen_seed` with the envelope fields below.
    """

    own_mime: bytes | None = None
    gen_number: int = 0
    gen_seed: int = 0
    sender_name: str = ""
    sender_email: str = ""
    to: list[tuple[str, str]] = field(default_factory=list)
    cc: list[tuple[str, str]] = field(default_factory=list)
    message_id: str = ""
    sent: dt.datetime = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    received: dt.datetime = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    is_read: bool = False
    has_attachments: bool = False
    importance: str = "Normal"
    flag_status: int = 0  # PR_FLAG_STATUS: 0 none, 1 complete, 2 flagged
    last_verb: int = 0  # PR_LAST_VERB_EXECUTED: 102 reply, 103 reply all, 104 forward
    icon_index: int = 0  # PR_ICON_INDEX (0: unset)
    is_draft: bool = False  # MSGFLAG_UNSENT
    categories: list[str] = field(default_factory=list)
    imap_deleted: bool = False  # PidLidImapDeleted
    unrenderable: bool = False  # GetItem answers ErrorMimeContentConversionFailed for its MIME
    # Extended properties a client set that have no meaning here, by canonical key.
    extra: dict[str, object] = field(default_factory=dict)
    known_size: int = -1  # len(mime), once asked for

    @property
    def mime(self) -> bytes:
        """The message's MIME bytes."""
        return self.own_mime if self.own_mime is not None else mime_gen.render(self)

    @property
    def size(self) -> int:
        """The length of the MIME (PR_MESSAGE_SIZE), remembered after the first request."""
        if self.known_size < 0:
            own = self.own_mime
            self.known_size = len(own) if own is not None else mime_gen.size(self)
        return self.known_size


@dataclass(slots=True)
class Recurrence:
    """A recurrence pattern and range, in the terms EWS uses."""

    pattern: str  # "daily", "weekly", "monthly"
    interval: int = 1
    weekdays: list[int] = field(default_factory=list)  # 0=Monday, for "weekly"
    day_of_month: int = 1  # for "monthly"
    count: int | None = None
    until: dt.date | None = None


@dataclass(slots=True)
class OccurrenceException:
    """A modified occurrence of a recurring event, keyed by its original start."""

    original_start: dt.datetime
    start: dt.datetime
    end: dt.datetime
    subject: str
    location: str


@dataclass(slots=True)
class CalendarEvent(StoredItem):
    """A calendar item: single, all-day or a recurring master with its exceptions."""

    uid: str = ""
    body_text: str = ""
    location: str = ""
    start: dt.datetime = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    end: dt.datetime = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    timezone: str = "UTC"  # IANA name; start/end are aware datetimes in this zone
    all_day: bool = False
    organizer: tuple[str, str] = ("", "")
    attendees: list[tuple[str, str, bool]] = field(default_factory=list)  # name, email, required
    recurrence: Recurrence | None = None
    deleted_occurrences: list[dt.datetime] = field(default_factory=list)
    modified_occurrences: list[OccurrenceException] = field(default_factory=list)
    sequence: int = 0
    is_read: bool = True


@dataclass(slots=True)
class Tombstone:
    """A deleted (or moved-away) item or folder, remembered so later syncs report the deletion."""

    id: str
    parent_id: str
    created_seq: int
    deleted_seq: int
    graph_id: str = ""  # the deleted item's ImmutableId ("" for folders)


@dataclass
class Mailbox:
    """One user's mailbox and account settings."""

    index: int
    email: str
    display_name: str
    username: str
    password: str = field(repr=False)
    folders: dict[str, Folder] = field(default_factory=dict)
    items: dict[str, StoredItem] = field(default_factory=dict)
    item_tombstones: list[Tombstone] = field(default_factory=list)
    folder_tombstones: list[Tombstone] = field(default_factory=list)
    seq: int = 0
    next_serial: int = 1
    sync_epoch: str = ""
    modern_auth_only: bool = False
    ews_disabled: bool = False
    password_expired: bool = False
    redirect_address: str | None = None
    redirect_url: str | None = None
    last_time: dt.datetime = EPOCH
    outbox: list[bytes] = field(default_factory=list)  # every message sent, oldest first
    # The envelope recipients of each outbox message (Bcc included), in the same order.
    outbox_recipients: list[tuple[str, ...]] = field(default_factory=list)
    # Graph calendarView delta rounds by token: the view each started from, its entries.
    graph_views: dict[str, dict[str, Any]] = field(default_factory=dict)

    def now(self) -> dt.datetime:
        """The time of a change: the wall clock, strictly later than every earlier change.

        Clients such as DavMail detect folder changes by a changed commit time, so two changes
        within one clock tick must still get different times.
        """
        moment = max(dt.datetime.now(dt.UTC), self.last_time + dt.timedelta(milliseconds=1))
        self.last_time = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        return self.last_time

    def next_seq(self) -> int:
        """Advance and return the change counter."""
        self.seq += 1
        return self.seq

    def allocate_serial(self) -> int:
        """A serial number for a new object id."""
        serial = self.next_serial
        self.next_serial += 1
        return serial

    def distinguished(self, name: str) -> Folder | None:
        """The folder with a distinguished id such as "inbox", if this mailbox has it."""
        for folder in self.folders.values():
            if folder.distinguished == name:
                return folder
        return None
