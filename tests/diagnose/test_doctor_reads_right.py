"""What the user reads: the failing step finished with plain words, the raw text kept for the
report and the log, silent servers told apart from busy ones, and where a connection went."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from exchangelib.protocol import BaseProtocol

from exsync_tui.core.diagnose import checks, diagnose, render_report
from exsync_tui.core.steps import Step
from exsync_tui.sandbox import Sandbox
from tests.connect.helpers import sandbox_request
from tests.diagnose.helpers import logging_to_file, main_statuses, run_doctor, topic_id
from tests.diagnose.listeners import expired_tls_server

SERVER = "mail.example.com"
RAW_MARKERS = ("Error(", "Error:", "Reraised", "RemoteDisconnected", "<s:", "{http")


@pytest.fixture
def log_file() -> Iterator[Path]:
    with logging_to_file() as path:
        yield path


def _step(steps: tuple[Step, ...], name: str) -> Step:
    return [step for step in steps if step.name == name][-1]


def _plain(steps: tuple[Step, ...]) -> None:
    for step in steps:
        assert not any(marker in step.detail for marker in RAW_MARKERS), step


@pytest.mark.parametrize(
    ("fault", "topic", "words", "raw"),
    [
        ("drop*1/ConvertId", "server-silent", "closed the connection", "RemoteDisconnected"),
        ("truncate*1/ConvertId", "unexpected-error", "not a valid Exchange", "SOAPError"),
    ],
)
def test_a_sign_in_without_a_proper_answer_fails_in_plain_words(
    fresh_sandbox: Callable[..., Sandbox],
    log_file: Path,
    fault: str,
    topic: str,
    words: str,
    raw: str,
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    sb.control.inject_fault(fault)
    request = sandbox_request(sb, server=SERVER)

    diagnosis, _ = run_doctor(request)

    assert topic_id(diagnosis) == topic
    sign_in = _step(diagnosis.steps, "Sign-in")
    assert sign_in.status.value == "fail" and "accepted" not in sign_in.detail
    assert words in sign_in.detail
    _plain(diagnosis.steps)
    assert raw in diagnosis.technical
    report = render_report(diagnosis, request)
    assert "Technical details" in report and raw in report
    assert request.password not in report
    logged = log_file.read_text()
    assert f"connection check failed [{topic}]" in logged and raw in logged
    assert request.password not in logged


def test_the_step_a_failure_escapes_from_is_finished_with_its_detail(
    sandbox: Sandbox, log_file: Path
) -> None:
    """The port closes after the TCP step: the TLS step's own connection is refused."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    seen: list[Step] = []

    def on_step(step: Step) -> None:
        seen.append(step)
        if step.name == "TCP connection" and step.status.value == "ok":
            listener.close()  # on the doctor's thread, before the TLS step dials

    request = sandbox_request(
        sandbox, server=SERVER, connect_to=(f"{SERVER}:443:127.0.0.1:{port}",)
    )
    diagnosis = diagnose(request, on_step=on_step, cancel=threading.Event())

    assert topic_id(diagnosis) == "connection-refused"
    tls = _step(diagnosis.steps, "TLS")
    assert tls.status.value == "fail" and "refused" in tls.detail
    assert [s.status.value for s in seen if s.name == "TLS"] == ["running", "fail"]
    assert main_statuses(diagnosis)["Sign-in"] == "skip"
    assert "ConnectionRefusedError" in diagnosis.technical
    assert "connection check failed [connection-refused]" in log_file.read_text()


def test_a_server_silent_before_tls_is_not_a_captive_portal(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "TLS_TIMEOUT_S", 0.5)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)  # the kernel accepts; nobody ever answers
    try:
        port = listener.getsockname()[1]
        request = sandbox_request(
            sandbox, server=SERVER, connect_to=(f"{SERVER}:443:127.0.0.1:{port}",)
        )
        diagnosis, _ = run_doctor(request)
    finally:
        listener.close()

    assert topic_id(diagnosis) == "tls-silent"
    statuses = main_statuses(diagnosis)
    assert (statuses["TCP connection"], statuses["TLS"]) == ("ok", "fail")
    assert "silent" in _step(diagnosis.steps, "TLS").detail
    assert diagnosis.topic is not None
    assert "captive portal" not in " ".join(diagnosis.topic.advice)


def test_a_server_silent_after_tls_is_not_a_busy_server(
    fresh_sandbox: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(BaseProtocol, "TIMEOUT", 1.0)
    sb = fresh_sandbox(messages=1, events=0)
    sb.control.inject_fault("hang*1/ConvertId")

    diagnosis, _ = run_doctor(sandbox_request(sb, server=SERVER))

    assert topic_id(diagnosis) == "server-timeout"
    assert _step(diagnosis.steps, "Sign-in").status.value == "fail"
    assert diagnosis.topic is not None
    assert "throttling" not in " ".join((*diagnosis.topic.advice, diagnosis.topic.admin))


def test_tcp_names_the_host_asked_for_and_the_address_dialled(sandbox: Sandbox) -> None:
    diagnosis, _ = run_doctor(sandbox_request(sandbox, server=SERVER))

    tcp = _step(diagnosis.steps, "TCP connection")
    assert f"{SERVER}:443 via 127.0.0.1:{sandbox.info.port}" in tcp.detail


def test_a_pinned_certificate_that_expired_says_so(sandbox: Sandbox) -> None:
    with expired_tls_server(SERVER, days_ago=30) as server:
        request = sandbox_request(
            sandbox,
            server=SERVER,
            ca_file=None,
            pin_sha256=server.sha256,
            connect_to=(f"{SERVER}:443:127.0.0.1:{server.port}",),
        )
        diagnosis, _ = run_doctor(request)

    tls = _step(diagnosis.steps, "TLS")
    assert tls.status.value == "warn", tls
    assert "expired 30 days ago" in tls.detail
    assert "expires in" not in tls.detail and "valid until" not in tls.detail
