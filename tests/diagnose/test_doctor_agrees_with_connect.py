"""The doctor and connecting never disagree: both run on the same scenarios, same verdict.

Each scenario is a real sandbox (or a silent loopback listener) reached through
connect-to rules; the doctor runs first, then connect, each on fresh faults.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import pytest
from exchangelib.protocol import BaseProtocol

from exsync_tui.core.connect import ConnectRequest, autodiscover, pipeline
from exsync_tui.core.diagnose import checks
from exsync_tui.sandbox import Sandbox
from tests.connect.helpers import run_connect, sandbox_connect_to, sandbox_request
from tests.connect.helpers import topic_id as connect_topic
from tests.diagnose.helpers import main_statuses, run_doctor, topic_id
from tests.loopback_guard import UNROUTABLE_PRIVATE

SHORT_WAIT_S = 1.0  # how long a silent server is waited for in these tests


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel does) and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield listener.getsockname()[1]
    listener.close()


@pytest.fixture
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A silent server is given up on after about a second, by the doctor and connect alike."""
    for module in (pipeline, autodiscover):
        monkeypatch.setattr(module, "PROBE_TIMEOUT", (SHORT_WAIT_S, SHORT_WAIT_S))
    monkeypatch.setattr(checks, "TLS_TIMEOUT_S", SHORT_WAIT_S)
    monkeypatch.setattr(BaseProtocol, "TIMEOUT", SHORT_WAIT_S)


@dataclass(frozen=True)
class Scenario:
    """How to break (or not) the sandbox, and the verdict both must reach."""

    name: str
    topic: str | None
    overrides: dict[str, object] = field(default_factory=dict)
    remap: dict[str, str] = field(default_factory=dict)  # host -> "ADDR:PORT" ("closed", ...)
    fault: str = ""
    change: str = ""


SCENARIOS = (
    Scenario("good", None),
    Scenario("bare domain refuses 443", None, remap={"example.com": "closed"}),
    Scenario("bare domain is silent", None, remap={"example.com": "silent"}),
    Scenario("wrong password", "credentials-rejected", overrides={"password": "wrong"}),
    Scenario("modern auth only", "modern-auth-required", change="modern"),
    Scenario("EWS turned off", "ews-disabled", change="ews"),
    Scenario("untrusted certificate", "tls-untrusted", overrides={"ca_file": None}),
    Scenario(
        "EWS host on an internal address",
        "private-address-vpn",
        remap={"mail.example.com": f"{UNROUTABLE_PRIVATE}:443"},
    ),
    Scenario("dropped sign-in", "server-silent", fault="drop*1/ConvertId"),
    Scenario("hung sign-in", "server-timeout", fault="hang*1/ConvertId"),
    Scenario("unreadable answer", "unexpected-error", fault="truncate*1/ConvertId"),
    Scenario(
        "server set, stalls before TLS",
        "tls-silent",
        overrides={"server": "mail.example.com"},
        remap={"mail.example.com": "silent"},
    ),
    Scenario(
        "server set, drops the sign-in",
        "server-silent",
        overrides={"server": "mail.example.com"},
        fault="drop*1/ConvertId",
    ),
)


def _request(sb: Sandbox, scenario: Scenario, closed: int, silent: int) -> ConnectRequest:
    ports = {"closed": f"127.0.0.1:{closed}", "silent": f"127.0.0.1:{silent}"}
    rules = []
    for rule in sandbox_connect_to(sb):
        host, port = rule.split(":")[:2]
        target = scenario.remap.get(host)
        rules.append(
            f"{host}:{port}:{ports.get(target, target)}" if target and port == "443" else rule
        )
    request = sandbox_request(sb, connect_to=tuple(rules))
    return replace(request, **scenario.overrides)  # type: ignore[arg-type]


def _prepare(sb: Sandbox, scenario: Scenario) -> None:
    sb.control.clear_faults()
    if scenario.fault:
        sb.control.inject_fault(scenario.fault)


@pytest.mark.usefixtures("short_waits")
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_the_doctor_and_connect_reach_the_same_verdict(
    fresh_sandbox: Callable[..., Sandbox],
    closed_port: int,
    silent_port: int,
    scenario: Scenario,
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    alice = sb.info.users[0].email
    if scenario.change == "modern":
        sb.control.set_modern_auth_only(alice, True)
    elif scenario.change == "ews":
        sb.control.set_ews_disabled(alice, True)
    request = _request(sb, scenario, closed_port, silent_port)

    _prepare(sb, scenario)
    diagnosis, _ = run_doctor(request)
    _prepare(sb, scenario)
    outcome, _ = run_connect(request, confirm=False)

    assert (topic_id(diagnosis), connect_topic(outcome)) == (scenario.topic,) * 2, (
        diagnosis.steps,
        outcome.diagnosis.steps,
    )
    assert diagnosis.ok == outcome.ok == (scenario.topic is None)
    if scenario.topic is None:
        assert set(main_statuses(diagnosis).values()) <= {"ok", "warn", "skip"}
