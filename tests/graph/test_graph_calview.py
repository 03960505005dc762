"""Calendars through ``calendarView/delta``: a run with no change asks once per calendar,
a window that moved lists again but fetches only what changed (and drops what left it),
and an expired calendar delta link downloads nothing again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from exsync_tui.core.sources.base import SyncStateInvalid
from exsync_tui.core.sources.graph_calview import STATE_PREFIX, CalendarViewState, day_window
from exsync_tui.core.sources.graph_parse import encode_snapshot
from exsync_tui.core.store.state import StateDB
from exsync_tui.sandbox import Sandbox
from tests.graph.helpers import graph_operations, graph_profile, run_graph_sync
from tests.graph.test_graph_calendar import NOW, assert_calendars_match, expected_events
from tests.sync.helpers import all_files


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
    assert_calendars_match(sb, profile, NOW)


def test_a_window_that_moved_fetches_only_what_left_it_and_drops_its_file(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=0, events=15)
    profile = graph_profile(sb)
    assert run_graph_sync(sb, profile, now=NOW)[0].ok
    later = NOW + dt.timedelta(days=45)
    before, after = expected_events(sb, NOW), expected_events(sb, later)
    left = set(before) - set(after)
    assert left, "the sandbox's calendar should have events that end before the moved window"
    inodes = all_files(profile.effective_calendar_dir())
    sb.control.clear_request_log()

    result, _ = run_graph_sync(sb, profile, now=later)

    assert result.ok, result
    assert_calendars_match(sb, profile, later)
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
    renamed = sorted(expected_events(sb, NOW).values(), key=lambda i: str(i["id"]))[0]
    sb.control.update_event(email, renamed["id"], subject="Renamed while the link expired")
    sb.control.invalidate_sync_states(email)
    sb.control.clear_request_log()

    result, _ = run_graph_sync(sb, profile, now=NOW)

    assert result.ok, result
    assert graph_operations(sb).get("GraphDelta 410", 0) >= 1
    assert _event_reads(sb) == [str(renamed["graph_id"])]
    assert_calendars_match(sb, profile, NOW)


def test_a_state_of_the_former_full_listing_downloads_nothing_again(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=0, events=10)
    profile = graph_profile(sb)
    assert run_graph_sync(sb, profile, now=NOW)[0].ok
    events = [i for i in sb.control.truth(sb.info.users[0].email)["items"] if i["kind"] == "event"]
    # What the listing of every event kept as a calendar's state before calendarView/delta.
    with StateDB.open(profile.state_dir()) as state, state.transaction():
        for folder in state.folders("calendar"):
            listed = {str(i["graph_id"]): str(i["change_key"])
                      for i in events if i["folder_id"] == folder.remote_id}  # fmt: skip
            state.set_folder_sync_state(folder.remote_id, encode_snapshot(listed))
    sb.control.clear_request_log()

    result, _ = run_graph_sync(sb, profile, now=NOW)

    assert result.ok and result.counts.items == 0, result
    assert _event_reads(sb) == []
    assert_calendars_match(sb, profile)


def test_the_view_is_whole_utc_days_around_the_window() -> None:
    start = dt.datetime(2026, 3, 1, 13, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    end = dt.datetime(2026, 4, 2, 0, 0, tzinfo=dt.UTC)
    assert day_window((start, end)) == ("2026-03-01T00:00:00Z", "2026-04-02T00:00:00Z")
    late = dt.datetime(2026, 3, 1, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))  # Feb 28 UTC
    assert day_window((late, end + dt.timedelta(seconds=1)))[0] == "2026-02-28T00:00:00Z"
    assert day_window((late, end + dt.timedelta(seconds=1)))[1] == "2026-04-03T00:00:00Z"


def test_a_calendar_state_round_trips_and_garbage_is_refused() -> None:
    held = CalendarViewState(("a", "b"), "https://g/v1.0/x", {"m": "k"}, {"h": "m"}, {"m"})
    again = CalendarViewState.decode(held.encode(), "cal")
    assert again == held
    with pytest.raises(SyncStateInvalid):
        CalendarViewState.decode(STATE_PREFIX + "not base64 at all!", "cal")
    assert CalendarViewState.decode(encode_snapshot({"e": "1"}), "cal").hint == {"e": "1"}
