"""Calendar semantics: expanding recurrences into occurrences and rendering iCalendar MIME."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import icalendar
from dateutil import rrule

from exsync_tui.sandbox.model import CalendarEvent, OccurrenceException, Recurrence

# The Windows time zone ids Exchange uses for the IANA zones the generator picks.
MS_TIMEZONE_IDS = {
    "UTC": "UTC",
    "Europe/Berlin": "W. Europe Standard Time",
    "Europe/London": "GMT Standard Time",
    "America/New_York": "Eastern Standard Time",
    "America/Los_Angeles": "Pacific Standard Time",
    "Asia/Tokyo": "Tokyo Standard Time",
    "Australia/Sydney": "AUS Eastern Standard Time",
}
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_RRULE_DAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)
_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Occurrence:
    """One instance of an event in a calendar view."""

    event: CalendarEvent
    index: int  # 1-based instance index for recurring events; 0 for a single event
    original_start: dt.datetime
    start: dt.datetime
    end: dt.datetime
    subject: str
    location: str
    kind: str  # "Single", "Occurrence", "Exception"


def weekday_name(day: int) -> str:
    """The EWS name of a weekday (0 = Monday)."""
    return _WEEKDAY_NAMES[day]


def _rule(event: CalendarEvent, recurrence: Recurrence) -> rrule.rrule:
    tz = ZoneInfo(event.timezone)
    start = event.start.astimezone(tz)
    until = None
    if recurrence.until is not None:
        until = dt.datetime.combine(recurrence.until, dt.time(23, 59, 59), tzinfo=tz)
    if recurrence.pattern == "daily":
        return rrule.rrule(
            rrule.DAILY,
            dtstart=start,
            interval=recurrence.interval,
            count=recurrence.count,
            until=until,
        )
    if recurrence.pattern == "weekly":
        days = [_RRULE_DAYS[d] for d in recurrence.weekdays] or [_RRULE_DAYS[start.weekday()]]
        return rrule.rrule(
            rrule.WEEKLY,
            dtstart=start,
            interval=recurrence.interval,
            byweekday=days,
            count=recurrence.count,
            until=until,
        )
    return rrule.rrule(
        rrule.MONTHLY,
        dtstart=start,
        interval=recurrence.interval,
        bymonthday=recurrence.day_of_month,
        count=recurrence.count,
        until=until,
    )


def instance_starts(event: CalendarEvent) -> list[dt.datetime]:
    """Original starts of every instance of a recurring event (bounded series only)."""
    if event.recurrence is None:
        return [event.start]
    return [moment.astimezone(dt.UTC) for moment in _rule(event, event.recurrence)]


def occurrences(
    event: CalendarEvent, window_start: dt.datetime, window_end: dt.datetime
) -> list[Occurrence]:
    """The instances of `event` overlapping [window_start, window_end), cancelled ones removed."""
    if event.recurrence is None:
        if event.start < window_end and event.end > window_start:
            return [
                Occurrence(
                    event,
                    0,
                    event.start,
                    event.start,
                    event.end,
                    event.subject,
                    event.location,
                    "Single",
                )
            ]
        return []
    duration = event.end - event.start
    deleted = {moment.astimezone(dt.UTC) for moment in event.deleted_occurrences}
    modified = {m.original_start.astimezone(dt.UTC): m for m in event.modified_occurrences}
    found: list[Occurrence] = []
    for index, moment in enumerate(_rule(event, event.recurrence), start=1):
        original = moment.astimezone(dt.UTC)
        if original in deleted:
            continue
        exception: OccurrenceException | None = modified.get(original)
        if exception is not None:
            start, end = exception.start, exception.end
            subject, location, kind = exception.subject, exception.location, "Exception"
        else:
            start, end = original, (moment + duration).astimezone(dt.UTC)
            subject, location, kind = event.subject, event.location, "Occurrence"
        if start < window_end and end > window_start:
            found.append(Occurrence(event, index, original, start, end, subject, location, kind))
        # Unbounded series end here; exceptions never move an instance by more than a month.
        if original > window_end + dt.timedelta(days=32):
            break
    return found


def _ical_time(event: CalendarEvent, moment: dt.datetime) -> dt.datetime | dt.date:
    local = moment.astimezone(ZoneInfo(event.timezone))
    return local.date() if event.all_day else local


def to_ical(event: CalendarEvent) -> bytes:
    """The event as iCalendar (VCALENDAR with VTIMEZONE, master, and exception VEVENTs)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//exsync sandbox//Exchange Server//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    master = _vevent(event, event.subject, event.location, event.start, event.end)
    if event.recurrence is not None:
        master.add("rrule", _ical_rule(event.recurrence, event))
        for moment in event.deleted_occurrences:
            master.add("exdate", _ical_time(event, moment))
    calendar.add_component(master)
    for exception in event.modified_occurrences:
        vevent = _vevent(
            event, exception.subject, exception.location, exception.start, exception.end
        )
        vevent.add("recurrence-id", _ical_time(event, exception.original_start))
        calendar.add_component(vevent)
    if not event.all_day and event.timezone != "UTC":
        calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def _vevent(
    event: CalendarEvent, subject: str, location: str, start: dt.datetime, end: dt.datetime
) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("summary", subject)
    if location:
        vevent.add("location", location)
    vevent.add("dtstart", _ical_time(event, start))
    vevent.add("dtend", _ical_time(event, end))
    vevent.add("dtstamp", dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    vevent.add("sequence", event.sequence)
    if event.body_text:
        vevent.add("description", event.body_text)
    if event.organizer[1]:
        organizer = icalendar.vCalAddress(f"mailto:{event.organizer[1]}")
        organizer.params["cn"] = event.organizer[0]
        vevent.add("organizer", organizer)
    for name, address, required in event.attendees:
        attendee = icalendar.vCalAddress(f"mailto:{address}")
        attendee.params["cn"] = name
        attendee.params["role"] = "REQ-PARTICIPANT" if required else "OPT-PARTICIPANT"
        vevent.add("attendee", attendee)
    return vevent


def _ical_rule(recurrence: Recurrence, event: CalendarEvent) -> dict[str, object]:
    rule: dict[str, object] = {"interval": recurrence.interval}
    if recurrence.pattern == "daily":
        rule["freq"] = "DAILY"
    elif recurrence.pattern == "weekly":
        rule["freq"] = "WEEKLY"
        rule["byday"] = [_ICAL_DAYS[d] for d in recurrence.weekdays]
    else:
        rule["freq"] = "MONTHLY"
        rule["bymonthday"] = recurrence.day_of_month
    if recurrence.count is not None:
        rule["count"] = recurrence.count
    elif recurrence.until is not None:
        until = dt.datetime.combine(
            recurrence.until, dt.time(23, 59, 59), tzinfo=ZoneInfo(event.timezone)
        )
        rule["until"] = until.astimezone(dt.UTC)
    return rule
