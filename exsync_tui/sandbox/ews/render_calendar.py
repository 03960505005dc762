"""Calendar items (masters, single events, occurrences and exceptions) as EWS XML."""

from __future__ import annotations

import base64
import datetime as dt
from zoneinfo import ZoneInfo

from exsync_tui.sandbox.calendar import (
    MS_TIMEZONE_IDS,
    Occurrence,
    instance_starts,
    occurrences,
    to_ical,
    weekday_name,
)
from exsync_tui.sandbox.ews.render_item import body_xml, extended_xml, item_id_xml, mailbox_xml
from exsync_tui.sandbox.ews.shapes import Shape
from exsync_tui.sandbox.ews.soap import attr, bool_text, el, ews_datetime
from exsync_tui.sandbox.ids import IdParts, decode_id, encode_id
from exsync_tui.sandbox.model import CalendarEvent, Folder, Recurrence


def occurrence_id(event: CalendarEvent, index: int) -> str:
    """The id of the `index`-th instance of a recurring event."""
    decoded = decode_id(event.id)
    assert decoded is not None
    parts = decoded[0]
    return encode_id(IdParts(parts.mailbox, parts.kind, parts.serial, index))


def find_occurrence(event: CalendarEvent, index: int) -> Occurrence | None:
    """The `index`-th instance, if it exists and is not cancelled."""
    starts = instance_starts(event)
    if index < 1 or index > len(starts):
        return None
    original = starts[index - 1]
    window_end = original + dt.timedelta(days=400)
    for occurrence in occurrences(event, original - dt.timedelta(days=400), window_end):
        if occurrence.index == index:
            return occurrence
    return None


def _duration(start: dt.datetime, end: dt.datetime) -> str:
    seconds = int((end - start).total_seconds())
    days, rest = divmod(seconds, 86400)
    return f"P{days}DT{rest // 3600}H{rest % 3600 // 60}M{rest % 60}S"


def _recurrence_xml(event: CalendarEvent, recurrence: Recurrence) -> str:
    if recurrence.pattern == "daily":
        pattern = f"<t:DailyRecurrence>{el('t:Interval', recurrence.interval)}</t:DailyRecurrence>"
    elif recurrence.pattern == "weekly":
        days = " ".join(weekday_name(d) for d in recurrence.weekdays)
        pattern = (
            f"<t:WeeklyRecurrence>{el('t:Interval', recurrence.interval)}"
            f"{el('t:DaysOfWeek', days)}<t:FirstDayOfWeek>Sunday</t:FirstDayOfWeek>"
            "</t:WeeklyRecurrence>"
        )
    else:
        pattern = (
            f"<t:AbsoluteMonthlyRecurrence>{el('t:Interval', recurrence.interval)}"
            f"{el('t:DayOfMonth', recurrence.day_of_month)}</t:AbsoluteMonthlyRecurrence>"
        )
    local_start = event.start.astimezone(ZoneInfo(event.timezone)).date().isoformat()
    if recurrence.count is not None:
        series = (
            f"<t:NumberedRecurrence>{el('t:StartDate', local_start)}"
            f"{el('t:NumberOfOccurrences', recurrence.count)}</t:NumberedRecurrence>"
        )
    elif recurrence.until is not None:
        series = (
            f"<t:EndDateRecurrence>{el('t:StartDate', local_start)}"
            f"{el('t:EndDate', recurrence.until.isoformat())}</t:EndDateRecurrence>"
        )
    else:
        series = f"<t:NoEndRecurrence>{el('t:StartDate', local_start)}</t:NoEndRecurrence>"
    return f"<t:Recurrence>{pattern}{series}</t:Recurrence>"


def _occurrence_info(tag: str, occurrence: Occurrence) -> str:
    event = occurrence.event
    return (
        f"<{tag}>{item_id_xml(occurrence_id(event, occurrence.index), event.change_key)}"
        f"{el('t:Start', ews_datetime(occurrence.start))}"
        f"{el('t:End', ews_datetime(occurrence.end))}"
        f"{el('t:OriginalStart', ews_datetime(occurrence.original_start))}</{tag}>"
    )


def _series_xml(event: CalendarEvent, shape: Shape) -> list[str]:
    assert event.recurrence is not None
    parts = []
    if shape.wants("calendar:Recurrence"):
        parts.append(_recurrence_xml(event, event.recurrence))
    everything = occurrences(
        event, dt.datetime(1900, 1, 1, tzinfo=dt.UTC), dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
    )
    if everything and shape.wants("calendar:FirstOccurrence"):
        parts.append(_occurrence_info("t:FirstOccurrence", everything[0]))
    if everything and shape.wants("calendar:LastOccurrence"):
        parts.append(_occurrence_info("t:LastOccurrence", everything[-1]))
    exceptions = [o for o in everything if o.kind == "Exception"]
    if exceptions and shape.wants("calendar:ModifiedOccurrences"):
        inner = "".join(_occurrence_info("t:Occurrence", o) for o in exceptions)
        parts.append(f"<t:ModifiedOccurrences>{inner}</t:ModifiedOccurrences>")
    if event.deleted_occurrences and shape.wants("calendar:DeletedOccurrences"):
        inner = "".join(
            f"<t:DeletedOccurrence>{el('t:Start', ews_datetime(d))}</t:DeletedOccurrence>"
            for d in event.deleted_occurrences
        )
        parts.append(f"<t:DeletedOccurrences>{inner}</t:DeletedOccurrences>")
    return parts


def render_event(
    event: CalendarEvent, folder: Folder, shape: Shape, occurrence: Occurrence | None
) -> str:
    """A `t:CalendarItem`: the master (or single event), or one occurrence of a series."""
    start = occurrence.start if occurrence else event.start
    end = occurrence.end if occurrence else event.end
    subject = occurrence.subject if occurrence else event.subject
    location = occurrence.location if occurrence else event.location
    if occurrence is not None and occurrence.kind != "Single":
        item_id, kind = occurrence_id(event, occurrence.index), occurrence.kind
    else:
        item_id, kind = event.id, "RecurringMaster" if event.recurrence else "Single"
    tz_id = MS_TIMEZONE_IDS.get(event.timezone, "UTC")
    is_meeting = bool(event.attendees)
    w = shape.wants
    parts = ["<t:CalendarItem>"]
    if w("item:MimeContent") and "item:MimeContent" in shape.fields:
        encoded = base64.b64encode(to_ical(event)).decode("ascii")
        parts.append(f'<t:MimeContent CharacterSet="UTF-8">{encoded}</t:MimeContent>')
    parts.append(item_id_xml(item_id, event.change_key))
    if w("item:ParentFolderId"):
        parts.append(item_id_xml(folder.id, folder.change_key, "t:ParentFolderId"))
    if w("item:ItemClass"):
        parts.append("<t:ItemClass>IPM.Appointment</t:ItemClass>")
    if w("item:Subject"):
        parts.append(el("t:Subject", subject))
    if w("item:Sensitivity"):
        parts.append("<t:Sensitivity>Normal</t:Sensitivity>")
    if w("item:Body"):
        parts.append(body_xml(event.body_text, False, shape.body_type))
    if w("item:Importance"):
        parts.append("<t:Importance>Normal</t:Importance>")
    if w("item:HasAttachments"):
        parts.append("<t:HasAttachments>false</t:HasAttachments>")
    parts.append(extended_xml(event, shape))
    if w("calendar:UID"):
        parts.append(el("t:UID", event.uid))
    if occurrence is not None and kind != "Single" and w("calendar:RecurrenceId"):
        parts.append(el("t:RecurrenceId", ews_datetime(occurrence.original_start)))
    if w("calendar:Start"):
        parts.append(el("t:Start", ews_datetime(start)))
    if w("calendar:End"):
        parts.append(el("t:End", ews_datetime(end)))
    if occurrence is not None and kind != "Single" and w("calendar:OriginalStart"):
        parts.append(el("t:OriginalStart", ews_datetime(occurrence.original_start)))
    if w("calendar:IsAllDayEvent"):
        parts.append(el("t:IsAllDayEvent", bool_text(event.all_day)))
    if w("calendar:LegacyFreeBusyStatus"):
        parts.append(el("t:LegacyFreeBusyStatus", "Free" if event.all_day else "Busy"))
    if w("calendar:Location"):
        parts.append(el("t:Location", location))
    if w("calendar:IsMeeting"):
        parts.append(el("t:IsMeeting", bool_text(is_meeting)))
    if w("calendar:IsCancelled"):
        parts.append("<t:IsCancelled>false</t:IsCancelled>")
    if w("calendar:IsRecurring"):
        parts.append(el("t:IsRecurring", bool_text(kind in ("Occurrence", "Exception"))))
    if w("calendar:CalendarItemType"):
        parts.append(el("t:CalendarItemType", kind))
    if w("calendar:MyResponseType"):
        mine = "Organizer" if event.organizer[1] == "" or not is_meeting else "Accept"
        parts.append(el("t:MyResponseType", mine))
    if w("calendar:Organizer") and event.organizer[1]:
        parts.append(f"<t:Organizer>{mailbox_xml(*event.organizer, 'Mailbox')}</t:Organizer>")
    for required, tag in ((True, "RequiredAttendees"), (False, "OptionalAttendees")):
        people = [(n, a) for n, a, r in event.attendees if r is required]
        if people and w(f"calendar:{tag}"):
            inner = "".join(
                f"<t:Attendee>{mailbox_xml(n, a, 'Mailbox')}"
                "<t:ResponseType>Unknown</t:ResponseType></t:Attendee>"
                for n, a in people
            )
            parts.append(f"<t:{tag}>{inner}</t:{tag}>")
    if w("calendar:Duration"):
        parts.append(el("t:Duration", _duration(start, end)))
    if w("calendar:TimeZone"):
        parts.append(el("t:TimeZone", tz_id))
    if w("calendar:AppointmentSequenceNumber"):
        parts.append(el("t:AppointmentSequenceNumber", event.sequence))
    if w("calendar:AppointmentState"):
        parts.append(el("t:AppointmentState", 1 if is_meeting else 0))
    if event.recurrence is not None and kind == "RecurringMaster":
        parts.extend(_series_xml(event, shape))
    for uri, tag in (
        ("calendar:StartTimeZone", "StartTimeZone"),
        ("calendar:EndTimeZone", "EndTimeZone"),
    ):
        if w(uri):
            parts.append(f"<t:{tag} Id={attr(tz_id)} Name={attr(tz_id)}/>")
    parts.append("</t:CalendarItem>")
    return "".join(parts)
