"""A Graph series master (or single event) with its instances, as one iCalendar object.

Graph v1.0 gives a series' recurrence as a pattern and a range, its
exceptions as instances of type ``exception`` (with ``originalStart``), and
its cancelled occurrences only by their absence from ``instances``. So the
rule is expanded here (dateutil) over the same window as ``instances`` was
asked for, and every expected start that did not come back is an EXDATE.
Times carry Windows zone names, mapped to IANA with exchangelib's table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from dateutil.rrule import rrulestr
from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP

_DAYS = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}
_INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_FREQ = {
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "absoluteMonthly": "MONTHLY",
    "relativeMonthly": "MONTHLY",
    "absoluteYearly": "YEARLY",
    "relativeYearly": "YEARLY",
}


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone for a Windows (or IANA) time zone name; UTC when unknown."""
    if not name:
        return ZoneInfo("UTC")
    iana = MS_TIMEZONE_TO_IANA_MAP.get(name, name)
    try:
        return ZoneInfo("UTC" if iana == "Etc/UTC" else iana)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def moment(value: Mapping[str, Any], home: str | None = None) -> dt.datetime:
    """A Graph ``dateTimeTimeZone`` as an aware datetime, moved to the ``home`` zone (the
    event's ``originalStartTimeZone``) when given: Graph answers in UTC unless asked
    otherwise, and a series repeats by the wall clock of its own zone, not UTC's."""
    text = str(value["dateTime"])[:19]  # Graph sends 7 fractional digits
    found = dt.datetime.fromisoformat(text).replace(tzinfo=zone(value.get("timeZone")))
    return found.astimezone(zone(home)) if home else found


def _utc(text: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00")[:25].rstrip("+"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def rrule_of(recurrence: Mapping[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """The RRULE (icalendar's dict form) for a Graph ``patternedRecurrence``."""
    pattern, span = recurrence.get("pattern") or {}, recurrence.get("range") or {}
    kind = str(pattern.get("type"))
    rule: dict[str, Any] = {"freq": _FREQ.get(kind, "DAILY")}
    rule["interval"] = int(pattern.get("interval") or 1)
    days = [_DAYS[d] for d in pattern.get("daysOfWeek") or () if d in _DAYS]
    if kind.startswith("relative") and days:
        index = _INDEX.get(str(pattern.get("index") or "first"), 1)
        rule["byday"] = [f"{index:+d}{day}" for day in days]
    elif kind == "weekly" and days:
        rule["byday"] = days
    if kind in ("absoluteMonthly", "absoluteYearly"):
        rule["bymonthday"] = int(pattern.get("dayOfMonth") or 1)
    if kind.endswith("Yearly"):
        rule["bymonth"] = int(pattern.get("month") or 1)
    if span.get("type") == "numbered":
        rule["count"] = int(span.get("numberOfOccurrences") or 1)
    elif span.get("type") == "endDate" and span.get("endDate"):
        end = dt.date.fromisoformat(str(span["endDate"]))
        rule["until"] = dt.datetime.combine(end, dt.time(23, 59, 59), tzinfo=tz).astimezone(dt.UTC)
    return rule


def _value(when: dt.datetime, all_day: bool) -> dt.datetime | dt.date:
    return when.date() if all_day else when


def _home(event: Mapping[str, Any]) -> str | None:
    """The zone to write times in: the event's own, except for all-day events, whose
    midnight is a date (floating) in whatever zone Graph answered."""
    if event.get("isAllDay"):
        return None
    return str(event.get("originalStartTimeZone") or "") or None


def _vevent(event: Mapping[str, Any], uid: str, all_day: bool) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", uid)
    vevent.add("summary", event.get("subject") or "")
    location = (event.get("location") or {}).get("displayName")
    if location:
        vevent.add("location", location)
    vevent.add("dtstart", _value(moment(event["start"], _home(event)), all_day))
    vevent.add("dtend", _value(moment(event["end"], _home(event)), all_day))
    vevent.add("dtstamp", dt.datetime.now(dt.UTC).replace(microsecond=0))
    body = (event.get("body") or {}).get("content")
    if body and (event.get("body") or {}).get("contentType") == "text":
        vevent.add("description", body)
    organizer = ((event.get("organizer") or {}).get("emailAddress")) or {}
    if organizer.get("address"):
        address = icalendar.vCalAddress(f"mailto:{organizer['address']}")
        address.params["cn"] = organizer.get("name") or ""
        vevent.add("organizer", address)
    for attendee in event.get("attendees") or ():
        who = attendee.get("emailAddress") or {}
        if not who.get("address"):
            continue
        address = icalendar.vCalAddress(f"mailto:{who['address']}")
        address.params["cn"] = who.get("name") or ""
        required = attendee.get("type") == "required"
        address.params["role"] = "REQ-PARTICIPANT" if required else "OPT-PARTICIPANT"
        vevent.add("attendee", address)
    return vevent


def _rule_text(rule: dict[str, Any]) -> str:
    recur: Any = icalendar.vRecur(rule)
    return str(recur.to_ical().decode())


def instances_window(
    event: Mapping[str, Any], horizon: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """The window to ask a series' instances for: all of a bounded series (and a month more,
    as an exception may move the last one), up to ``horizon`` for an endless one."""
    start = moment(event["start"], _home(event))
    recurrence = event.get("recurrence") or {}
    rule = rrule_of(recurrence, start.tzinfo)  # type: ignore[arg-type]
    end = horizon
    if "count" in rule or "until" in rule:
        starts = list(rrulestr(_rule_text(rule), dtstart=start))
        end = (starts[-1] if starts else start) + dt.timedelta(days=32)
    return start - dt.timedelta(days=1), end


def to_ical(
    event: Mapping[str, Any],
    instances: Sequence[Mapping[str, Any]],
    window: tuple[dt.datetime, dt.datetime],
) -> bytes:
    """The event (with, for a series master, its exceptions and cancellations) as iCalendar.

    ``instances`` are the series' instances Graph gave for ``window``.
    """
    all_day = bool(event.get("isAllDay"))
    uid = str(event.get("iCalUId") or event["id"])
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//exsync//Microsoft Graph//EN")
    calendar.add("version", "2.0")
    master = _vevent(event, uid, all_day)
    recurrence = event.get("recurrence")
    exceptions: list[icalendar.Event] = []
    if recurrence:
        start = moment(event["start"], _home(event))
        rule = rrule_of(recurrence, start.tzinfo)  # type: ignore[arg-type]
        master.add("rrule", rule)
        came = {_utc(str(i["originalStart"])) for i in instances if i.get("originalStart")}
        expected = rrulestr(_rule_text(rule), dtstart=start)
        for original in expected.between(window[0], window[1], inc=True):
            if original.astimezone(dt.UTC) not in came:
                master.add("exdate", _value(original, all_day))
        for instance in instances:
            if instance.get("type") == "exception" and instance.get("originalStart"):
                vevent = _vevent({**event, **instance}, uid, all_day)
                original = _utc(str(instance["originalStart"])).astimezone(start.tzinfo)
                vevent.add("recurrence-id", _value(original, all_day))
                exceptions.append(vevent)
    calendar.add_component(master)
    for vevent in exceptions:
        calendar.add_component(vevent)
    if not all_day:
        calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
