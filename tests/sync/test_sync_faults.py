"""Sandbox faults, a mailbox changing mid-sync, cancel, dry run and calendars."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from exsync_tui.core.sync.engine import sync_profile
from exsync_tui.core.sync.events import FolderStarted, Progress, SyncEvent, SyncWarning
from exsync_tui.sandbox import Sandbox
from exsync_tui.sandbox.config import DEFAULT_ANCHOR
from tests.sources.helpers import truth_items
from tests.sync.helpers import (
    all_files,
    assert_mail_matches,
    profile_for,
    run_sync,
    synced_mailbox,
)

# What each fault may end in when it cannot be ridden out: its own topic, never a crash.
FAULTS = {
    "503*2/GetItem": {None, "server-busy"},
    "busy:200*2/GetItem": {None},
    "busy:200*2/SyncFolderItems": {None},
    "500*1/GetItem": {None, "unexpected-error", "server-busy"},
    "drop*1/GetItem": {None, "server-silent"},
    "drop*1/SyncFolderHierarchy": {None, "server-silent"},
    "truncate*1/GetItem": {None, "unexpected-error"},
    "truncate*1/SyncFolderItems": {None, "unexpected-error"},
    "invalid_sync_state*1/SyncFolderHierarchy": {None},
    "password_expired*1/GetItem": {"password-expired"},
}


@pytest.mark.parametrize(("spec", "allowed"), FAULTS.items(), ids=list(FAULTS))
def test_a_fault_is_ridden_out_or_named_and_nothing_is_lost(
    fresh_sandbox: Callable[..., Sandbox], spec: str, allowed: set[str | None]
) -> None:
    sb, _email, profile = synced_mailbox(fresh_sandbox, messages=10)
    sb.control.add_message(sb.info.users[0].email, "inbox", subject="during the fault")
    sb.control.inject_fault(spec)

    faulty, _ = run_sync(sb, profile)

    assert (None if faulty.ok else faulty.topic) in allowed, faulty
    sb.control.clear_faults()
    after, _ = run_sync(sb, profile)
    assert after.ok, after
    assert_mail_matches(sb, profile)


def test_the_mailbox_changing_between_pages_ends_exact_after_the_next_run(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=30, events=0)
    email = sb.info.users[0].email
    profile = profile_for(sb)
    inbox = sorted(truth_items(sb, "inbox"))
    changed = threading.Event()

    def meddle(event: SyncEvent) -> None:
        if isinstance(event, Progress) and not changed.is_set():
            changed.set()
            sb.control.add_message(email, "inbox", subject="arrived mid-sync")
            sb.control.mark_read(email, inbox[0], not truth_items(sb, "inbox")[inbox[0]]["is_read"])
            sb.control.delete_message(email, inbox[1])

    first = sync_profile(profile, sb.info.users[0].password, emit=meddle)
    assert first.ok and changed.is_set()
    second, _ = run_sync(sb, profile)
    assert second.ok
    assert_mail_matches(sb, profile)


def test_cancel_during_a_hung_request_stops_at_once_and_the_next_run_resumes(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=10, events=0)
    profile = profile_for(sb)
    sb.control.inject_fault("hang*1/GetItem")
    cancel = threading.Event()
    results = []
    worker = threading.Thread(
        target=lambda: results.append(
            sync_profile(profile, sb.info.users[0].password, cancel=cancel)
        )
    )
    worker.start()
    assert sb.control.wait_for_request(lambda e: e.get("operation") == "GetItem", 30)
    cancel.set()
    worker.join(5)  # a cancel is honoured within about a second, even mid-request
    assert not worker.is_alive()
    assert results[0].topic == "cancelled"
    sb.control.clear_faults()
    resumed, _ = run_sync(sb, profile)
    assert resumed.ok, resumed
    assert_mail_matches(sb, profile)


def test_dry_run_writes_nothing_and_says_what_would_change(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=10, events=2)
    profile = profile_for(sb)
    # A dry run does not fetch events, so it cannot tell which fall outside the calendar
    # window: centre the window on the generated calendar, so that none does.
    now = datetime.fromisoformat(DEFAULT_ANCHOR).replace(tzinfo=UTC)

    dry, events = run_sync(sb, profile, dry_run=True, now=now)

    assert dry.ok and dry.counts.new >= 10
    assert (
        not profile.effective_mail_dir().exists() or all_files(profile.effective_mail_dir()) == {}
    )
    assert any(isinstance(e, FolderStarted) for e in events)
    real, _ = run_sync(sb, profile, now=now)
    assert real.counts.new == dry.counts.new


def test_calendar_events_in_the_window_are_written_once_and_follow_deletes(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=6)
    email = sb.info.users[0].email
    events = truth_items(sb, "calendar")
    wide = profile_for(sb)
    wide = replace(wide, sync=replace(wide.sync, calendar_past_days=3650))
    assert run_sync(sb, wide)[0].ok
    files = sorted(wide.effective_calendar_dir().rglob("*.ics"))
    assert len(files) == len(events)  # a window of ten years holds every event
    uids = set()
    for path in files:
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        masters = [c for c in calendar.walk("VEVENT") if "RECURRENCE-ID" not in c]
        assert len(masters) == 1
        uids.add(str(masters[0]["UID"]))
    assert uids == {str(event["uid"]) for event in events.values()}
    assert (wide.effective_calendar_dir() / "Calendar" / "displayname").read_text() == "Calendar"

    sb.control.delete_event(email, sorted(events)[0])
    after, _ = run_sync(sb, wide)
    assert after.ok and after.counts.deleted == 1
    assert len(list(wide.effective_calendar_dir().rglob("*.ics"))) == len(files) - 1


def test_the_default_window_leaves_out_single_events_that_ended_over_30_days_ago(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=6)
    events = truth_items(sb, "calendar").values()
    cutoff = datetime.now(UTC) - timedelta(days=30)
    old = {str(e["uid"]) for e in events
           if not e["recurring"] and datetime.fromisoformat(str(e["end"])) < cutoff}  # fmt: skip
    profile = profile_for(sb)
    assert run_sync(sb, profile)[0].ok
    written = set()
    for path in profile.effective_calendar_dir().rglob("*.ics"):
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        written.add(str(next(iter(calendar.walk("VEVENT")))["UID"]))
    assert old and not old & written
    assert written == {str(e["uid"]) for e in events} - old


def test_a_message_over_the_size_cap_is_skipped_with_a_warning_and_odd_mime_is_kept_as_is(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = synced_mailbox(fresh_sandbox, messages=4)
    huge = b"Subject: huge\r\nMessage-ID: <huge@example.com>\r\n\r\n" + b"x" * 300_000 + b"\r\n"
    odd = b"\x00\xffnot really a message\r\nno headers at all\r\n" + bytes(range(256))
    sb.control.add_message(email, "inbox", mime=huge)
    odd_id = sb.control.add_message(email, "inbox", mime=odd)

    result, events = run_sync(sb, profile, max_message_bytes=200_000)

    assert result.ok, result
    warnings = [e for e in events if isinstance(e, SyncWarning)]
    assert any("not stored" in w.message for w in warnings), warnings
    stored = [p.read_bytes() for p in profile.effective_mail_dir().rglob("*") if p.is_file()]
    assert odd in stored  # byte for byte, whatever it is
    assert not any(b"huge@example.com" in data for data in stored)
    assert str(odd_id) in truth_items(sb, "inbox")


def test_two_events_sharing_a_uid_are_both_kept_in_their_own_files(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = synced_mailbox(fresh_sandbox, messages=1, events=1)
    soon = datetime.now(UTC) + timedelta(days=3)
    for hour in (9, 14):
        start = soon.replace(hour=hour, minute=0, second=0, microsecond=0)
        sb.control.add_event(
            email, f"Imported at {hour}", start.isoformat(),
            (start + timedelta(hours=1)).isoformat(), uid="SAME-UID-TWICE",
        )  # fmt: skip

    result, _ = run_sync(sb, profile)
    again, _ = run_sync(sb, profile)

    assert result.ok and again.ok, (result, again)
    twins = [
        icalendar.Calendar.from_ical(path.read_bytes())
        for path in profile.effective_calendar_dir().rglob("*.ics")
        if b"SAME-UID-TWICE" in path.read_bytes()
    ]
    summaries = {str(next(iter(c.walk("VEVENT")))["SUMMARY"]) for c in twins}
    assert summaries == {"Imported at 9", "Imported at 14"}
