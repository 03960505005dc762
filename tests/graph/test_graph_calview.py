"""Calendars through ``calendarView/delta``: a run with no change asks once per calendar,
a window that moved lists again but fetches only what changed (and drops what left it),
and an expired calendar delta link downloads nothing again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import icalendar

from exsync_tui.core.profiles import Profile
from exsync_tui.core.sync.calendar import in_window
from exsync_tui.sandbox import Sandbox
from tests.graph.helpers import graph_operations, graph_profile, run_graph_sync
from tests.graph.test_graph_calendar import NOW, describe
from tests.sync.helpers import all_files

PAST, FUTURE = dt.timedelta(days=30), dt.timedelta(days=365)


def _events(sb: Sandbox) -> list[dict[str, Any]]:
    truth = sb.control.truth(sb.info.users[0].email)
    return [i for i in truth["items"] if i["kind"] == "event"]


def _in_window(sb: Sandbox, now: dt.datetime) -> dict[str, dict[str, Any]]:
    """The server's events (by UID) that meet the window around ``now``."""
    return {
        str(i["uid"]): i
        for i in _events(sb)
        if in_window(icalendar.Calendar.from_ical(bytes(i["mime"])), now - PAST, now + FUTURE)
    }


def _local(profile: Profile) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for path in profile.effective_calendar_dir().rglob("*.ics"):
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        found[str(next(iter(calendar.walk("VEVENT")))["UID"])] = path.read_bytes()
    return found


def _assert_calendar_is(sb: Sandbox, profile: Profile, now: dt.datetime) -> None:
    expected, local = _in_window(sb, now), _local(profile)
    assert set(local) == set(expected)
    for uid, item in expected.items():
        assert describe(local[uid]) == describe(bytes(item["mime"])), uid


def _event_reads(sb: Sandbox) -> list[str]:
    """The ids of the events read whole."""
    return [
        str(e["path"]).rsplit("/", 1)[1]
        for e in sb.control.request_log()
        if e.get("operation") == "GraphEvents" and str(e["path"]).count("/") == 4
    ]


def _calendar_views(sb: Sandbox) -> int:
    return sum(1 for e in sb.control.request_log() if "/calendarView/" in str(e["path"]))


def test_a_run_without_changes_asks_once_per_calendar_and_reads_no_event(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=0, events=15)
    profile = graph_profile(sb)
    first, _ = run_graph_sync(sb, profile, now=NOW)
    assert first.ok, first
    calendars = graph_operations(sb).get("GraphCalendars 200", 0)
    assert calendars >= 1
    sb.control.clear_request_log()

    again, _ = run_graph_sync(sb, profile, now=NOW)

    assert again.ok and again.counts.items == 0, again
    truth = sb.control.truth(sb.info.users[0].email)
    count = sum(1 for f in truth["folders"] if str(f.get("folder_class")).startswith("IPF.Appo"))
    assert _calendar_views(sb) == count
    assert _event_reads(sb) == [] and "GraphEvents 200" not in graph_operations(sb)
    _assert_calendar_is(sb, profile, NOW)


def test_a_window_that_moved_fetches_only_what_left_it_and_drops_its_file(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=0, events=15)
    profile = graph_profile(sb)
    assert run_graph_sync(sb, profile, now=NOW)[0].ok
    later = NOW + dt.timedelta(days=45)
    before, after = _in_window(sb, NOW), _in_window(sb, later)
    left = set(before) - set(after)
    assert left, "the sandbox's calendar should have events that end before the moved window"
    inodes = all_files(profile.effective_calendar_dir())
    sb.control.clear_request_log()

    result, _ = run_graph_sync(sb, profile, now=later)

    assert result.ok, result
    _assert_calendar_is(sb, profile, later)
    # Only what left the view was read again (to tell "left the window" from "deleted").
    left_ids = {str(before[uid]["graph_id"]) for uid in left}
    entered = {str(after[uid]["graph_id"]) for uid in set(after) - set(before)}
    assert set(_event_reads(sb)) <= left_ids | entered
    kept = {p: i for p, i in all_files(profile.effective_calendar_dir()).items() if p in inodes}
    assert all(inodes[p] == i for p, i in kept.items())  # unchanged files were not rewritten


def test_an_expired_calendar_delta_link_downloads_nothing_again(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=0, events=10)
    email = sb.info.users[0].email
    profile = graph_profile(sb)
    assert run_graph_sync(sb, profile, now=NOW)[0].ok
    renamed = sorted(_in_window(sb, NOW).values(), key=lambda i: str(i["id"]))[0]
    sb.control.update_event(email, renamed["id"], subject="Renamed while the link expired")
    sb.control.invalidate_sync_states(email)
    sb.control.clear_request_log()

    result, _ = run_graph_sync(sb, profile, now=NOW)

    assert result.ok, result
    assert graph_operations(sb).get("GraphDelta 410", 0) >= 1
    assert _event_reads(sb) == [str(renamed["graph_id"])]
    _assert_calendar_is(sb, profile, NOW)
