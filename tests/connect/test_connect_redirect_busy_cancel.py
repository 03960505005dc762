"""Autodiscover redirects, a busy server's back-off, and cancelling a slow connect."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from exsync_tui.sandbox import Sandbox
from tests.connect.helpers import (
    StepLog,
    redirected_outside_the_domain,
    run_connect,
    sandbox_request,
    statuses,
    topic_id,
)


def test_a_redirect_address_in_the_same_domain_is_followed_without_asking(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    alice, bob = sb.info.users[0], sb.info.users[1]
    sb.control.set_redirect_address(alice.email, bob.email)

    # Bob signs in with the address that now redirects to his mailbox.
    outcome, asked = run_connect(
        sandbox_request(sb, user=1, email=alice.email, username=bob.username)
    )

    assert asked == []
    redirect = [s for s in outcome.diagnosis.steps if "redirects to the address" in s.detail]
    assert redirect and redirect[0].status.value == "warn"
    assert outcome.ok, outcome.diagnosis
    assert outcome.metadata is not None and outcome.metadata.primary_smtp_address == bob.email

    # With alice's own credentials, bob's mailbox is not hers to open.
    refused, _ = run_connect(sandbox_request(sb))
    assert topic_id(refused) == "access-denied"
    assert statuses(refused)["Mailbox access"] == "fail"


def test_a_redirect_to_another_domain_asks_first_and_a_no_sends_nothing_there(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, alice, elsewhere = redirected_outside_the_domain(fresh_sandbox)

    declined, asked = run_connect(sandbox_request(sb), confirm=False)

    assert asked == ["127.0.0.1"]
    assert topic_id(declined) == "redirect-declined"
    assert not [e for e in sb.control.request_log() if e["host"] == "127.0.0.1"]

    sb.control.set_redirect_url(alice.email, None)
    sb.control.set_redirect_address(alice.email, "alice@partner.example.org")
    declined, asked = run_connect(sandbox_request(sb), confirm=False)
    assert asked == ["alice@partner.example.org"]
    assert topic_id(declined) == "redirect-declined"


def test_a_redirect_to_another_domain_that_the_user_accepts_is_followed(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, alice, elsewhere = redirected_outside_the_domain(fresh_sandbox)
    # The redirect target answers with the normal settings once alice has no redirect.
    request = sandbox_request(sb)
    log = StepLog()
    asked_event = log.when_started("Autodiscover: redirect to")
    result: dict[str, object] = {}

    def clear_redirect_then_confirm(target: str) -> bool:
        result["asked"] = target
        sb.control.set_redirect_url(alice.email, None)
        return True

    from exsync_tui.core.connect import connect

    outcome = connect(
        request, on_step=log, cancel=threading.Event(), confirm_redirect=clear_redirect_then_confirm
    )

    assert asked_event.is_set()
    assert result["asked"] == "127.0.0.1"
    assert outcome.ok, outcome.diagnosis
    assert statuses(outcome)[f"Autodiscover: {elsewhere}"] == "ok"


def test_a_redirect_loop_ends(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    alice, bob = sb.info.users[0], sb.info.users[1]
    sb.control.set_redirect_address(alice.email, bob.email)
    sb.control.set_redirect_address(bob.email, alice.email)

    outcome, _ = run_connect(sandbox_request(sb))

    assert topic_id(outcome) == "autodiscover-failed"
    last = outcome.diagnosis.steps[-1]
    assert (last.name, last.status.value) == ("Autodiscover", "fail")
    assert "loop" in last.detail


def test_a_busy_server_is_waited_for_then_answers(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    sb.control.inject_fault("busy:200*2/GetFolder")

    outcome, _ = run_connect(sandbox_request(sb), budget_s=10)

    assert outcome.ok, outcome.diagnosis
    busy = [step for step in outcome.diagnosis.steps if step.name == "Server busy"]
    # Two identical waits in a row are one step with a count.
    assert [(step.status.value, step.repeats) for step in busy] == [("warn", 2)]
    assert "0.2 s" in busy[0].detail


def test_a_server_busy_beyond_the_budget_says_server_busy(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    sb.control.inject_fault("busy:5000@1.0/GetFolder")

    started = time.monotonic()
    outcome, _ = run_connect(sandbox_request(sb), budget_s=2)

    assert topic_id(outcome) == "server-busy"
    assert statuses(outcome)["Mailbox access"] == "fail"
    assert time.monotonic() - started < 10
    get_folder = [e for e in sb.control.request_log() if e["operation"] == "GetFolder"]
    assert len(get_folder) == 1  # asked to wait 5 s with 2 s of budget: no second try


def test_cancel_during_a_slow_autodiscover_returns_within_a_second(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0, latency_ms=30_000)
    cancel = threading.Event()
    log = StepLog()
    first_attempt = log.when_started("Autodiscover: https://example.com/")
    cancelled_at: list[float] = []

    def cancel_when_autodiscover_runs() -> None:
        first_attempt.wait(timeout=20)
        cancelled_at.append(time.monotonic())
        cancel.set()

    canceller = threading.Thread(target=cancel_when_autodiscover_runs)
    canceller.start()
    outcome, _ = run_connect(sandbox_request(sb), cancel=cancel, on_step=log)
    returned_at = time.monotonic()
    canceller.join()

    assert first_attempt.is_set()
    assert topic_id(outcome) == "cancelled"
    assert returned_at - cancelled_at[0] < 1.0
    steps_after = len(log.steps)
    sb.stop()  # releases the slow request; the worker must not report anything more
    assert len(log.steps) == steps_after


def test_cancel_during_a_busy_back_off_returns_within_a_second(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    sb.control.inject_fault("busy:30000*1/GetFolder")
    cancel = threading.Event()
    log = StepLog()
    waiting = threading.Event()
    cancelled_at: list[float] = []

    def on_step(step: object) -> None:
        log(step)  # type: ignore[arg-type]
        if getattr(step, "name", "") == "Server busy":
            waiting.set()

    def cancel_when_waiting() -> None:
        waiting.wait(timeout=20)
        cancelled_at.append(time.monotonic())
        cancel.set()

    canceller = threading.Thread(target=cancel_when_waiting)
    canceller.start()
    outcome, _ = run_connect(sandbox_request(sb), cancel=cancel, on_step=on_step, budget_s=120)
    returned_at = time.monotonic()
    canceller.join()

    assert waiting.is_set()
    assert topic_id(outcome) == "cancelled"
    assert returned_at - cancelled_at[0] < 1.0
