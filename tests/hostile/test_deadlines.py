"""Every connect and diagnose ends within its budget plus 5 s, whatever the server does;
Ctrl-C ends them at once.

A dripping server sends one byte per half second: each socket read succeeds, so
only the attempt's deadline can end it. The lower bound (elapsed >= budget)
shows it was the deadline, not something else, that ended each run.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable

import pytest

from exsync_tui.core.diagnose.classify import DEADLINE_TOPIC
from exsync_tui.core.profiles import load_config
from tests.cli_runner import run_exsync
from tests.hostile.behaviours import drip, redirect_loop, unauthorized_forever
from tests.hostile.helpers import (
    SLACK_S,
    add_profile,
    exsync_child,
    timed_connect,
    timed_diagnose,
    wait_until,
)
from tests.hostile.raw import TlsDripServer
from tests.hostile.server import PASSWORD, HostileServer

BUDGET_S = 4.0


@pytest.mark.parametrize("headers_first", [False, True], ids=["all-drips", "body-drips"])
def test_the_doctor_ends_within_budget_when_ews_drips(
    hostile: HostileServer, headers_first: bool
) -> None:
    hostile.behave(drip(0.5, headers_first=headers_first))

    run = timed_diagnose(hostile.request(server=f"mail.{hostile.domain}"), BUDGET_S)

    assert BUDGET_S <= run.elapsed_s < BUDGET_S + SLACK_S
    assert run.topic_id == DEADLINE_TOPIC
    assert "within the 4 s allowed" in run.failed_detail()
    assert any(seen.path == "/ews/exchange.asmx" for seen in hostile.seen)


def test_connect_ends_within_budget_when_autodiscover_drips(hostile: HostileServer) -> None:
    hostile.behave(drip(0.5))

    run = timed_connect(hostile.request(), BUDGET_S)

    assert BUDGET_S <= run.elapsed_s < BUDGET_S + SLACK_S
    assert run.topic_id == DEADLINE_TOPIC
    assert any("autodiscover" in seen.path for seen in hostile.seen)


def test_a_redirect_loop_and_401_forever_end_quickly_and_send_the_password_once(
    hostile: HostileServer,
) -> None:
    hostile.behave(redirect_loop(), path="/autodiscover")
    hostile.behave(unauthorized_forever(), path="/ews")

    looped = timed_connect(hostile.request(), BUDGET_S)
    refused = timed_connect(hostile.request(server=f"mail.{hostile.domain}"), BUDGET_S)

    assert looped.topic_id == "autodiscover-failed"
    assert refused.topic_id == "credentials-rejected"
    assert looped.elapsed_s < BUDGET_S + SLACK_S and refused.elapsed_s < BUDGET_S + SLACK_S
    credentialed = [seen for seen in hostile.seen if seen.credentialed]
    assert [(seen.host, seen.path) for seen in credentialed] == [
        (f"mail.{hostile.domain}", "/ews/exchange.asmx")
    ]


def test_profiles_add_gives_up_at_its_time_limit_and_keeps_nothing(
    hostile: HostileServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hostile.behave(drip(0.5))
    started = time.monotonic()

    code, out, _ = add_profile(
        hostile, capsys, monkeypatch, "--server", f"mail.{hostile.domain}", "--time-limit", "4"
    )

    elapsed = time.monotonic() - started
    assert code == 1
    assert f"[{DEADLINE_TOPIC}]" in out and "within the 4 s allowed" in out
    assert BUDGET_S <= elapsed < BUDGET_S + SLACK_S
    assert load_config().get("hostile") is None


def test_diagnose_gives_up_at_its_time_limit(
    hostile: HostileServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _, err = add_profile(
        hostile, capsys, monkeypatch, "--server", f"mail.{hostile.domain}", "--no-verify-connect"
    )
    assert code == 0, err
    hostile.behave(drip(0.5, headers_first=True))
    started = time.monotonic()

    code, out, _ = run_exsync(
        capsys, monkeypatch, "diagnose", "hostile", "--password-stdin", "--time-limit", "4",
        stdin=f"{PASSWORD}\n",
    )  # fmt: skip

    assert code == 1
    assert f"[{DEADLINE_TOPIC}]" in out
    assert BUDGET_S <= time.monotonic() - started < BUDGET_S + SLACK_S


def _interrupt_once_signing_in(
    hostile: HostileServer, when: list[float]
) -> Callable[[subprocess.Popen[bytes]], None]:
    def on_start(child: subprocess.Popen[bytes]) -> None:
        wait_until(lambda: any(seen.path == "/ews/exchange.asmx" for seen in hostile.seen))
        when.append(time.monotonic())
        child.send_signal(signal.SIGINT)

    return on_start


@pytest.mark.parametrize("command", ["diagnose", "profiles-add"])
def test_ctrl_c_cancels_at_once_with_the_cancelled_topic(
    hostile: HostileServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    hostile.behave(drip(0.5))
    server = ("--server", f"mail.{hostile.domain}")
    if command == "diagnose":
        assert add_profile(hostile, capsys, monkeypatch, *server, "--no-verify-connect")[0] == 0
        argv: tuple[str, ...] = ("diagnose", "hostile", "--password-stdin")
    else:
        argv = ("profiles", "add", "hostile", "--email", f"user@{hostile.domain}", *server)
        argv += ("--ca-file", hostile.ca_file, "--password-command", f"echo {PASSWORD}")
        argv += tuple(arg for rule in hostile.connect_to() for arg in ("--connect-to", rule))
    signalled: list[float] = []

    run = exsync_child(
        *argv,
        "--time-limit",
        "600",
        stdin=f"{PASSWORD}\n",
        on_start=_interrupt_once_signing_in(hostile, signalled),
    )

    assert run.code == 130, run.stderr
    assert "[cancelled]" in run.stdout
    assert "Traceback" not in run.stderr
    assert time.monotonic() - signalled[0] < SLACK_S


@pytest.mark.parametrize("attempt", ["diagnose", "connect"])
def test_a_dripping_tls_handshake_ends_within_budget(hostile: HostileServer, attempt: str) -> None:
    # The doctor's TLS probe has no request to abort; its handshake timeout is cut to the
    # time left (CPython applies a socket timeout to the whole handshake), as is connect's.
    with TlsDripServer() as tls_drip:
        mail = f"mail.{hostile.domain}"
        rules = (f"{mail}:443:127.0.0.1:{tls_drip.port}",)
        request = hostile.request(server=mail, connect_to=rules)

        run = (timed_diagnose if attempt == "diagnose" else timed_connect)(request, BUDGET_S)

    assert tls_drip.accepted.is_set()
    assert run.elapsed_s < BUDGET_S + SLACK_S
    failed = [step.name for step in run.diagnosis.steps if step.status.value == "fail"]
    assert failed == ["TLS" if attempt == "diagnose" else "Sign-in"]
