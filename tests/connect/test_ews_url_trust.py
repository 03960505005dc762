"""The EWS address autodiscover names gets the password: it is held to the redirect rules."""

from __future__ import annotations

from collections.abc import Callable

from exsync_tui.sandbox import Sandbox
from tests.connect.helpers import run_connect, sandbox_connect_to, sandbox_request, topic_id


def _ews_requests(sb: Sandbox) -> list[dict[str, object]]:
    return [e for e in sb.control.request_log() if "/ews/" in str(e["path"]).lower()]


def test_an_ews_host_outside_the_domain_is_asked_about_and_a_no_sends_nothing_there(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    # 127.0.0.1 is in no domain: a server elsewhere (the sandbox certificate names it).
    sb.control.set_ews_url(f"https://127.0.0.1:{sb.info.port}/EWS/Exchange.asmx")

    declined, asked = run_connect(sandbox_request(sb), confirm=False)

    assert asked == ["127.0.0.1"]
    assert topic_id(declined) == "redirect-declined"
    assert _ews_requests(sb) == []

    accepted, asked = run_connect(sandbox_request(sb), confirm=True)
    assert asked == ["127.0.0.1"]
    assert accepted.ok, accepted.diagnosis


def test_an_ews_address_over_plain_http_gets_no_password(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    domain = sb.info.domain
    sb.control.set_ews_url(f"http://mail.{domain}/EWS/Exchange.asmx")
    to_http = f"mail.{domain}:80:127.0.0.1:{sb.info.http_port}"
    request = sandbox_request(sb, connect_to=(*sandbox_connect_to(sb), to_http))

    outcome, _ = run_connect(request)

    assert topic_id(outcome) == "autodiscover-failed"
    assert "https://" in outcome.diagnosis.steps[-1].detail
    assert _ews_requests(sb) == []
