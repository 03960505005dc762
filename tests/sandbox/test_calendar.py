"""Calendar views expand recurrences; calendar items carry iCalendar MIME."""

from __future__ import annotations

import datetime as dt
from typing import Any

import icalendar
from exchangelib import EWSDate, EWSDateTime
from exchangelib.ewsdatetime import UTC

from exsync_tui.sandbox import Sandbox
from tests.sandbox.helpers import account_for


def _truth_events(sandbox: Sandbox) -> list[dict[str, Any]]:
    truth = sandbox.control.truth(sandbox.info.users[0].email)
    return [i for i in truth["items"] if i["kind"] == "event"]


def _window(days: int = 400) -> tuple[EWSDateTime, EWSDateTime]:
    start = EWSDateTime(2026, 10, 1, tzinfo=UTC)
    return start, start + dt.timedelta(days=days)


def test_view_expands_weekly_series_with_an_exception_and_a_cancellation(
    sandbox: Sandbox, sandbox_trust: None
) -> None:
    weekly = next(e for e in _truth_events(sandbox) if e["subject"].startswith("Weekly"))
    start, end = _window(days=365)
    view = [
        i
        for i in account_for(sandbox).calendar.view(start=start, end=end)
        if i.uid == weekly["uid"]
    ]
    # Ten weekly instances, the fifth cancelled, the third moved.
    assert len(view) == 9
    assert [i.type for i in view].count("Exception") == 1
    moved = next(i for i in view if i.type == "Exception")
    assert moved.subject.endswith("(moved)")
    assert all(i.type in ("Occurrence", "Exception") for i in view)
    starts = [i.start for i in view]
    assert starts == sorted(starts)


def test_view_returns_single_all_day_and_daily_events(
    sandbox: Sandbox, sandbox_trust: None
) -> None:
    start, end = _window()
    view = list(account_for(sandbox).calendar.view(start=start, end=end))
    all_day = [i for i in view if i.is_all_day]
    assert all_day and all(isinstance(i.start, EWSDate) for i in all_day)
    training = [i for i in view if i.subject == "Training week"]
    assert len(training) % 5 == 0 and training
    assert {i.type for i in view} >= {"Single", "Occurrence", "Exception"}


def test_view_window_excludes_events_outside_it(sandbox: Sandbox, sandbox_trust: None) -> None:
    start = EWSDateTime(2020, 1, 1, tzinfo=UTC)
    assert (
        list(account_for(sandbox).calendar.view(start=start, end=start + dt.timedelta(days=7)))
        == []
    )


def test_calendar_items_have_icalendar_mime_with_rrule_and_exdate(
    sandbox: Sandbox, sandbox_trust: None
) -> None:
    account = account_for(sandbox)
    masters = list(account.calendar.all().only("mime_content", "subject", "uid", "type"))
    truth = {e["uid"]: e for e in _truth_events(sandbox)}
    assert {m.uid for m in masters} == set(truth)
    weekly = next(m for m in masters if m.subject.startswith("Weekly"))
    assert weekly.type == "RecurringMaster"
    assert weekly.mime_content == truth[weekly.uid]["mime"]
    calendar = icalendar.Calendar.from_ical(weekly.mime_content)
    events = list(calendar.walk("VEVENT"))
    master = next(e for e in events if "RRULE" in e)
    assert master["RRULE"]["FREQ"] == ["WEEKLY"] and "EXDATE" in master
    assert any("RECURRENCE-ID" in e for e in events)
    assert list(calendar.walk("VTIMEZONE")) or master["DTSTART"].dt.tzinfo is not None


def test_full_calendar_items_carry_attendees_and_time_zones(
    sandbox: Sandbox, sandbox_trust: None
) -> None:
    items = list(account_for(sandbox).calendar.all())
    assert any(i.required_attendees for i in items)
    zones = {i._start_timezone.key for i in items if i._start_timezone}
    assert {"Europe/Berlin", "America/New_York", "Asia/Tokyo"} <= zones
