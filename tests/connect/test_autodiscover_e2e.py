"""Autodiscover end to end against the sandbox, reached under its real names via connect-to."""

from __future__ import annotations

from collections.abc import Callable

from exsync_tui.sandbox import Sandbox
from tests.connect.helpers import (
    run_connect,
    sandbox_connect_to,
    sandbox_request,
    statuses,
    topic_id,
)

ROOT_URL = "https://example.com/autodiscover/autodiscover.svc"
HOST_URL = "https://autodiscover.example.com/autodiscover/autodiscover.svc"
REDIRECT_URL = "http://autodiscover.example.com/autodiscover/autodiscover.xml"


def _autodiscover_attempts(outcome_steps: dict[str, str]) -> dict[str, str]:
    return {
        name: status for name, status in outcome_steps.items() if name.startswith("Autodiscover:")
    }


def test_alice_autodiscovers_through_connect_to_and_reaches_her_inbox(sandbox: Sandbox) -> None:
    outcome, asked = run_connect(sandbox_request(sandbox))

    assert topic_id(outcome) is None, outcome.diagnosis
    assert outcome.ok
    steps = statuses(outcome)
    assert steps["Autodiscover: https://example.com/autodiscover/autodiscover.svc"] == "ok"
    assert steps["Sign-in"] == "ok"
    assert steps["Mailbox access"] == "ok"
    assert asked == []
    metadata = outcome.metadata
    assert metadata is not None
    assert metadata.primary_smtp_address == "alice@example.com"
    assert metadata.ews_url == "https://mail.example.com/EWS/Exchange.asmx"
    assert metadata.server_version and "15." in metadata.server_version
    assert metadata.auth_type == "ntlm"
    assert metadata.last_verified is not None


def test_the_autodiscover_host_answers_when_the_domain_does_not(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    sb.control.set_autodiscover(root=False)

    outcome, _ = run_connect(sandbox_request(sb, user=1))

    steps = _autodiscover_attempts(statuses(outcome))
    assert outcome.ok, outcome.diagnosis
    assert steps == {
        f"Autodiscover: {ROOT_URL}": "fail",
        f"Autodiscover: {HOST_URL}": "ok",
    }


def test_the_http_redirect_is_followed_to_https(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    sb.control.set_autodiscover(root=False, autodiscover_host=False)

    outcome, asked = run_connect(sandbox_request(sb))

    steps = _autodiscover_attempts(statuses(outcome))
    assert outcome.ok, outcome.diagnosis
    assert steps[f"Autodiscover: {REDIRECT_URL}"] == "ok"
    # The POX address from the redirect (mail.<domain>) is asked over SOAP at the same host.
    assert steps["Autodiscover: https://mail.example.com/autodiscover/autodiscover.svc"] == "ok"
    assert asked == []  # same domain: nothing to confirm


def test_the_redirect_reaches_a_host_named_only_by_the_redirect(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    sb.control.set_autodiscover(root=False, autodiscover_host=False, srv=False)
    sb.control.set_redirect_target("exchange.example.com")
    rules = (*sandbox_connect_to(sb), f"exchange.example.com:443:127.0.0.1:{sb.info.port}")

    outcome, asked = run_connect(sandbox_request(sb, connect_to=rules))

    assert outcome.ok, outcome.diagnosis
    steps = _autodiscover_attempts(statuses(outcome))
    assert steps["Autodiscover: https://exchange.example.com/autodiscover/autodiscover.svc"] == "ok"
    served = {e["host"] for e in sb.control.request_log() if e["listener"] == "main"}
    assert "exchange.example.com" in served
    assert asked == []


def test_a_plain_http_redirect_target_is_not_followed(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    sb.control.set_autodiscover(root=False, autodiscover_host=False, srv=False)
    sb.control.set_redirect_target(scheme="http")

    outcome, _ = run_connect(sandbox_request(sb))

    assert topic_id(outcome) == "autodiscover-failed"
    step = next(s for s in outcome.diagnosis.steps if s.name == f"Autodiscover: {REDIRECT_URL}")
    assert step.status.value == "fail" and "not https" in step.detail
    requests_to_mail = [e for e in sb.control.request_log() if e["host"] == "mail.example.com"]
    assert requests_to_mail == []


def test_dns_srv_points_at_the_server(fresh_sandbox: Callable[..., Sandbox]) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    sb.control.set_autodiscover(root=False, autodiscover_host=False, http_redirect=False)
    sb.control.set_srv(f"mail.{sb.info.domain}", sb.info.port)

    outcome, _ = run_connect(sandbox_request(sb, user=2))

    steps = _autodiscover_attempts(statuses(outcome))
    assert outcome.ok, outcome.diagnosis
    assert steps["Autodiscover: DNS SRV _autodiscover._tcp.example.com"] == "ok"
    srv_url = f"https://mail.example.com:{sb.info.port}/autodiscover/autodiscover.svc"
    assert steps[f"Autodiscover: {srv_url}"] == "ok"
    assert [steps[f"Autodiscover: {url}"] for url in (ROOT_URL, HOST_URL, REDIRECT_URL)] == [
        "fail",
        "fail",
        "fail",
    ]


def test_every_method_failing_names_autodiscover_failed(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    sb.control.set_autodiscover(root=False, autodiscover_host=False, http_redirect=False, srv=False)

    outcome, _ = run_connect(sandbox_request(sb))

    assert topic_id(outcome) == "autodiscover-failed"
    steps = _autodiscover_attempts(statuses(outcome))
    assert len(steps) == 4 and set(steps.values()) == {"fail"}, steps
    assert statuses(outcome)["Autodiscover"] == "fail"
