"""Reproducible mailboxes from a seed: users, nested (and hostile) folders, mail and calendars."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import TypeVar
from zoneinfo import ZoneInfo

from exsync_tui.sandbox import mapi, mime_gen, store_ops
from exsync_tui.sandbox.config import SandboxConfig
from exsync_tui.sandbox.model import (
    CalendarEvent,
    Mailbox,
    MessageItem,
    OccurrenceException,
    Recurrence,
)

T = TypeVar("T")
_FIRST_NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy")
_LAST_NAMES = ("Anderson", "Brown", "Chen", "Davis", "Evans", "Fischer", "García", "Hoffmann")
_STANDARD_FOLDERS = (
    ("inbox", "Inbox", "IPF.Note"),
    ("drafts", "Drafts", "IPF.Note"),
    ("sentitems", "Sent Items", "IPF.Note"),
    ("deleteditems", "Deleted Items", "IPF.Note"),
    ("junkemail", "Junk Email", "IPF.Note"),
    ("outbox", "Outbox", "IPF.Note"),
    ("calendar", "Calendar", "IPF.Appointment"),
    ("contacts", "Contacts", "IPF.Contact"),
    ("tasks", "Tasks", "IPF.Task"),
    ("notes", "Notes", "IPF.StickyNote"),
    ("journal", "Journal", "IPF.Journal"),
)
# Names that break naive local mappings but that Exchange allows: spaces, separators, dot-dot,
# length and control characters. (Exchange refuses siblings differing only in case.)
HOSTILE_FOLDER_NAMES = (
    "  spaces  around ",
    "a/b\\c",
    "..",
    "Tab\tand\u200bzero-width",
    "Very long " + "name " * 40,
)
# Names every client must cope with.
ORDINARY_FOLDER_NAMES = ("Ünïcødé 📬 Ordner", "Reports")
_CATEGORIES = ("Red category", "Projekt Ä", "Follow up", "Blue, with comma")
_TIMEZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "Australia/Sydney")
_LOCATIONS = ("Room 1.01", "Zürich HQ — 3rd floor", "Online", "", "Café Central")


def user_identity(index: int, domain: str, rng: random.Random) -> tuple[str, str, str, str]:
    """Email, display name, down-level username and password of the `index`-th user."""
    local = _FIRST_NAMES[index] if index < len(_FIRST_NAMES) else f"user{index + 1}"
    display = f"{local.capitalize()} {_LAST_NAMES[index % len(_LAST_NAMES)]}"
    netbios = domain.split(".")[0].upper()
    password = f"{local.capitalize()}-{rng.getrandbits(48):012x}"
    return f"{local}@{domain}", display, f"{netbios}\\{local}", password


def generate_mailboxes(config: SandboxConfig) -> list[Mailbox]:
    """All mailboxes for `config`, identical for the same config."""
    rng = random.Random(config.seed)
    mailboxes = []
    for index in range(config.users):
        email, display, username, password = user_identity(index, config.domain, rng)
        mailboxes.append(
            Mailbox(
                index=index,
                email=email,
                display_name=display,
                username=username,
                password=password,
                sync_epoch=uuid.uuid4().hex,
            )
        )
    people = [(m.display_name, m.email) for m in mailboxes] + [
        ("External Partner", "partner@contoso.test"),
        ("Newsletter", "news@fabrikam.test"),
    ]
    anchor = dt.datetime.combine(dt.date.fromisoformat(config.anchor), dt.time(), tzinfo=dt.UTC)
    for mailbox in mailboxes:
        mailbox_rng = random.Random(f"{config.seed}:{mailbox.index}")
        _build_folders(mailbox, config.hostile_names, config.extra_folders)
        _fill_mail(mailbox, mailbox_rng, people, anchor, config)
        # Its own stream: the calendar stays the same whatever the mail draws.
        calendar_rng = random.Random(f"{config.seed}:{mailbox.index}:calendar")
        _fill_calendar(mailbox, calendar_rng, people, anchor, config.events)
    return mailboxes


def _build_folders(mailbox: Mailbox, hostile_names: bool, extra_folders: int = 0) -> None:
    root = store_ops.create_folder(mailbox, None, "", None, "root")
    top = store_ops.create_folder(
        mailbox, root.id, "Top of Information Store", None, "msgfolderroot"
    )
    for name in ("Common Views", "Finder"):
        store_ops.create_folder(mailbox, root.id, name, None, None)
    # Where SoftDelete puts items (exchangelib's soft_delete() looks the folder up).
    recoverable = store_ops.create_folder(
        mailbox, root.id, "Recoverable Items", None, "recoverableitemsroot"
    )
    store_ops.create_folder(mailbox, recoverable.id, "Deletions", None, "recoverableitemsdeletions")
    for distinguished, name, folder_class in _STANDARD_FOLDERS:
        store_ops.create_folder(mailbox, top.id, name, folder_class, distinguished)
    inbox = mailbox.distinguished("inbox")
    assert inbox is not None
    projects = store_ops.create_folder(mailbox, inbox.id, "Projects", "IPF.Note", None)
    year = store_ops.create_folder(mailbox, projects.id, "2026", "IPF.Note", None)
    store_ops.create_folder(mailbox, year.id, "Q1 & Q2 <draft>", "IPF.Note", None)
    for name in ORDINARY_FOLDER_NAMES + (HOSTILE_FOLDER_NAMES if hostile_names else ()):
        store_ops.create_folder(
            mailbox, inbox.id, name.rstrip() if name.startswith("Very") else name, "IPF.Note", None
        )
    archive = store_ops.create_folder(mailbox, top.id, "Archive", "IPF.Note", None)
    for number in range(1, extra_folders + 1):
        store_ops.create_folder(mailbox, archive.id, f"Folder {number:02d}", "IPF.Note", None)


def _mail_folders(mailbox: Mailbox) -> list[str]:
    """Where generated messages go, weighted towards the inbox like a real mailbox."""
    inbox = mailbox.distinguished("inbox")
    sent = mailbox.distinguished("sentitems")
    assert inbox is not None and sent is not None
    others = [
        f.id
        for f in mailbox.folders.values()
        if f.folder_class == "IPF.Note" and f.distinguished is None
    ]
    return [inbox.id] * 6 + [sent.id] * 2 + others


def _fill_mail(
    mailbox: Mailbox,
    rng: random.Random,
    people: list[tuple[str, str]],
    anchor: dt.datetime,
    config: SandboxConfig,
) -> None:
    """Generated messages: their envelopes in memory, their MIME rendered on demand."""
    targets = _mail_folders(mailbox)
    sent = mailbox.distinguished("sentitems")
    drafts_id = _drafts_id(mailbox)
    inbox_id = targets[0]
    me = (mailbox.display_name, mailbox.email)
    others = [p for p in people if p[1] != mailbox.email]
    flags_rng = random.Random(f"{config.seed}:{mailbox.index}:flags")
    for number in range(config.messages):
        # Two of every three messages, the first two among them, in the inbox: the share real
        # mailboxes have, and one that tests of small mailboxes can count on.
        folder_id = inbox_id if number % 3 != 2 else _pick(rng, targets)
        if sent is not None and folder_id == sent.id:
            sender, recipients = me, _two(rng, others)
        else:
            sender, recipients = _pick(rng, others), [me, _pick(rng, others)]
        when = anchor - dt.timedelta(minutes=37 * (config.messages - number) + _below(rng, 31))
        envelope = mime_gen.envelope(rng, number, recipients, config.domain)
        received = when + dt.timedelta(seconds=1 + _below(rng, 90))
        message = MessageItem(
            id="",
            serial=0,
            folder_id=drafts_id if flags_rng.random() < 0.06 and number else folder_id,
            subject=envelope.subject,
            created_seq=0,
            changed_seq=0,
            read_seq=0,
            gen_number=number,
            gen_seed=envelope.seed,
            sender_name=sender[0],
            sender_email=sender[1],
            to=envelope.to,
            cc=envelope.cc,
            message_id=envelope.message_id,
            sent=when,
            received=received,
            is_read=rng.random() < 0.5,
            has_attachments=mime_gen.has_attachments(number),
        )
        store_ops.add_message(mailbox, message, received)
        _decorate(message, drafts_id, flags_rng)


# `random.choice` and `sample` cost more than the rest of a generated message; `random()` is cheap.
def _below(rng: random.Random, bound: int) -> int:
    return int(rng.random() * bound)


def _pick(rng: random.Random, choices: list[T]) -> T:
    return choices[_below(rng, len(choices))]


def _two(rng: random.Random, choices: list[T]) -> list[T]:
    """Two different elements (one if there is only one)."""
    if len(choices) < 2:
        return list(choices)
    first, second = _below(rng, len(choices)), _below(rng, len(choices) - 1)
    return [choices[first], choices[second + (second >= first)]]


def _decorate(message: MessageItem, drafts_id: str, rng: random.Random) -> None:
    """Flags, reply/forward state, drafts and categories in realistic proportions."""
    if message.folder_id == drafts_id:
        message.is_draft, message.is_read = True, True
        return
    if rng.random() < 0.15:
        message.flag_status = mapi.FLAG_FLAGGED
    verb = rng.random()
    if message.is_read and verb < 0.2:
        message.last_verb, message.icon_index = mapi.VERB_REPLY, mapi.ICON_REPLIED
    elif message.is_read and verb < 0.25:
        message.last_verb, message.icon_index = mapi.VERB_FORWARD, mapi.ICON_FORWARDED
    if rng.random() < 0.1:
        message.categories = rng.sample(_CATEGORIES, k=rng.randint(1, 2))


def _drafts_id(mailbox: Mailbox) -> str:
    drafts = mailbox.distinguished("drafts")
    assert drafts is not None
    return drafts.id


def _fill_calendar(
    mailbox: Mailbox,
    rng: random.Random,
    people: list[tuple[str, str]],
    anchor: dt.datetime,
    count: int,
) -> None:
    calendar = mailbox.distinguished("calendar")
    assert calendar is not None
    me = (mailbox.display_name, mailbox.email)
    for number in range(count):
        timezone = _TIMEZONES[number % len(_TIMEZONES)]
        tz = ZoneInfo(timezone)
        day = anchor.date() + dt.timedelta(days=rng.randint(-7, 21))
        kind = number % 5
        if kind == 1:
            start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
            end = start + dt.timedelta(days=1 + rng.randint(0, 1))
        else:
            start = dt.datetime.combine(
                day, dt.time(rng.randint(8, 16), rng.choice((0, 30))), tzinfo=tz
            )
            end = start + dt.timedelta(minutes=rng.choice((30, 60, 90)))
        others = [p for p in people if p[1] != mailbox.email]
        attendees = [
            (n, a, i == 0) for i, (n, a) in enumerate(rng.sample(others, k=min(2, len(others))))
        ]
        event = CalendarEvent(
            id="",
            serial=0,
            folder_id=calendar.id,
            created_seq=0,
            changed_seq=0,
            read_seq=0,
            subject=_event_subject(rng, kind),
            uid=f"{uuid.UUID(int=rng.getrandbits(128))}".upper(),
            body_text="Agenda:\n1. Status\n2. Next steps",
            location=rng.choice(_LOCATIONS),
            start=start,
            end=end,
            timezone=timezone,
            all_day=kind == 1,
            organizer=me if kind != 4 else others[0],
            attendees=attendees if kind in (0, 2, 4) else [],
        )
        if kind == 2:
            _make_weekly_with_exceptions(event, rng)
        elif kind == 3:
            event.recurrence = Recurrence("daily", interval=1, count=5)
        elif kind == 4:
            event.recurrence = Recurrence(
                "monthly", day_of_month=start.day, until=(start + dt.timedelta(days=120)).date()
            )
        store_ops.create_event(mailbox, event)


def _make_weekly_with_exceptions(event: CalendarEvent, rng: random.Random) -> None:
    """Weekly for ten weeks; the third instance moved an hour later, the fifth cancelled."""
    event.recurrence = Recurrence("weekly", interval=1, weekdays=[event.start.weekday()], count=10)
    tz = ZoneInfo(event.timezone)
    third = (event.start + dt.timedelta(weeks=2)).astimezone(tz)
    third = third.replace(hour=event.start.hour, minute=event.start.minute)
    fifth = event.start + dt.timedelta(weeks=4)
    duration = event.end - event.start
    moved = third + dt.timedelta(hours=1)
    event.modified_occurrences.append(
        OccurrenceException(
            third.astimezone(dt.UTC),
            moved.astimezone(dt.UTC),
            (moved + duration).astimezone(dt.UTC),
            f"{event.subject} (moved)",
            event.location,
        )
    )
    event.deleted_occurrences.append(fifth.replace(hour=event.start.hour).astimezone(dt.UTC))


def _event_subject(rng: random.Random, kind: int) -> str:
    base = rng.choice(("Team sync", "1:1", "Budget review", "Planning", "Kundentermin Müller"))
    return {
        1: "Offsite (all day)",
        2: f"Weekly {base}",
        3: "Training week",
        4: "Monthly report",
    }.get(kind, base)
