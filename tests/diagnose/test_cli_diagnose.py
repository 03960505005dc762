"""`exsync diagnose NAME [--json] [--report FILE]` through the real entry point."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from exsync_tui.core.profiles import load_config
from exsync_tui.sandbox import Sandbox
from tests.cli_runner import run_exsync
from tests.connect.helpers import sandbox_connect_to
from tests.diagnose.helpers import MAIN_STEPS
from tests.pty_session import start


def _add_profile(
    sb: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *extra: str
) -> None:
    argv = ["profiles", "add", "work", "--email", "alice@example.com", "--password-stdin"]
    argv += ["--ca-file", str(sb.info.ca_file), "--no-verify-connect", *extra]
    for rule in sandbox_connect_to(sb):
        argv += ["--connect-to", rule]
    code, _, err = run_exsync(capsys, monkeypatch, *argv, stdin=f"{sb.info.users[0].password}\n")
    assert code == 0, err


def test_json_reports_every_step_and_exit_0_when_all_pass(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_profile(sandbox, capsys, monkeypatch)

    code, out, _ = run_exsync(
        capsys,
        monkeypatch,
        "diagnose",
        "work",
        "--json",
        "--dns-server",
        sandbox.info.dns_server,
    )

    assert code == 0
    result = json.loads(out)
    assert result["ok"] is True and result["topic"] is None
    names = [step["name"] for step in result["steps"]]
    for name in MAIN_STEPS:
        assert name in names
    assert all(set(step) == {"name", "status", "detail"} for step in result["steps"])
    assert {step["status"] for step in result["steps"]} <= {"ok", "warn", "skip"}


def test_a_failing_profile_exits_1_with_the_topic_and_a_redacted_report(
    fresh_sandbox: Callable[..., Sandbox],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    password = sb.info.users[0].password
    _add_profile(
        sb, capsys, monkeypatch, "--username", "EXAMPLE\\alice", "--server", "mail.example.com"
    )
    sb.control.set_password(sb.info.users[0].email, "changed-by-the-admin")
    report = tmp_path / "report.txt"

    umask = os.umask(0o022)  # the usual umask: a plain write would make the report 0644
    try:
        code, out, _ = run_exsync(
            capsys, monkeypatch, "diagnose", "work", "--json", "--report", str(report)
        )
    finally:
        os.umask(umask)

    assert code == 1
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    result = json.loads(out)
    assert result["ok"] is False
    assert result["topic"]["id"] == "credentials-rejected"
    assert result["topic"]["advice"]
    sign_in = next(step for step in result["steps"] if step["name"] == "Sign-in")
    assert sign_in["status"] == "fail"
    text = report.read_text()
    assert "EXAMPLE\\alice" in text and "mail.example.com" in text
    assert "[credentials-rejected]" in text and "For the Exchange administrator" in text
    assert password not in text and password not in out


def test_plain_output_prints_steps_and_the_advice(
    fresh_sandbox: Callable[..., Sandbox],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    _add_profile(sb, capsys, monkeypatch, "--server", "mail.example.com")
    sb.control.set_ews_disabled(sb.info.users[0].email, True)

    code, out, _ = run_exsync(capsys, monkeypatch, "diagnose", "work")

    assert code == 1
    assert "ok    Sign-in" in out
    assert "FAIL  Mailbox access" in out
    assert "[ews-disabled]" in out and "Exchange administrator:" in out


def test_an_unknown_profile_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run_exsync(capsys, monkeypatch, "diagnose", "nope")

    assert code == 2 and "no profile named 'nope'" in err


def test_the_verdict_is_kept_on_the_profile_for_the_dashboard(
    fresh_sandbox: Callable[..., Sandbox],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    _add_profile(sb, capsys, monkeypatch, "--server", "mail.example.com")
    email = sb.info.users[0].email

    sb.control.set_ews_disabled(email, True)
    code, _, _ = run_exsync(capsys, monkeypatch, "diagnose", "work", "--json")
    failed = load_config().profiles["work"].metadata
    assert code == 1
    assert failed.last_error_topic == "ews-disabled" and failed.last_verified is None

    sb.control.set_ews_disabled(email, False)
    code, _, err = run_exsync(capsys, monkeypatch, "diagnose", "work", "--json")
    passed = load_config().profiles["work"].metadata
    assert code == 0, err
    assert passed.last_error_topic is None and passed.last_verified is not None


def test_without_a_keyring_diagnose_asks_on_a_terminal_as_the_advice_says(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_profile(sandbox, capsys, monkeypatch, "--server", "mail.example.com")
    password = sandbox.info.users[0].password

    session = start([["diagnose", "work"]], keyring_available=False)
    session.expect("no secure keyring")
    session.expect("Password for alice@example.com")
    session.type_line(password)

    assert session.finish() == 0
    assert session.exit_codes() == [0], session.text()
    assert "every step passed" in session.text() and password not in session.text()


def test_a_busy_server_is_one_line_with_a_count_not_one_line_per_wait(
    fresh_sandbox: Callable[..., Sandbox],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    _add_profile(sb, capsys, monkeypatch, "--server", "mail.example.com")
    sb.control.inject_fault("busy:50*6/GetFolder")

    code, out, _ = run_exsync(capsys, monkeypatch, "diagnose", "work")

    assert code == 0, out
    busy = [line for line in out.splitlines() if "Server busy" in line]
    assert busy == [
        "  warn  Server busy: the server asked to wait 0.05 s",
        "  warn  Server busy: the server asked to wait 0.05 s (6 times)",
    ]
