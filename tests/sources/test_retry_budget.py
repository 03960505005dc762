"""The one retry-budget rule that EWS's retry policy and Graph's client share."""

from __future__ import annotations

import threading
import time

import pytest

from exsync_tui.core.connect.session import BudgetRetryPolicy, BudgetSpent, CancelledDuringBackOff
from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.net.budget import WaitOutcome, wait_within_budget
from exsync_tui.core.sources.ews_account import RequestBudgetPolicy
from exsync_tui.core.sources.graph_http import GraphClient


def test_budget_spent_is_a_server_busy_topic_and_says_the_wait() -> None:
    # It used to fail to build at all (TypeError from its two bases' constructors).
    error = BudgetSpent(90, 60)
    assert error.topic_id == "server-busy"
    assert error.wait == 90
    assert "90 s" in str(error) and "60 s" in str(error)


def test_a_wait_past_the_deadline_waits_nothing() -> None:
    started = time.monotonic()
    outcome = wait_within_budget(30, started + 1, threading.Event())
    assert outcome is WaitOutcome.OVER_BUDGET
    assert time.monotonic() - started < 1


def test_a_cancelled_wait_ends_at_once() -> None:
    cancel = threading.Event()
    cancel.set()
    assert wait_within_budget(30, time.monotonic() + 60, cancel) is WaitOutcome.CANCELLED


def test_a_wait_within_the_budget_is_waited_and_announced() -> None:
    heard: list[float] = []
    outcome = wait_within_budget(0.01, time.monotonic() + 5, threading.Event(), heard.append)
    assert outcome is WaitOutcome.WAITED and heard == [0.01]


def test_ews_and_graph_give_up_the_same_way_when_the_wait_is_over_budget() -> None:
    cancel = threading.Event()
    graph = GraphClient("https://graph.example", lambda: "t", cancel, budget_s=2)
    with pytest.raises(TopicError) as from_graph:
        graph.wait_before_retry(5, 0, time.monotonic() + 2, "HTTP 429")
    with pytest.raises(BudgetSpent) as from_ews:
        RequestBudgetPolicy(2, cancel).back_off(5)
    with pytest.raises(BudgetSpent) as from_connect:
        BudgetRetryPolicy(2, cancel).back_off(5)
    for caught in (from_graph, from_ews, from_connect):
        assert caught.value.topic_id == "server-busy"
        assert "asking to wait 5 s; the budget of 2 s" in caught.value.detail
    assert "per request" in from_graph.value.detail and "per request" in from_ews.value.detail
    assert "per request" not in from_connect.value.detail
    graph.close()


def test_ews_and_graph_stop_waiting_on_cancel() -> None:
    cancel = threading.Event()
    cancel.set()
    graph = GraphClient("https://graph.example", lambda: "t", cancel, budget_s=60)
    with pytest.raises(TopicError) as from_graph:
        graph.wait_before_retry(1, 0, time.monotonic() + 60, "HTTP 429")
    assert from_graph.value.topic_id == "cancelled"
    with pytest.raises(CancelledDuringBackOff):
        RequestBudgetPolicy(60, cancel).back_off(1)
    graph.close()
