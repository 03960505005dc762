"""Filters (FindItem restrictions), full-shape fetches, calendar sync, passwords and latency."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from exchangelib import Q
from exchangelib.errors import UnauthorizedError
from exchangelib.ewsdatetime import UTC, EWSDateTime

from exsync_tui.sandbox import Sandbox
from tests.sandbox.helpers import account_for


def _inbox(sandbox: Sandbox) -> list[dict[str, Any]]:
    truth = sandbox.control.truth(sandbox.info.users[0].email)
    inbox = next(f["id"] for f in truth["folders"] if f["distinguished"] == "inbox")
    return [i for i in truth["items"] if i["folder_id"] == inbox]


def test_filters_match_the_truth(sandbox: Sandbox, sandbox_trust: None) -> None:
    inbox = account_for(sandbox).inbox
    truth = _inbox(sandbox)
    unread = {i.id for i in inbox.filter(is_read=False).only("id")}
    assert unread == {i["id"] for i in truth if not i["is_read"]}
    word = truth[0]["subject"].split()[0]
    containing = {i.id for i in inbox.filter(subject__icontains=word.lower()).only("id")}
    assert containing == {i["id"] for i in truth if word.lower() in i["subject"].lower()}
    either = {i.id for i in inbox.filter(Q(is_read=True) | Q(subject__icontains=word)).only("id")}
    assert either == {
        i["id"] for i in truth if i["is_read"] or word.lower() in i["subject"].lower()
    }


def test_date_filters(sandbox: Sandbox, sandbox_trust: None) -> None:
    inbox = account_for(sandbox).inbox
    everything = list(inbox.all().only("datetime_received"))
    middle = sorted(i.datetime_received for i in everything)[len(everything) // 2]
    newer = list(inbox.filter(datetime_received__gte=middle).only("datetime_received"))
    assert newer and all(i.datetime_received >= middle for i in newer)
    assert len(newer) == sum(1 for i in everything if i.datetime_received >= middle)


def test_fetching_every_field_parses(sandbox: Sandbox, sandbox_trust: None) -> None:
    account = account_for(sandbox)
    items = list(account.inbox.all())
    assert items and all(i.subject and i.sender and i.mime_content for i in items)
    assert all(i.datetime_received.tzinfo is not None for i in items)


def test_calendar_sync_items_carries_icalendar_mime(sandbox: Sandbox, sandbox_trust: None) -> None:
    account = account_for(sandbox)
    changes = list(account.calendar.sync_items(only_fields=["mime_content", "uid", "subject"]))
    truth = sandbox.control.truth(sandbox.info.users[0].email)
    events = {i["uid"]: i for i in truth["items"] if i["kind"] == "event"}
    assert {item.uid for _, item in changes} == set(events)
    for _, item in changes:
        assert item.mime_content == events[item.uid]["mime"]
        assert item.mime_content.startswith(b"BEGIN:VCALENDAR")


def test_added_event_shows_in_view_and_sync(fresh_sandbox: Any, sandbox_trust: None) -> None:
    sandbox = fresh_sandbox(messages=0, events=2)
    email = sandbox.info.users[0].email
    account = account_for(sandbox)
    list(account.calendar.sync_items())
    event_id = sandbox.control.add_event(
        email,
        "Standup",
        "2026-12-01T09:00:00",
        "2026-12-01T09:15:00",
        "Europe/Berlin",
        weekly_count=3,
    )
    changes = list(account.calendar.sync_items())
    assert [(kind, item.id) for kind, item in changes] == [("create", event_id)]
    start = EWSDateTime(2026, 11, 30, tzinfo=UTC)
    view = [
        i
        for i in account.calendar.view(start, start + dt.timedelta(days=30))
        if i.subject == "Standup"
    ]
    assert [i.start.astimezone(UTC).hour for i in view] == [8, 8, 8]
    sandbox.control.update_event(email, event_id, subject="Daily standup")
    sandbox.control.delete_event(email, event_id)
    assert [kind for kind, _ in account.calendar.sync_items()] == ["delete"]


def test_changed_password_takes_effect_at_once(fresh_sandbox: Any, sandbox_trust: None) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    user = sandbox.info.users[0]
    assert account_for(sandbox).root.id
    sandbox.control.set_password(user.email, "N3w-secret!")
    with pytest.raises(UnauthorizedError):
        account_for(sandbox).root  # noqa: B018
    assert account_for(sandbox, password="N3w-secret!").root.id


def test_latency_delays_every_request_at_least_that_long(fresh_sandbox: Any) -> None:
    import requests

    sandbox = fresh_sandbox(messages=0, events=0, latency_ms=150)
    started = time.monotonic()
    requests.get(sandbox.info.ews_url, verify=sandbox.info.ca_file, timeout=10)
    assert time.monotonic() - started >= 0.15
