"""TLS, certificate rotation, keep-alive, case-insensitive paths, restarts and the CLI."""

from __future__ import annotations

import hashlib
import json
import signal
import socket
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509

from exsync_tui.sandbox import Sandbox, SandboxConfig
from tests.sandbox.helpers import account_for


def _leaf_sha256(sandbox: Sandbox, server_name: str = "127.0.0.1") -> str:
    context = ssl.create_default_context(cafile=sandbox.info.ca_file)
    with (
        socket.create_connection((sandbox.info.host, sandbox.info.port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=server_name) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return hashlib.sha256(der).hexdigest()


@pytest.mark.parametrize(
    "name",
    ["127.0.0.1", "localhost", "example.com", "autodiscover.example.com", "mail.example.com"],
)
def test_certificate_is_valid_for_every_sandbox_name(sandbox: Sandbox, name: str) -> None:
    assert _leaf_sha256(sandbox, name) == sandbox.control.certificate_sha256()


def test_untrusted_clients_are_refused(sandbox: Sandbox) -> None:
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(sandbox.info.ews_url, timeout=10)


def test_rotation_changes_the_leaf_and_keeps_or_replaces_the_ca(fresh_sandbox: Any) -> None:
    sandbox = fresh_sandbox(messages=0, events=0)
    ca_before = Path(sandbox.info.ca_file).read_bytes()
    pin_before = _leaf_sha256(sandbox)
    pin_after = sandbox.control.rotate_certificate()
    assert pin_after != pin_before and _leaf_sha256(sandbox) == pin_after
    assert Path(sandbox.info.ca_file).read_bytes() == ca_before
    sandbox.control.rotate_certificate(new_ca=True)
    new_ca = Path(sandbox.info.ca_file).read_bytes()
    assert new_ca != ca_before
    old_context = ssl.create_default_context(cadata=ca_before.decode())
    with (
        socket.create_connection((sandbox.info.host, sandbox.info.port), timeout=5) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        old_context.wrap_socket(raw, server_hostname="127.0.0.1")
    issuer = x509.load_pem_x509_certificate(new_ca).subject
    assert issuer.rfc4514_string().startswith("CN=exsync sandbox CA")


def test_paths_are_case_insensitive_and_connections_kept_alive(sandbox: Sandbox) -> None:
    user = sandbox.info.users[0]
    # verify= per request: requests lets REQUESTS_CA_BUNDLE override a session's verify.
    with requests.Session() as session:
        for path in ("/EWS/Exchange.asmx", "/ews/exchange.asmx", "/EwS/ExChAnGe.AsMx"):
            url = f"https://{sandbox.info.host}:{sandbox.info.port}{path}"
            response = session.get(
                url, auth=(user.email, user.password), verify=sandbox.info.ca_file, timeout=10
            )
            assert response.status_code == 200
        assert response.raw.version == 11
    paths = {"/EWS/Exchange.asmx", "/ews/exchange.asmx", "/EwS/ExChAnGe.AsMx"}
    served = [e for e in sandbox.control.request_log() if e["path"] in paths and e["status"] == 200]
    assert len({e["connection"] for e in served[-3:]}) == 1  # one kept-alive connection
    missing = requests.get(f"{sandbox.info.ews_url}.bak", verify=sandbox.info.ca_file, timeout=10)
    assert missing.status_code == 404


def test_every_soap_response_carries_server_version_info(sandbox: Sandbox) -> None:
    from tests.sandbox.test_faults import _GET_INBOX

    user = sandbox.info.users[0]
    ok = requests.post(
        sandbox.info.ews_url,
        data=_GET_INBOX,
        auth=(user.email, user.password),
        verify=sandbox.info.ca_file,
        timeout=10,
    )
    broken = requests.post(
        sandbox.info.ews_url,
        data=b"<not-xml",
        auth=(user.email, user.password),
        verify=sandbox.info.ca_file,
        timeout=10,
    )
    assert ok.status_code == 200 and b"ServerVersionInfo" in ok.content
    assert broken.status_code == 500 and b"ErrorSchemaValidation" in broken.content
    assert b"ServerVersionInfo" in broken.content


def test_same_seed_same_mailboxes_different_seed_different() -> None:
    def snapshot(seed: int) -> list[Any]:
        with Sandbox(SandboxConfig(seed=seed, messages=5, events=3, users=2)) as sandbox:
            truth = sandbox.control.truth(sandbox.info.users[0].email)
            return [(i["id"], i["subject"], i["mime"]) for i in truth["items"]]

    assert snapshot(3) == snapshot(3)
    assert snapshot(3) != snapshot(4)


def test_sync_states_survive_a_restart_with_a_state_dir(
    tmp_path: Path, sandbox_trust: None
) -> None:
    from tests.fixtures_sandbox import _trust

    config = SandboxConfig(messages=4, events=0, state_dir=str(tmp_path / "state"))
    with Sandbox(config) as first:
        _trust(first)
        account = account_for(first)
        list(account.inbox.sync_items())
        state = account.inbox.item_sync_state
        email = first.info.users[0].email
        added = first.control.add_message(email, subject="Before restart")
    with Sandbox(config) as second:
        _trust(second)
        second.control.add_message(email, subject="After restart")
        changes = list(account_for(second).inbox.sync_items(sync_state=state))
        assert {item.subject for kind, item in changes if kind == "create"} == {
            "Before restart",
            "After restart",
        }
        assert added in {item.id for _, item in changes}


def test_without_a_state_dir_old_sync_states_are_invalid(sandbox_trust: None) -> None:
    from exchangelib.errors import ErrorInvalidSyncStateData

    from tests.fixtures_sandbox import _trust

    config = SandboxConfig(messages=2, events=0)
    with Sandbox(config) as first:
        _trust(first)
        account = account_for(first)
        list(account.inbox.sync_items())
        state = account.inbox.item_sync_state
    with Sandbox(config) as second, pytest.raises(ErrorInvalidSyncStateData):
        _trust(second)
        list(account_for(second).inbox.sync_items(sync_state=state))


def test_cli_json_prints_one_line_then_serves_until_sigterm(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "exsync_tui",
            "sandbox",
            "--json",
            "--users",
            "2",
            "--messages",
            "3",
            "--no-hostile-names",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        info = json.loads(line)
        assert set(info) >= {
            "ews_url",
            "autodiscover_url",
            "control_url",
            "ca_file",
            "domain",
            "users",
            "http_url",
            "dns_server",
        }
        assert [u["email"] for u in info["users"]] == ["alice@example.com", "bob@example.com"]
        response = requests.post(info["ews_url"], verify=info["ca_file"], timeout=10)
        assert response.status_code == 401
        truth = requests.post(
            f"{info['control_url']}/truth", json={"email": "alice@example.com"}, timeout=10
        ).json()["result"]
        assert ".." not in {f["name"] for f in truth["folders"]}  # --no-hostile-names
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_cli_rejects_a_bad_fault_spec() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "exsync_tui", "sandbox", "--faults", "explode"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert result.returncode == 2 and "bad fault rule" in result.stderr


def test_cli_help_documents_the_fault_spec() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "exsync_tui", "sandbox", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert result.returncode == 0
    for flag in (
        "--state-dir",
        "--latency-ms",
        "--no-tls",
        "KIND[:ARG][*COUNT | @RATE][/OPERATION]",
    ):
        assert flag in result.stdout
