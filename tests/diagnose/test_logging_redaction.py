"""Logs are 0600 and redacted at the handler, exchangelib's DEBUG output included."""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsync_tui.core.paths import log_dir
from exsync_tui.core.redaction import REDACTED, redact, register_secret
from exsync_tui.sandbox import Sandbox
from tests.connect.helpers import run_connect, sandbox_request
from tests.diagnose.helpers import logging_to_file


@pytest.fixture
def log_file() -> Iterator[Path]:
    with logging_to_file(debug_network=True) as path:
        yield path


def test_the_log_is_private_and_under_the_state_directory(log_file: Path) -> None:
    logging.getLogger("exsync").warning("hello")
    assert log_file.parent == log_dir()
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(log_dir().stat().st_mode) == 0o700


def test_a_real_sign_in_logged_at_debug_leaks_no_credentials(
    sandbox: Sandbox, log_file: Path
) -> None:
    user = sandbox.info.users[0]
    for auth in ("ntlm", "basic"):
        outcome, _ = run_connect(
            sandbox_request(sandbox, server="mail.example.com", auth=auth, username=user.username)
        )
        assert outcome.ok
    text = log_file.read_text()
    assert "Authorization" in text  # exchangelib did log its request headers...
    assert REDACTED in text  # ...and they were redacted
    assert user.password not in text
    for blob in ("TlRMTVNTUAAD", "Basic RVhBTVBMR"):  # NTLM type-3 and Basic credentials
        assert blob not in text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("{'Authorization': 'NTLM TlRMTVNTUAADAAAAGAAYAH'}", "Authorization"),
        ("Cookie: X-BackEndCookie=secretvalue; path=/", "Cookie"),
        ("Set-Cookie: session=abc123", "Set-Cookie"),
        ('{"access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"}', "access_token"),
        ("https://bob:hunter2@proxy.example.com:3128/", "proxy.example.com"),
        ("<t:Password>xyz</t:Password>", "Password"),
        ("password=hunter2&user=bob", "user=bob"),
    ],
)
def test_patterns_are_redacted_and_context_kept(text: str, kept: str) -> None:
    cleaned = redact(text)
    assert kept in cleaned
    for secret in ("TlRMTVNTUAAD", "secretvalue", "abc123", "eyJhbGci", "hunter2", "xyz"):
        assert secret not in cleaned


def test_a_registered_secret_is_redacted_anywhere_until_released() -> None:
    handle = register_secret("Correct-Horse-9")
    assert redact("failed for 'Correct-Horse-9' at 10:00") == f"failed for '{REDACTED}' at 10:00"
    handle.close()
    assert "Correct-Horse-9" in redact("Correct-Horse-9")


def test_prose_about_schemes_stays_readable() -> None:
    text = "NTLM accepted (server offers Negotiate, NTLM, Basic)"
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  password:    (not included)", "  password:    (not included)"),
        ("password: (none), user: bob", "password: (none), user: bob"),
        ("password=(hunter2", f"password={REDACTED}"),
        ("password: hunter2", f"password: {REDACTED}"),
        ("'password': 'hunter2'", f"'password': '{REDACTED}'"),
    ],
)
def test_a_remark_in_parentheses_is_not_taken_for_a_password(text: str, expected: str) -> None:
    assert redact(text) == expected
