"""No password reaches a host the user never confirmed, whichever way an address comes in.

The attacker's host is mapped to the sandbox too, where it asks for a password
on every path (a trap host), and the sandbox certificate is pinned, as an
attacker with a valid certificate for its own name would be trusted: any
credentialed request that reaches it is in the sandbox's request log under the
Host it was sent to. Every way an address enters exsync is tried with generated
addresses that URL parsers read differently; the user declines every question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from urllib.parse import urlsplit

import pytest

from exsync_tui.core.connect import ConnectOutcome, ConnectRequest
from exsync_tui.core.connect.autodiscover import in_domain
from exsync_tui.sandbox import Sandbox, SandboxConfig
from tests.connect.confusables import (
    ATTACKER,
    confusable_domains,
    confusable_urls,
    header_safe,
)
from tests.connect.helpers import run_connect, sandbox_connect_to, sandbox_request

DOMAIN = "example.com"
AUTODISCOVER_SVC = "/autodiscover/autodiscover.svc"
EWS = "/EWS/Exchange.asmx"
_CLAIM = re.compile(r"redirected to (\S+); declined, so no password was sent there")


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[Sandbox]:
    """One sandbox for this module's many attempts; each test resets what it changes."""
    with Sandbox(SandboxConfig(messages=1, events=0)) as sb:
        sb.control.set_trap_hosts([ATTACKER])
        yield sb


@pytest.fixture
def sb(shared_sandbox: Sandbox) -> Iterator[Sandbox]:
    """The shared sandbox with every autodiscover method on and an empty request log."""
    control = shared_sandbox.control
    user = shared_sandbox.info.users[0].email
    yield shared_sandbox
    control.set_autodiscover(root=True, autodiscover_host=True, http_redirect=True, srv=True)
    control.set_redirect_location(None)
    control.set_srv(None)
    control.set_ews_url(None)
    control.set_redirect_url(user, None)
    control.set_redirect_address(user, None)
    control.clear_request_log()


def _hostile_request(sb: Sandbox, **overrides: object) -> ConnectRequest:
    """The first user's request, with the attacker's host mapped here and the certificate pinned."""
    port = sb.info.port
    rules = (*sandbox_connect_to(sb), f"{ATTACKER}:443:127.0.0.1:{port}")
    pin = sb.control.certificate_sha256()
    request = sandbox_request(sb, connect_to=rules, ca_file=None, pin_sha256=pin)
    return replace(request, **overrides)  # type: ignore[arg-type]


def _assert_no_password_left_the_domain(
    sb: Sandbox, outcome: ConnectOutcome, shown: str | None = None
) -> None:
    """Server side: no credentialed request to a host outside the domain (or the one server
    the user was shown and agreed to); and no false claim that nothing was sent."""
    credentialed = {str(e["host"]) for e in sb.control.request_log() if e.get("auth")}
    leaked = {h for h in credentialed if not in_domain(h, DOMAIN) and h != shown}
    assert not leaked, f"credentials reached {leaked}; steps: {outcome.diagnosis.steps}"
    for step in outcome.diagnosis.steps:
        for claimed in _CLAIM.findall(step.detail):
            assert claimed.lower() not in credentialed, step


def _only_autodiscover_methods(sb: Sandbox, **on: bool) -> None:
    switches = {"root": False, "autodiscover_host": False, "http_redirect": False, "srv": False}
    sb.control.set_autodiscover(**{**switches, **on})


def _run(request: ConnectRequest) -> ConnectOutcome:
    outcome, _asked = run_connect(request, confirm=False)
    return outcome


@pytest.mark.parametrize(
    "location",
    [u for u in confusable_urls(f"autodiscover.{DOMAIN}", AUTODISCOVER_SVC) if header_safe(u)],
)
def test_a_forged_http_redirect(sb: Sandbox, location: str) -> None:
    _only_autodiscover_methods(sb, http_redirect=True)
    sb.control.set_redirect_location(location)
    outcome = _run(_hostile_request(sb))
    assert not outcome.ok
    _assert_no_password_left_the_domain(sb, outcome)


@pytest.mark.parametrize("url", confusable_urls(DOMAIN, AUTODISCOVER_SVC, ("https://",)))
def test_a_redirect_url_answer(sb: Sandbox, url: str) -> None:
    sb.control.set_redirect_url(sb.info.users[0].email, url)
    outcome = _run(_hostile_request(sb))
    _assert_no_password_left_the_domain(sb, outcome)


@pytest.mark.parametrize("url", confusable_urls(f"mail.{DOMAIN}", EWS, ("https://",)))
def test_the_ews_url_autodiscover_names(sb: Sandbox, url: str) -> None:
    sb.control.set_ews_url(url)
    outcome = _run(_hostile_request(sb))
    _assert_no_password_left_the_domain(sb, outcome)


@pytest.mark.parametrize("url", confusable_urls(f"mail.{DOMAIN}", EWS, ("https://", "https:\\\\")))
def test_a_typed_server(sb: Sandbox, url: str) -> None:
    """A typed server is confirmed as exsync shows it back: only that host may get the password."""
    outcome = _run(_hostile_request(sb, server=url))
    server_step = [step for step in outcome.diagnosis.steps if step.name == "Server"]
    shown = urlsplit(server_step[0].url or "").hostname if server_step else None
    _assert_no_password_left_the_domain(sb, outcome, shown)


@pytest.mark.parametrize(
    "target", [f"{ATTACKER}\\@x.{DOMAIN}", *confusable_domains(f"autodiscover.{DOMAIN}")]
)
def test_an_srv_target(sb: Sandbox, target: str) -> None:
    _only_autodiscover_methods(sb, srv=True)
    sb.control.set_srv(target)
    outcome = _run(_hostile_request(sb))
    assert not outcome.ok
    _assert_no_password_left_the_domain(sb, outcome)


@pytest.mark.parametrize("domain", confusable_domains(DOMAIN))
def test_a_redirect_address_domain(sb: Sandbox, domain: str) -> None:
    sb.control.set_redirect_address(sb.info.users[0].email, f"someone@{domain}")
    outcome = _run(_hostile_request(sb))
    assert not outcome.ok
    _assert_no_password_left_the_domain(sb, outcome)


def test_the_sandbox_does_log_a_password_sent_to_the_attacker(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    """The log the tests above read does show the attacker's host once the user agrees."""
    sb = fresh_sandbox(messages=1, events=0)
    sb.control.set_trap_hosts([ATTACKER])
    sb.control.set_redirect_url(sb.info.users[0].email, f"https://{ATTACKER}{AUTODISCOVER_SVC}")
    outcome, asked = run_connect(_hostile_request(sb), confirm=True)
    assert asked == [ATTACKER]
    credentialed = {e["host"] for e in sb.control.request_log() if e.get("auth")}
    assert ATTACKER in credentialed, outcome.diagnosis.steps


def test_a_redirect_address_to_a_bare_top_level_domain_is_refused_unasked(sb: Sandbox) -> None:
    sb.control.set_redirect_address(sb.info.users[0].email, "someone@com")
    outcome, asked = run_connect(_hostile_request(sb), confirm=True)
    assert not outcome.ok and asked == []  # trusting "com" would trust every host under it
    _assert_no_password_left_the_domain(sb, outcome)
