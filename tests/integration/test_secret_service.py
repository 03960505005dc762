"""exsync's SecretStore against a real Secret Service: gnome-keyring in its own D-Bus session.

The keyring daemon runs with private XDG directories, so the developer's own
keyring is never touched. Missing ``dbus-run-session`` or ``gnome-keyring-daemon``
is a failure, not a skip: `make test` installs them first (scripts/system-deps).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.system, pytest.mark.secret_service]

CANARY = "canary-SecretService-9c1e"

CHECK = """
import json, sys
from exsync_tui.core.secrets import SecretStore, SERVICE
import secretstorage

store = SecretStore(timeout_s=20)
result = {"where": store.describe()}
store.set_password("0123456789abcdef0123456789abcdef", sys.argv[1])
store.set_token_cache("0123456789abcdef0123456789abcdef", '{"RefreshToken": {}}')
result["read"] = store.get_password("0123456789abcdef0123456789abcdef") == sys.argv[1]
result["token"] = store.get_token_cache("0123456789abcdef0123456789abcdef")
# Ask the Secret Service directly which items exist under exsync's service name.
bus = secretstorage.dbus_init()
items = secretstorage.get_default_collection(bus).search_items({"service": SERVICE})
result["labels"] = sorted(item.get_attributes()["username"] for item in items)
result["deleted"] = store.delete_all("0123456789abcdef0123456789abcdef")
result["after"] = store.get_password("0123456789abcdef0123456789abcdef")
print(json.dumps(result))
"""


def _require(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.fail(
            f"{program} is missing: install the Debian packages dbus and gnome-keyring "
            "(`make deps` does) to run the Secret Service test"
        )
    return path


def _session_env(tmp_path: Path) -> dict[str, str]:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = dict(os.environ)
    env.pop("PYTHON_KEYRING_BACKEND", None)  # the conftest points children at the null one
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    env.update(
        HOME=str(tmp_path / "home"),
        XDG_RUNTIME_DIR=str(runtime),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    return env


def _in_keyring_session(
    tmp_path: Path, argv: list[str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` inside a fresh D-Bus session with an unlocked gnome-keyring."""
    dbus_run_session = _require("dbus-run-session")
    _require("gnome-keyring-daemon")
    unlock_then_run = (
        "echo keyring-unlock-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null"
        ' && exec "$@"'
    )
    return subprocess.run(
        [dbus_run_session, "--", "sh", "-c", unlock_then_run, "sh", *argv],
        env=_session_env(tmp_path),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_store_read_and_delete_through_gnome_keyring(tmp_path: Path) -> None:
    script = tmp_path / "check.py"
    script.write_text(CHECK)
    result = _in_keyring_session(tmp_path, [sys.executable, str(script), CANARY])
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["where"].startswith("the Secret Service")
    assert outcome["read"] is True
    assert outcome["token"] == '{"RefreshToken": {}}'
    assert outcome["labels"] == [
        "password:0123456789abcdef0123456789abcdef",
        "token-cache:0123456789abcdef0123456789abcdef",
    ]
    assert outcome["deleted"] == ["password", "token cache"]
    assert outcome["after"] is None
    assert CANARY not in result.stdout + result.stderr


def test_cli_add_keeps_the_password_in_the_secret_service(tmp_path: Path) -> None:
    exsync = f"{sys.executable} -m exsync_tui"
    script = tmp_path / "add_then_show.sh"
    script.write_text(
        f"{exsync} profiles add work --email jane@example.com --password-stdin "
        f"--no-verify-connect >&2 && {exsync} profiles show work --json\n"
    )
    result = _in_keyring_session(tmp_path, ["sh", str(script)], stdin=CANARY + "\n")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["password"]["stored"] is True
    assert shown["password"]["where"].startswith("the Secret Service")
    assert CANARY not in result.stdout + result.stderr
