"""The Graph source on its own: settings refused with the field named, links to other hosts
refused, cancel during a hung request, the pure snapshot and recurrence helpers."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable

import pytest

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.sources.base import ChangeType, SyncStateInvalid
from exsync_tui.core.sources.graph import GraphSource
from exsync_tui.core.sources.graph_calendar import rrule_of, zone
from exsync_tui.core.sources.graph_http import GraphClient
from exsync_tui.core.sources.graph_parse import (
    decode_snapshot,
    encode_snapshot,
    message_change,
    snapshot_diff,
)
from exsync_tui.core.sources.graph_settings import GraphSettings, graph_settings_from_profile
from exsync_tui.sandbox import Sandbox
from tests.graph.helpers import ControlTokens, graph_profile, run_graph_sync


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"max_connections": 5}, "max_connections"),
        ({"graph_url": "http://graph.example.com"}, "graph_url"),
        ({"graph_url": "not a url"}, "graph_url"),
        ({"budget_s": 0}, "budget_s"),
    ],
)
def test_bad_settings_name_their_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(TopicError) as raised:
        GraphSettings(**changes)  # type: ignore[arg-type]
    assert raised.value.topic_id == "settings-invalid"
    assert raised.value.facts["field"] == field


def test_links_to_another_host_are_refused() -> None:
    client = GraphClient("https://graph.example.com", lambda: "t", threading.Event(), budget_s=1)
    assert client.check_link("https://graph.example.com/v1.0/me/x?$skiptoken=1")
    for link in (
        "https://evil.example.net/v1.0/me",
        "https://graph.example.com.evil.net/v1.0/",
        "http://graph.example.com/v1.0/me",  # downgraded to plain http
        "https://graph.example.com:8443/v1.0/me",  # another port
        "https://graph.example.com@evil.net/v1.0/me",  # userinfo: really evil.net
        "https://evil.net\\@graph.example.com/v1.0/me",  # parsers disagree on the host
        "https://graph.example.com/v1.0.evil/me",
    ):
        with pytest.raises(TopicError):
            client.check_link(link)


def test_snapshot_diff_reports_only_what_a_page_took_in() -> None:
    before = {"a": "1", "b": "1", "c": "1"}
    now = {"a": "1", "b": "2", "d": "1", "e": "1"}
    changes, after, complete = snapshot_diff(before, now, limit=2)
    assert changes == [(ChangeType.UPDATE, "b"), (ChangeType.CREATE, "d")] and not complete
    rest, final, complete = snapshot_diff(decode_snapshot(encode_snapshot(after), "f"), now)
    assert rest == [(ChangeType.CREATE, "e"), (ChangeType.DELETE, "c")] and complete
    assert final == now
    with pytest.raises(SyncStateInvalid):
        decode_snapshot("graph-delta:https://x/", "f")


def test_message_changes_carry_flags_size_and_verbs() -> None:
    entry = {
        "id": "m1",
        "changeKey": "ck",
        "isRead": True,
        "flag": {"flagStatus": "flagged"},
        "internetMessageId": "<x@y>",
        "singleValueExtendedProperties": [
            {"id": "Integer 0xe08", "value": "1234"},  # Graph answers the short spelling
            {"id": "Integer 0x1081", "value": "104"},
        ],
    }
    change = message_change(entry, first_round=False)
    assert change.type is ChangeType.UPDATE and change.is_read and change.flagged
    assert change.size == 1234 and change.forwarded and not change.answered
    removed = message_change({"id": "m1", "@removed": {"reason": "changed"}}, first_round=True)
    assert removed.type is ChangeType.DELETE


def test_relative_and_yearly_patterns_become_rrules() -> None:
    tz = zone("W. Europe Standard Time")
    assert str(tz) == "Europe/Berlin" and str(zone("Nowhere Standard Time")) == "UTC"
    rule = rrule_of(
        {
            "pattern": {
                "type": "relativeMonthly",
                "interval": 2,
                "daysOfWeek": ["tuesday"],
                "index": "last",
            },  # fmt: skip
            "range": {"type": "endDate", "endDate": "2027-06-30"},
        },
        tz,
    )
    assert rule["freq"] == "MONTHLY" and rule["byday"] == ["-1TU"] and rule["interval"] == 2
    assert rule["until"].tzinfo is not None
    yearly = rrule_of(
        {
            "pattern": {"type": "absoluteYearly", "month": 3, "dayOfMonth": 9},
            "range": {"type": "noEnd"},
        },  # fmt: skip
        tz,
    )
    assert (yearly["freq"], yearly["bymonth"], yearly["bymonthday"]) == ("YEARLY", 3, 9)
    assert "count" not in yearly and "until" not in yearly


def test_cancel_stops_a_hung_request_within_a_second(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=2, events=0)
    settings = graph_settings_from_profile(graph_profile(sb), sb.info.graph_url)
    cancel = threading.Event()
    sb.control.inject_fault("hang*1/GraphFolders")
    with GraphSource(settings, ControlTokens(sb), cancel=cancel) as source:
        timer = threading.Timer(0.3, cancel.set)
        timer.start()
        started = time.monotonic()
        with pytest.raises(TopicError) as raised:
            source.sync_hierarchy(None)
        timer.join()
    assert raised.value.topic_id == "cancelled"
    # A hang guard, not a stopwatch: the hang lasts until the sandbox stops and the
    # read timeout is 120 s; the "cancelled" topic above says the cancel ended it.
    assert time.monotonic() - started < 60


def test_the_bearer_token_only_goes_to_the_graph_host(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    other = fresh_sandbox(messages=1, events=0)
    settings = graph_settings_from_profile(graph_profile(sb), sb.info.graph_url)
    with GraphSource(settings, ControlTokens(sb)) as source:
        client = source._client
        foreign = other.info.graph_url.replace("127.0.0.1", "localhost") + "/v1.0/me"
        with pytest.raises(TopicError) as raised:
            client.get(foreign)
    assert raised.value.topic_id == "redirect-declined"
    assert not [e for e in other.control.request_log() if e.get("auth")]


def test_a_graph_host_that_refuses_connections_fails_at_once_not_after_the_budget() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = GraphSettings(graph_url=f"https://127.0.0.1:{port}", budget_s=600)
    with GraphSource(settings, lambda: "token") as source, pytest.raises(TopicError) as raised:
        source.sync_hierarchy(None)
    assert raised.value.topic_id == "connection-refused"


def test_the_bearer_token_shows_in_no_log_line_or_result(
    fresh_sandbox: Callable[..., Sandbox], caplog: pytest.LogCaptureFixture
) -> None:
    sb = fresh_sandbox(messages=3, events=2)
    tokens = ControlTokens(sb, renew=False)
    token = tokens()
    sb.control.inject_fault("429:0*1/GraphDelta;500*1/GraphValue")
    # urllib3's own level too: an in-process CLI test earlier in this worker may have set
    # it to WARNING (exsync's log setup quiets it unless --debug).
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="urllib3"):
        first, events = run_graph_sync(sb, graph_profile(sb), tokens)
        sb.control.revoke_access_tokens(sb.info.users[0].email)
        refused, more = run_graph_sync(sb, graph_profile(sb), tokens)
    assert first.ok and not refused.ok
    assert caplog.records  # urllib3 and exsync did log
    for text in (caplog.text, repr(first), repr(refused), repr(events), repr(more)):
        assert token not in text
