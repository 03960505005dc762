"""Calendars through Graph: each series (master, exceptions, cancellations) or single event
lands as one .ics that says what the server's own iCalendar says."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import icalendar

from exsync_tui.core.profiles import Profile
from exsync_tui.core.sync.calendar import in_window
from exsync_tui.sandbox import Sandbox
from tests.graph.helpers import graph_profile, run_graph_sync

NOW = dt.datetime(2026, 11, 16, tzinfo=dt.UTC)  # near the sandbox's fixed anchor


def _when(component: icalendar.cal.Component, name: str) -> tuple[Any, str | None] | None:
    if name not in component:
        return None
    value = component.decoded(name)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC), component[name].params.get("TZID")
    return value, None


def _exdates(component: icalendar.cal.Component) -> set[Any]:
    found: set[Any] = set()
    raw = component.get("EXDATE")
    for entry in raw if isinstance(raw, list) else [raw] if raw is not None else []:
        for value in entry.dts:
            moment = value.dt
            found.add(moment.astimezone(dt.UTC) if isinstance(moment, dt.datetime) else moment)
    return found


def describe(ics: bytes) -> dict[str, Any]:
    """What a series says, per VEVENT (keyed by RECURRENCE-ID), comparable across writers."""
    calendar = icalendar.Calendar.from_ical(ics)
    events: dict[str, Any] = {}
    for component in calendar.walk("VEVENT"):
        key = str(_when(component, "RECURRENCE-ID"))
        attendees = component.get("ATTENDEE") or []
        attendees = attendees if isinstance(attendees, list) else [attendees]
        events[key] = {
            "uid": str(component["UID"]),
            "summary": str(component.get("SUMMARY")),
            "location": str(component.get("LOCATION") or ""),
            "description": str(component.get("DESCRIPTION") or ""),
            "start": _when(component, "DTSTART"),
            "end": _when(component, "DTEND"),
            "rrule": dict(component.get("RRULE") or {}),
            "exdates": _exdates(component),
            "organizer": str(component.get("ORGANIZER") or "").lower(),
            "attendees": sorted((str(a).lower(), str(a.params.get("ROLE"))) for a in attendees),
        }
    return events


def local_events(profile: Profile) -> dict[str, bytes]:
    """The calendar files on disk, by UID."""
    files = Path(profile.effective_calendar_dir()).rglob("*.ics")
    found: dict[str, bytes] = {}
    for path in files:
        uid = str(next(iter(icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")))["UID"])
        assert uid not in found
        found[uid] = path.read_bytes()
    return found


def expected_events(sb: Sandbox, now: dt.datetime = NOW) -> dict[str, dict[str, Any]]:
    """The server's events (truth items, by UID) that meet the default window around ``now``."""
    start, end = now - dt.timedelta(days=30), now + dt.timedelta(days=365)
    truth = sb.control.truth(sb.info.users[0].email)
    events = [i for i in truth["items"] if i["kind"] == "event"]
    return {
        str(i["uid"]): i
        for i in events
        if in_window(icalendar.Calendar.from_ical(bytes(i["mime"])), start, end)
    }


def assert_calendars_match(sb: Sandbox, profile: Profile, now: dt.datetime = NOW) -> None:
    """The calendar files are the server's events of the window, each saying what the
    server's own iCalendar says."""
    expected, local = _expected(sb, now), local_events(profile)
    assert set(local) == set(expected)
    for uid, ics in expected.items():
        assert describe(local[uid]) == describe(ics), uid


def _expected(sb: Sandbox, now: dt.datetime = NOW) -> dict[str, bytes]:
    return {uid: bytes(i["mime"]) for uid, i in expected_events(sb, now).items()}


def test_calendars_hold_every_series_with_exceptions_cancellations_zones_and_all_day(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=0, events=15)
    profile = graph_profile(sb)

    result, _ = run_graph_sync(sb, profile, now=NOW)

    assert result.ok, result
    expected, local = _expected(sb), local_events(profile)
    assert set(local) == set(expected) and len(expected) >= 10
    for uid, ics in expected.items():
        assert describe(local[uid]) == describe(ics), uid
    described = [describe(ics) for ics in local.values()]
    assert any(len(d) > 1 for d in described)  # a series with an exception
    assert any(d["None"]["exdates"] for d in described)  # and one with a cancellation
    assert any(isinstance(d["None"]["start"][0], dt.date) and d["None"]["start"][1] is None
               for d in described)  # fmt: skip  # an all-day event
    assert {d["None"]["start"][1] for d in described} >= {"Europe/Berlin", "Asia/Tokyo"}


def test_changed_added_and_deleted_events_follow_the_server(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=0, events=6)
    email = sb.info.users[0].email
    profile = graph_profile(sb)
    assert run_graph_sync(sb, profile, now=NOW)[0].ok
    truth = sb.control.truth(email)
    events = sorted((i for i in truth["items"] if i["kind"] == "event"), key=lambda i: i["id"])
    sb.control.update_event(email, events[0]["id"], subject="Renamed on the server")
    sb.control.delete_event(email, events[1]["id"])
    sb.control.add_event(email, "Weekly sync", "2026-11-20T09:00:00", "2026-11-20T09:30:00",
                         timezone="America/New_York", weekly_count=4)  # fmt: skip
    sb.control.clear_request_log()

    result, _ = run_graph_sync(sb, profile, now=NOW)

    assert result.ok, result
    assert_calendars_match(sb, profile)
    by_id = [e for e in sb.control.request_log()
             if e.get("operation") == "GraphEvents" and e["path"].count("/") == 4]  # fmt: skip
    # Only the changed and the added event were read again (the rest: one delta request);
    # the one that left the view was asked for and found deleted.
    assert sorted(e["status"] for e in by_id) == [200, 200, 404]
