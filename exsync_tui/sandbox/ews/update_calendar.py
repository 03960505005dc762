"""UpdateItem on calendar items: subject, body, location, start, end, all-day and time zone.

Each update is checked on a copy first (all or nothing), then recorded with `store_ops`, so the
change is an Update in SyncFolderItems and shows in `truth()`.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from lxml import etree

from exsync_tui.sandbox import store_ops
from exsync_tui.sandbox.calendar import MS_TIMEZONE_IDS
from exsync_tui.sandbox.ews.context import EwsContext, EwsError
from exsync_tui.sandbox.ews.soap import t
from exsync_tui.sandbox.model import CalendarEvent

_INVALID = "ErrorInvalidPropertySet"
_IANA = {windows: iana for iana, windows in MS_TIMEZONE_IDS.items()}
EventChange = Callable[[CalendarEvent], None]


def apply(ctx: EwsContext, event: CalendarEvent, updates: list[etree._Element]) -> None:
    """Apply every Set/DeleteItemField to `event`, or none when one of them is refused."""
    steps = [_step(update) for update in updates]
    trial = copy.deepcopy(event)
    for step in steps:
        step(trial)
    if trial.end < trial.start:
        raise EwsError(
            "ErrorCalendarEndDateIsEarlierThanStartDate", "EndDate is earlier than StartDate"
        )
    if steps:
        for step in steps:
            step(event)
        store_ops.mark_changed(ctx.user, event)


def _step(update: etree._Element) -> EventChange:
    kind = etree.QName(update).localname
    path = update.find(t("FieldURI"))
    uri = path.get("FieldURI", "") if path is not None else ""
    if kind == "DeleteItemField":
        if uri == "calendar:Location":
            return lambda event: setattr(event, "location", "")
        if uri in ("item:Body",):
            return lambda event: setattr(event, "body_text", "")
        raise EwsError(_INVALID, f"The property {uri} cannot be deleted.")
    container = update.find(t("CalendarItem"))
    if kind != "SetItemField" or container is None:
        raise EwsError(_INVALID, f"{kind} of {uri} is not supported on calendar items.")
    if uri == "item:Subject":
        subject = _text(container, "Subject")
        return lambda event: setattr(event, "subject", subject)
    if uri == "item:Body":
        body = _text(container, "Body")
        return lambda event: setattr(event, "body_text", body)
    if uri == "calendar:Location":
        location = _text(container, "Location")
        return lambda event: setattr(event, "location", location)
    if uri in ("calendar:Start", "calendar:End"):
        name = uri.split(":")[1]
        moment = _time(_text(container, name))
        return lambda event: setattr(event, name.lower(), moment.astimezone(_zone(event)))
    if uri == "calendar:IsAllDayEvent":
        all_day = _text(container, "IsAllDayEvent").strip().lower() in ("true", "1")
        return lambda event: setattr(event, "all_day", all_day)
    if uri in ("calendar:StartTimeZone", "calendar:EndTimeZone"):
        return _zone_step(container, uri.split(":")[1])
    raise EwsError(_INVALID, f"SetItemField of {uri} is not supported on calendar items.")


def _zone_step(container: etree._Element, name: str) -> EventChange:
    element = container.find(t(name))
    windows = element.get("Id", "") if element is not None else ""
    iana = _IANA.get(windows)
    if iana is None:
        raise EwsError("ErrorTimeZone", f"The time zone {windows!r} is not known to this server.")

    def change(event: CalendarEvent) -> None:
        # The event keeps its instants; its times are now expressed in the new zone.
        event.timezone = iana
        event.start, event.end = (
            event.start.astimezone(ZoneInfo(iana)),
            event.end.astimezone(ZoneInfo(iana)),
        )

    return change


def _zone(event: CalendarEvent) -> ZoneInfo:
    return ZoneInfo(event.timezone)


def _time(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise EwsError("ErrorInvalidValueForProperty", f"{value!r} is not a time.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _text(container: etree._Element, name: str) -> str:
    found = container.find(t(name))
    if found is None:
        raise EwsError(_INVALID, f"The update carries no {name}.")
    return found.text or ""
