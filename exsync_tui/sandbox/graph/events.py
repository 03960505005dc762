"""Graph's calendar subset: calendars, their events (series masters and single events), an
event by id, and a series' instances in a window (occurrences and exceptions).

Times come in UTC, or in the zone of ``Prefer: outlook.timezone``; the
event's own zone is ``originalStartTimeZone``, named the Windows way. Cancelled
occurrences are simply missing from ``instances``, as in Graph v1.0 (which has no
``cancelledOccurrences``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from exsync_tui.sandbox.calendar import MS_TIMEZONE_IDS, Occurrence, occurrences, weekday_name
from exsync_tui.sandbox.graph.mail import find_item
from exsync_tui.sandbox.graph.wire import GraphError, GraphRequest, not_found, ok
from exsync_tui.sandbox.httpserver import Response
from exsync_tui.sandbox.model import CalendarEvent, Folder, Mailbox

_PATTERNS = {"daily": "daily", "weekly": "weekly", "monthly": "absoluteMonthly"}
_TOP_DEFAULT = 10


def is_calendar(folder: Folder) -> bool:
    """A calendar folder (``IPF.Appointment``)."""
    folder_class = folder.folder_class or ""
    return folder_class == "IPF.Appointment" or folder_class.startswith("IPF.Appointment.")


def calendar_json(folder: Folder) -> dict[str, Any]:
    """A ``calendar`` resource."""
    return {
        "id": folder.id,
        "name": folder.name,
        "changeKey": folder.change_key,
        "canEdit": True,
        "isDefaultCalendar": folder.distinguished == "calendar",
    }


def list_calendars(mailbox: Mailbox) -> Response:
    """``/me/calendars``: every calendar folder (Graph lists them flat)."""
    return ok({"value": [calendar_json(f) for f in mailbox.folders.values() if is_calendar(f)]})


def calendar_folder(mailbox: Mailbox, folder_id: str) -> Folder:
    """A calendar by id, or Graph's 404."""
    found = mailbox.folders.get(folder_id)
    if found is None or not is_calendar(found):
        raise not_found(folder_id)
    return found


_IANA_OF = {windows: iana for iana, windows in MS_TIMEZONE_IDS.items()}


def _time(moment: dt.datetime, event: CalendarEvent, request: GraphRequest) -> dict[str, str]:
    """A ``dateTimeTimeZone`` in the zone the client preferred (UTC by default). An all-day
    event's midnight stays on its date whatever the zone, as in Graph."""
    if event.all_day:
        local = moment.astimezone(ZoneInfo(event.timezone)).replace(tzinfo=None)
    else:
        wanted = _IANA_OF.get(request.timezone, request.timezone)
        try:
            target = ZoneInfo(wanted)
        except (ValueError, KeyError):
            raise GraphError(400, "ErrorInvalidTimeZone", f"Unknown zone {wanted}.") from None
        local = moment.astimezone(target).replace(tzinfo=None)
    return {
        "dateTime": local.isoformat(timespec="microseconds") + "0",
        "timeZone": request.timezone,
    }


def _recurrence(event: CalendarEvent) -> dict[str, Any] | None:
    rule = event.recurrence
    if rule is None:
        return None
    start = event.start.astimezone(ZoneInfo(event.timezone)).date()
    pattern: dict[str, Any] = {"type": _PATTERNS[rule.pattern], "interval": rule.interval}
    if rule.pattern == "weekly":
        days = rule.weekdays or [start.weekday()]
        pattern["daysOfWeek"] = [weekday_name(d).lower() for d in days]
    if rule.pattern == "monthly":
        pattern["dayOfMonth"] = rule.day_of_month
    zone = MS_TIMEZONE_IDS.get(event.timezone, event.timezone)
    span: dict[str, Any] = {"startDate": start.isoformat(), "recurrenceTimeZone": zone}
    if rule.count is not None:
        span.update(type="numbered", numberOfOccurrences=rule.count)
    elif rule.until is not None:
        span.update(type="endDate", endDate=rule.until.isoformat())
    else:
        span["type"] = "noEnd"
    return {"pattern": pattern, "range": span}


def _person(name: str, address: str) -> dict[str, Any]:
    return {"emailAddress": {"name": name, "address": address}}


def event_json(event: CalendarEvent, request: GraphRequest) -> dict[str, Any]:
    """An ``event`` resource: a series master or a single instance."""
    return {
        "@odata.etag": f'W/"{event.change_key}"',
        "id": event.graph_id,
        "changeKey": event.change_key,
        "iCalUId": event.uid,
        "type": "seriesMaster" if event.recurrence is not None else "singleInstance",
        "subject": event.subject,
        "body": {"contentType": "text", "content": event.body_text},
        "start": _time(event.start, event, request),
        "end": _time(event.end, event, request),
        "originalStartTimeZone": MS_TIMEZONE_IDS.get(event.timezone, event.timezone),
        "originalEndTimeZone": MS_TIMEZONE_IDS.get(event.timezone, event.timezone),
        "isAllDay": event.all_day,
        "location": {"displayName": event.location},
        "organizer": _person(*event.organizer),
        "attendees": [
            {**_person(name, address), "type": "required" if required else "optional"}
            for name, address, required in event.attendees
        ],
        "recurrence": _recurrence(event),
    }


def list_events(mailbox: Mailbox, folder: Folder, request: GraphRequest, path: str) -> Response:
    """``/me/calendars/{id}/events``: masters and single events, paged with ``$top``/``$skip``."""
    events = [i for i in mailbox.items.values() if isinstance(i, CalendarEvent)]
    events = [event for event in events if event.folder_id == folder.id]
    top = int(request.query.get("$top", _TOP_DEFAULT) or _TOP_DEFAULT)
    skip = int(request.query.get("$skip", 0) or 0)
    selected = request.query.get("$select")
    wanted = {s.strip() for s in selected.split(",")} | {"id"} if selected else None
    values = []
    for event in events[skip : skip + top]:
        full = event_json(event, request)
        values.append({k: v for k, v in full.items() if wanted is None or k in wanted})
    payload: dict[str, Any] = {"value": values}
    if skip + top < len(events):
        query = {k: v for k, v in request.query.items() if k != "$skip"}
        payload["@odata.nextLink"] = request.link(path, **query, **{"$skip": str(skip + top)})
    return ok(payload)


def get_event(mailbox: Mailbox, event_id: str) -> CalendarEvent:
    """The event with this id, or Graph's 404."""
    found = find_item(mailbox, event_id)
    if not isinstance(found, CalendarEvent):
        raise not_found(event_id)
    return found


def when(request: GraphRequest, name: str) -> dt.datetime:
    """A required date-time query parameter (``startDateTime``), or Graph's 400."""
    raw = request.query.get(name)
    if not raw:
        raise GraphError(400, "ErrorInvalidParameter", f"{name} is required.")
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise GraphError(400, "ErrorInvalidParameter", f"{name} is not a date.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def instances(mailbox: Mailbox, event_id: str, request: GraphRequest) -> Response:
    """``/me/events/{id}/instances``: the series' occurrences and exceptions in the window."""
    event = get_event(mailbox, event_id)
    if event.recurrence is None:
        return ok({"value": []})
    window_start, window_end = when(request, "startDateTime"), when(request, "endDateTime")
    found = occurrences(event, window_start, window_end)
    return ok({"value": [instance_json(one, request) for one in found]})


def instance_id(found: Occurrence) -> str:
    """The id of one instance: the event's own for a single event."""
    event = found.event
    return event.graph_id if event.recurrence is None else f"{event.graph_id}.{found.index}"


def instance_json(found: Occurrence, request: GraphRequest) -> dict[str, Any]:
    """An instance as ``instances`` and ``calendarView`` give it: a single event whole, an
    occurrence or exception with its series master's id and original start."""
    event = found.event
    entry = event_json(event, request)
    if event.recurrence is None:
        return entry
    entry.update(
        id=instance_id(found),
        type="exception" if found.kind == "Exception" else "occurrence",
        seriesMasterId=event.graph_id,
        originalStart=found.original_start.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        subject=found.subject,
        location={"displayName": found.location},
        start=_time(found.start, event, request),
        end=_time(found.end, event, request),
        recurrence=None,
    )
    return entry
