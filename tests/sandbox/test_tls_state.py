"""With --state-dir the sandbox keeps its CA and certificate: trust and pins survive a restart."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
import requests

from exsync_tui.sandbox import Sandbox, SandboxConfig


def _config(state: Path, **overrides: Any) -> SandboxConfig:
    return SandboxConfig(messages=0, events=0, users=1, state_dir=str(state), **overrides)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _tls_answers(sb: Sandbox, ca_file: str) -> bool:
    """Whether a real client that trusts ``ca_file`` completes TLS with ``sb``."""
    try:
        response = requests.get(f"{sb.info.base_url}/EWS/Exchange.asmx", verify=ca_file, timeout=10)
    except requests.exceptions.SSLError:
        return False
    return response.status_code == 401  # TLS passed; sign-in is the next step


def test_a_restart_keeps_the_ca_file_path_the_ca_and_the_pin(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with Sandbox(_config(state)) as first:
        ca_file = first.info.ca_file
        assert ca_file is not None
        ca_pem = Path(ca_file).read_bytes()
        pin = first.control.certificate_sha256()

    with Sandbox(_config(state)) as second:
        assert second.info.ca_file == ca_file
        assert Path(ca_file).read_bytes() == ca_pem
        assert second.control.certificate_sha256() == pin
        assert _tls_answers(second, ca_file)

    tls = state / "tls"
    assert _mode(tls) == 0o700
    assert _mode(tls / "ca.key") == 0o600 and _mode(tls / "server.key") == 0o600
    assert b"PRIVATE KEY" in (tls / "ca.key").read_bytes()


def test_without_a_state_dir_each_start_has_its_own_ca(tmp_path: Path) -> None:
    config = SandboxConfig(messages=0, events=0, users=1)
    with Sandbox(config) as first:
        assert first.info.ca_file is not None
        saved = tmp_path / "first-ca.pem"
        saved.write_bytes(Path(first.info.ca_file).read_bytes())
    with Sandbox(config) as second:
        assert not _tls_answers(second, str(saved))


def test_a_rotated_ca_is_the_one_the_next_start_uses(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with Sandbox(_config(state)) as first:
        assert first.info.ca_file is not None
        original = Path(first.info.ca_file).read_bytes()
        pin = first.control.rotate_certificate(new_ca=True)
        rotated = Path(first.info.ca_file).read_bytes()
    assert rotated != original

    with Sandbox(_config(state)) as second:
        assert second.info.ca_file is not None
        assert Path(second.info.ca_file).read_bytes() == rotated
        assert second.control.certificate_sha256() == pin


@pytest.mark.parametrize("damage", ["ca.key", "ca.pem", "server.key"])
def test_damaged_files_are_replaced_and_the_sandbox_still_serves(
    tmp_path: Path, damage: str
) -> None:
    state = tmp_path / "state"
    with Sandbox(_config(state)) as first:
        pin = first.control.certificate_sha256()
        assert first.info.ca_file is not None
        original = Path(first.info.ca_file).read_bytes()
    (state / "tls" / damage).write_bytes(b"-----BEGIN nonsense-----\n")

    with Sandbox(_config(state)) as second:
        assert second.info.ca_file is not None
        assert second.control.certificate_sha256() != pin
        assert _tls_answers(second, second.info.ca_file)
        kept_ca = Path(second.info.ca_file).read_bytes() == original
        assert kept_ca is (damage == "server.key")  # a bad leaf alone keeps the CA


def test_another_domain_keeps_the_ca_but_issues_a_certificate_for_its_names(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    with Sandbox(_config(state)) as first:
        pin = first.control.certificate_sha256()
        assert first.info.ca_file is not None
        original = Path(first.info.ca_file).read_bytes()

    with Sandbox(_config(state, domain="contoso.test")) as second:
        assert second.info.ca_file is not None
        assert Path(second.info.ca_file).read_bytes() == original
        assert second.control.certificate_sha256() != pin


def test_the_mailbox_state_with_its_passwords_is_readable_by_the_owner_only(
    tmp_path: Path,
) -> None:
    import os

    from exsync_tui.sandbox.store import MailboxStore

    state = tmp_path / "state"
    umask = os.umask(0o022)  # the usual umask: a plain write would make the file 0644
    try:
        store = MailboxStore(_config(state))
    finally:
        os.umask(umask)

    saved = state / "mailboxes.pickle"
    assert store.mailboxes[0].password.encode() in saved.read_bytes()
    assert _mode(saved) == 0o600
