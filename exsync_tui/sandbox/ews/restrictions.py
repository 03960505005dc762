"""Restrictions for FindItem and FindFolder: comparisons, `Contains`, `Exists`, And/Or/Not.

One evaluator serves items and folders: it is given a resolver that turns a property path into
a getter on the objects being searched (see `exsync_tui.sandbox.ews.fields`).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from typing import Any

from lxml import etree

from exsync_tui.sandbox.ews.context import EwsError
from exsync_tui.sandbox.ews.fields import Getter, Resolver, path_of
from exsync_tui.sandbox.ews.soap import t

Predicate = Callable[[Any], bool]
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "IsEqualTo": operator.eq,
    "IsNotEqualTo": operator.ne,
    "IsGreaterThan": operator.gt,
    "IsGreaterThanOrEqualTo": operator.ge,
    "IsLessThan": operator.lt,
    "IsLessThanOrEqualTo": operator.le,
}


def _values(value: object) -> list[object]:
    """A property's values: a multi-valued one matches when any of its values does."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _coerce(text: str, like: object) -> object:
    if isinstance(like, bool):
        return text.strip().lower() in ("true", "1")  # xs:boolean
    if isinstance(like, int):
        return int(text)
    if isinstance(like, dt.datetime):
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return text


def _comparison(
    element: etree._Element, compare: Callable[[Any, Any], bool], resolve: Resolver
) -> Predicate:
    getter = resolve(path_of(element))
    constant = element.find(f"{t('FieldURIOrConstant')}/{t('Constant')}")
    if constant is None:
        raise EwsError(
            "ErrorUnsupportedQueryFilter", "Only comparisons with a constant are supported."
        )
    text = constant.get("Value", "")

    def matches(value: object) -> bool:
        try:
            return bool(compare(value, _coerce(text, value)))
        except (TypeError, ValueError):
            return False

    return lambda obj: any(matches(v) for v in _values(getter(obj)))


def _contains(element: etree._Element, resolve: Resolver) -> Predicate:
    getter: Getter = resolve(path_of(element))
    constant = element.find(t("Constant"))
    needle = constant.get("Value", "") if constant is not None else ""
    mode = element.get("ContainmentMode", "Substring")
    ignore_case = element.get("ContainmentComparison", "Exact") not in (
        "Exact",
        "IgnoreNonSpacingCharacters",
    )
    wanted = needle.lower() if ignore_case else needle

    def matches(value: object) -> bool:
        if not isinstance(value, str):
            return False
        haystack = value.lower() if ignore_case else value
        if mode == "FullString":
            return haystack == wanted
        if mode == "Prefixed":
            return haystack.startswith(wanted)
        if mode == "PrefixOnWords":
            return any(word.startswith(wanted) for word in haystack.split())
        if mode == "ExactPhrase":
            return f" {wanted} " in f" {' '.join(haystack.split())} "
        return wanted in haystack

    return lambda obj: any(matches(v) for v in _values(getter(obj)))


def compile_restriction(element: etree._Element, resolve: Resolver) -> Predicate:
    """A predicate for a `Restriction` element (or any search expression inside one)."""
    name = etree.QName(element).localname
    if name == "Restriction":
        if len(element) != 1:
            raise EwsError("ErrorInvalidRestriction", "The restriction is invalid.")
        return compile_restriction(element[0], resolve)
    if name in _COMPARISONS:
        return _comparison(element, _COMPARISONS[name], resolve)
    if name == "Contains":
        return _contains(element, resolve)
    if name == "Exists":
        getter = resolve(path_of(element))
        return lambda obj: getter(obj) is not None
    children = [compile_restriction(child, resolve) for child in element]
    if name == "And":
        return lambda obj: all(p(obj) for p in children)
    if name == "Or":
        return lambda obj: any(p(obj) for p in children)
    if name == "Not" and len(children) == 1:
        return lambda obj: not children[0](obj)
    raise EwsError("ErrorUnsupportedQueryFilter", f"The restriction {name} is not supported.")
