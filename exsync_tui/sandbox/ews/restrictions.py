"""FindItem restrictions: the comparisons, `Contains`, `Exists` and And/Or/Not that clients use."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from typing import Any

from lxml import etree

from exsync_tui.sandbox.ews.context import EwsError
from exsync_tui.sandbox.ews.soap import t
from exsync_tui.sandbox.model import CalendarEvent, MessageItem, StoredItem

Predicate = Callable[[StoredItem], bool]
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "IsEqualTo": operator.eq,
    "IsNotEqualTo": operator.ne,
    "IsGreaterThan": operator.gt,
    "IsGreaterThanOrEqualTo": operator.ge,
    "IsLessThan": operator.lt,
    "IsLessThanOrEqualTo": operator.le,
}


def _field_value(item: StoredItem, uri: str) -> object:
    """The value of a searchable property, or None when the item type lacks it."""
    if uri == "item:Subject":
        return item.subject
    if uri == "item:ItemClass":
        return "IPM.Note" if isinstance(item, MessageItem) else "IPM.Appointment"
    if isinstance(item, MessageItem):
        return {
            "item:DateTimeReceived": item.received,
            "item:DateTimeSent": item.sent,
            "item:DateTimeCreated": item.received,
            "item:HasAttachments": item.has_attachments,
            "message:IsRead": item.is_read,
            "message:InternetMessageId": item.message_id,
            "item:Size": len(item.mime),
        }.get(uri)
    if isinstance(item, CalendarEvent):
        return {
            "calendar:Start": item.start,
            "calendar:End": item.end,
            "calendar:IsAllDayEvent": item.all_day,
            "calendar:UID": item.uid,
            "calendar:Location": item.location,
        }.get(uri)
    return None


_SEARCHABLE = frozenset(
    {
        "item:Subject",
        "item:ItemClass",
        "item:DateTimeReceived",
        "item:DateTimeSent",
        "item:DateTimeCreated",
        "item:HasAttachments",
        "message:IsRead",
        "message:InternetMessageId",
        "item:Size",
        "calendar:Start",
        "calendar:End",
        "calendar:IsAllDayEvent",
        "calendar:UID",
        "calendar:Location",
    }
)


def _field_uri(element: etree._Element) -> str:
    path = element.find(t("FieldURI"))
    uri = path.get("FieldURI") if path is not None else None
    if uri not in _SEARCHABLE:
        raise EwsError(
            "ErrorUnsupportedPathForQuery", f"The property {uri} can't be used in a query."
        )
    return str(uri)


def _coerce(text: str, like: object) -> object:
    if isinstance(like, bool):
        return text.strip().lower() in ("true", "1")  # xs:boolean
    if isinstance(like, int):
        return int(text)
    if isinstance(like, dt.datetime):
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return text


def _comparison(element: etree._Element, compare: Callable[[Any, Any], bool]) -> Predicate:
    uri = _field_uri(element)
    constant = element.find(f"{t('FieldURIOrConstant')}/{t('Constant')}")
    if constant is None:
        raise EwsError(
            "ErrorUnsupportedQueryFilter", "Only comparisons with a constant are supported."
        )
    text = constant.get("Value", "")

    def predicate(item: StoredItem) -> bool:
        value = _field_value(item, uri)
        if value is None:
            return False
        try:
            return compare(value, _coerce(text, value))
        except (TypeError, ValueError):
            return False

    return predicate


def _contains(element: etree._Element) -> Predicate:
    uri = _field_uri(element)
    constant = element.find(t("Constant"))
    needle = constant.get("Value", "") if constant is not None else ""
    mode = element.get("ContainmentMode", "Substring")
    ignore_case = element.get("ContainmentComparison", "Exact") != "Exact"

    def predicate(item: StoredItem) -> bool:
        value = _field_value(item, uri)
        if not isinstance(value, str):
            return False
        haystack, wanted = (value.lower(), needle.lower()) if ignore_case else (value, needle)
        if mode == "FullString":
            return haystack == wanted
        if mode == "Prefixed":
            return haystack.startswith(wanted)
        return wanted in haystack

    return predicate


def compile_restriction(element: etree._Element) -> Predicate:
    """A predicate for a `Restriction` element (or any search expression inside one)."""
    name = etree.QName(element).localname
    if name == "Restriction":
        if len(element) != 1:
            raise EwsError("ErrorInvalidRestriction", "The restriction is invalid.")
        return compile_restriction(element[0])
    if name in _COMPARISONS:
        return _comparison(element, _COMPARISONS[name])
    if name == "Contains":
        return _contains(element)
    if name == "Exists":
        uri = _field_uri(element)
        return lambda item: _field_value(item, uri) is not None
    children = [compile_restriction(child) for child in element]
    if name == "And":
        return lambda item: all(p(item) for p in children)
    if name == "Or":
        return lambda item: any(p(item) for p in children)
    if name == "Not" and len(children) == 1:
        return lambda item: not children[0](item)
    raise EwsError("ErrorUnsupportedQueryFilter", f"The restriction {name} is not supported.")
