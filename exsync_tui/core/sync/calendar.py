"""One calendar folder, page by page, into a vdir: one ``.ics`` per series or single event.

The server's calendar items are masters and single events (never expanded
occurrences); each comes as iCalendar with its modified and cancelled
occurrences. Only events that touch the profile's window (30 days back, 365
ahead by default) are written; an event that leaves the window is removed.
Event files are replaced atomically under their UID's name, so repeating a
page after a crash rewrites the same files: no pending marks are needed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

import icalendar
from dateutil.rrule import rrulestr

from exsync_tui.core.sources import ChangeType, ItemChange, SyncStateInvalid
from exsync_tui.core.store.state import FolderRecord, ItemRecord
from exsync_tui.core.store.vdir import InvalidEvent, event_filename
from exsync_tui.core.sync import crashpoints
from exsync_tui.core.sync.context import SyncContext
from exsync_tui.core.sync.delete_guard import HELD, guard_deletes, release_held
from exsync_tui.core.sync.events import (
    FolderCounts,
    FolderDone,
    FolderStarted,
    Progress,
    SyncWarning,
)


def _as_datetime(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def in_window(calendar: icalendar.Calendar, start: datetime, end: datetime) -> bool:
    """True when any occurrence of the series (or the single event) meets [start, end]."""
    for event in calendar.walk("VEVENT"):
        first = _as_datetime(event.decoded("DTSTART"))
        end_value = event.decoded("DTEND") if "DTEND" in event else None
        length = _as_datetime(end_value) - first if end_value is not None else timedelta(0)
        if "RRULE" in event:
            try:
                rule = rrulestr(_text(event["RRULE"].to_ical()), dtstart=first)
                hit = rule.after(start - length, inc=True)
            except (ValueError, TypeError):
                return True  # a rule dateutil cannot expand: keep the series rather than lose it
            if hit is not None and hit <= end:
                return True
        elif first <= end and first + length >= start:
            return True
    return False


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _uid(calendar: icalendar.Calendar) -> str | None:
    for component in calendar.walk("VEVENT"):
        uid = component.get("UID")
        if uid:
            return str(uid)
    return None


def _free_name(
    ctx: SyncContext, folder_id: str, item_id: str, uid: str, page: list[ItemRecord]
) -> str:
    """The event's file name: its UID's, unless another item of the calendar has it (the
    same invitation imported twice): then one made from the UID and the item id."""
    name = event_filename(uid)
    owner = ctx.state.item_by_base(folder_id, name)
    taken = (owner is not None and owner.item_id != item_id) or any(
        r.base == name and r.item_id != item_id for r in page
    )
    if not taken:
        return name
    digest = hashlib.sha256(item_id.encode()).hexdigest()[:16]
    return event_filename(f"{uid}~{digest}")


def _window(ctx: SyncContext) -> tuple[datetime, datetime]:
    now = ctx.options.now or datetime.now(UTC)
    past = timedelta(days=ctx.options.calendar_past_days)
    future = timedelta(days=ctx.options.calendar_future_days)
    return now - past, now + future


def sync_calendar_folder(ctx: SyncContext, folder: FolderRecord) -> FolderCounts:
    """Bring one calendar up to date (see the module docstring)."""
    total = ctx.first_sync_total(folder.remote_id, folder.sync_state)
    ctx.emit(FolderStarted(ctx.profile, folder.local_path, "calendar", total))
    if not ctx.options.dry_run:
        # The hierarchy commit may have been the last thing a crashed run did.
        ctx.vdir.create_calendar(folder.local_path, displayname=folder.display_name)
    state = folder.sync_state
    counts = FolderCounts()
    local_at_start, deleted = ctx.state.item_count(folder.remote_id), 0
    relisting: set[str] | None = None  # item ids seen while listing again from no state
    while True:
        ctx.check_cancel()
        try:
            page = ctx.source.sync_calendar(
                folder.remote_id, state, ctx.options.page_size, _window(ctx)
            )
        except SyncStateInvalid:
            if state is None or relisting is not None:
                raise
            refused = "the server refused the saved sync state: listing the calendar again"
            ctx.emit(SyncWarning(ctx.profile, refused, folder=folder.local_path))
            state, relisting = None, set()
            continue
        latest = {change.item_id: change for change in page.changes}
        wanted = [i for i, c in latest.items() if c.type is not ChangeType.DELETE]
        gone = [i for i, c in latest.items() if c.type is ChangeType.DELETE]
        if relisting is not None:
            relisting.update(wanted)
            if page.includes_last:  # what the server no longer lists goes
                gone += [r.item_id for r in ctx.state.items(folder.remote_id)
                         if r.item_id not in relisting]  # fmt: skip
        known = sum(1 for i in gone if ctx.state.item(folder.remote_id, i) is not None)
        if known and not guard_deletes(ctx, folder, local_at_start, deleted + known):
            ctx.emit(FolderDone(ctx.profile, folder.local_path, "calendar", counts, HELD))
            return counts
        deleted += known
        page_counts = FolderCounts(new=len(wanted), deleted=len(gone))
        if not ctx.options.dry_run:
            page_counts = _apply(ctx, folder, wanted, gone, page.sync_state, latest)
        counts = counts.plus(page_counts)
        ctx.emit(Progress(ctx.profile, folder.local_path, counts.items, total, 0))
        state = page.sync_state
        if page.includes_last:
            release_held(ctx, folder.remote_id)
            ctx.emit(FolderDone(ctx.profile, folder.local_path, "calendar", counts))
            return counts


def _apply(
    ctx: SyncContext,
    folder: FolderRecord,
    wanted: list[str],
    gone: list[str],
    sync_state: str,
    latest: Mapping[str, ItemChange],
) -> FolderCounts:
    fid, path = folder.remote_id, folder.local_path
    start, end = _window(ctx)
    records: list[ItemRecord] = []
    written = removed = 0
    for item in ctx.source.fetch_calendar(wanted) if wanted else ():
        ctx.check_cancel()
        known = ctx.state.item(fid, item.item_id)
        if item.content is None:
            ctx.emit(SyncWarning(ctx.profile, f"event not stored: {item.detail}", folder=path))
            continue
        try:
            calendar = icalendar.Calendar.from_ical(item.content)
            uid = _uid(calendar) or item.item_id
            name = _free_name(ctx, fid, item.item_id, uid, records)
            if in_window(calendar, start, end):
                name = ctx.vdir.write_event(path, uid, item.content, name=name)
                written += 1
            elif known is not None and ctx.vdir.delete_event(path, known.base):
                removed += 1
        except (InvalidEvent, ValueError, KeyError) as error:
            ctx.emit(SyncWarning(ctx.profile, f"event not stored: {error}", folder=path))
            continue
        if known is not None and known.base != name:
            ctx.vdir.delete_event(path, known.base)
        change_key = latest[item.item_id].change_key
        records.append(ItemRecord(fid, item.item_id, name, change_key, uid=uid))
    crashpoints.reached("calendar-after-write")
    for item_id in gone:
        known = ctx.state.item(fid, item_id)
        if known is not None and ctx.vdir.delete_event(path, known.base):
            removed += 1
    ctx.vdir.sync_dirs()
    with ctx.state.transaction():
        for item_id in gone:
            ctx.state.delete_item(fid, item_id)
        for record in records:
            ctx.state.put_item(record)
        ctx.state.set_folder_sync_state(fid, sync_state)
    return FolderCounts(new=written, deleted=removed)
