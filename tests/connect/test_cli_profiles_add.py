"""`exsync profiles add` verifies against the sandbox and saves what autodiscover learned."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from exsync_tui.core import paths
from exsync_tui.core.profiles import load_config
from exsync_tui.core.secrets.memory import MemoryKeyring
from exsync_tui.sandbox import Sandbox
from tests.cli_runner import run_exsync
from tests.connect.helpers import sandbox_connect_to


def _add_argv(sb: Sandbox, *extra: str) -> list[str]:
    argv = ["profiles", "add", "work", "--email", "alice@example.com", "--password-stdin"]
    argv += ["--ca-file", str(sb.info.ca_file)]
    for rule in sandbox_connect_to(sb):
        argv += ["--connect-to", rule]
    return argv + list(extra)


def test_add_autodiscovers_and_saves_the_ews_url_and_version(
    sandbox: Sandbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    password = sandbox.info.users[0].password

    code, out, err = run_exsync(capsys, monkeypatch, *_add_argv(sandbox), stdin=f"{password}\n")
    output = out + err

    assert code == 0, output
    assert "ok    Autodiscover: https://example.com/autodiscover/autodiscover.svc" in output
    assert "ok    Mailbox access" in output
    profile = load_config().get("work")
    assert profile is not None
    assert profile.metadata.ews_url == "https://mail.example.com/EWS/Exchange.asmx"
    assert profile.metadata.server_version and "15.2" in profile.metadata.server_version
    assert profile.metadata.primary_smtp_address == "alice@example.com"
    assert profile.metadata.auth_type == "ntlm"
    assert profile.metadata.last_verified is not None
    assert password not in output
    assert password not in paths.config_file().read_text()
    assert memory_keyring.entries  # the secret went to the keyring


def test_a_failed_verification_prints_the_topic_and_keeps_nothing(
    fresh_sandbox: Callable[..., Sandbox],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    sb = fresh_sandbox(messages=1, events=0)

    code, out, err = run_exsync(capsys, monkeypatch, *_add_argv(sb), stdin="wrong-password\n")
    output = out + err

    assert code == 1
    assert "[credentials-rejected]" in output
    assert "What to try:" in output
    assert load_config().get("work") is None
    assert memory_keyring.entries == {}
    assert "wrong-password" not in output


def test_no_verify_connect_sends_nothing(
    fresh_sandbox: Callable[..., Sandbox],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sb = fresh_sandbox(messages=1, events=0)

    code, _, _ = run_exsync(
        capsys, monkeypatch, *_add_argv(sb, "--no-verify-connect"), stdin="pw\n"
    )

    assert code == 0
    assert sb.control.request_log() == []
    profile = load_config().get("work")
    assert profile is not None and profile.metadata.ews_url is None
