"""A profile's password command wins over a keyring password, on the command line too."""

from __future__ import annotations

import json
import shlex
import sys

import pytest

from exsync_tui.sandbox import Sandbox
from tests.cli_runner import run_exsync
from tests.connect.helpers import sandbox_connect_to


def _printing(text: str) -> str:
    return shlex.join([sys.executable, "-c", f"print({text!r})"])


def test_diagnose_signs_in_with_the_command_not_a_stale_keyring_password(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add = ["profiles", "add", "work", "--email", "alice@example.com", "--password-stdin"]
    add += ["--ca-file", str(sandbox.info.ca_file), "--no-verify-connect"]
    for rule in sandbox_connect_to(sandbox):
        add += ["--connect-to", rule]
    assert run_exsync(capsys, monkeypatch, *add, stdin="stale-and-wrong\n")[0] == 0
    correct = _printing(sandbox.info.users[0].password)
    edit = ["profiles", "edit", "work", "--password-command", correct]
    assert run_exsync(capsys, monkeypatch, *edit)[0] == 0

    diagnose = ["diagnose", "work", "--json", "--dns-server", sandbox.info.dns_server]
    code, out, _ = run_exsync(capsys, monkeypatch, *diagnose)

    assert json.loads(out)["ok"] is True
    assert code == 0


def test_storing_a_password_beside_a_command_says_the_command_is_used(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add = ["profiles", "add", "work", "--email", "j@example.com", "--server", "mail.example.com"]
    add += ["--password-command", "pass show work", "--no-verify-connect"]
    assert run_exsync(capsys, monkeypatch, *add)[0] == 0

    code, out, _ = run_exsync(
        capsys, monkeypatch, "profiles", "edit", "work", "--password-stdin", stdin="new-Pa55\n"
    )

    assert code == 0
    assert "password stored in" in out
    assert "has a password command, which exsync uses instead of the stored password" in out
    assert "--no-password-command" in out
    assert "new-Pa55" not in out
    _, shown, _ = run_exsync(capsys, monkeypatch, "profiles", "show", "work", "--json")
    assert json.loads(shown)["password"]["source"] == "password_command"


def test_no_note_when_the_command_is_removed_in_the_same_edit(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add = ["profiles", "add", "work", "--email", "j@example.com", "--server", "mail.example.com"]
    add += ["--password-command", "pass show work", "--no-verify-connect"]
    assert run_exsync(capsys, monkeypatch, *add)[0] == 0

    edit = ["profiles", "edit", "work", "--password-stdin", "--no-password-command"]
    code, out, _ = run_exsync(capsys, monkeypatch, *edit, stdin="new-Pa55\n")

    assert code == 0
    assert "password stored in" in out
    assert "has a password command" not in out
