"""`exsync profiles add/list/show/edit` through the real entry point, exsync_tui.cli.main."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import keyring.core
import pytest
from keyring.backends import null

from exsync_tui.cli import profiles_change as profiles_cli
from exsync_tui.core import paths
from exsync_tui.core.profiles import Profile, load_config
from exsync_tui.core.secrets import SERVICE, password_key
from exsync_tui.core.secrets.memory import MemoryKeyring
from tests.cli_runner import run_exsync

PIN = ":".join(["3F"] * 32)


def test_add_then_show_round_trips_every_flag(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ca_file = tmp_path / "corp-ca.pem"
    ca_file.write_text("-----BEGIN CERTIFICATE-----\n")
    code, out, err = run_exsync(
        capsys, monkeypatch,
        "profiles", "add", "work", "--email", "jane.doe@example.com",
        "--username", "CORP\\jane", "--server", "mail.example.com", "--auth", "ntlm",
        "--ca-file", str(ca_file), "--pin-sha256", PIN,
        "--connect-to", "mail.example.com:443:127.0.0.1:8443",
        "--connect-to", "autodiscover.example.com:443:[::1]:8443",
        "--password-command", "pass show 'work/exchange main'",
        "--mail-dir", str(tmp_path / "Mail"), "--calendar-dir", str(tmp_path / "Cal"),
        "--no-verify-connect",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert f"added profile work (jane.doe@example.com) to {paths.config_file()}" in out
    assert stat.S_IMODE(paths.config_file().stat().st_mode) == 0o600
    assert 'username = "CORP\\\\jane"' in paths.config_file().read_text()

    code, out, _ = run_exsync(capsys, monkeypatch, "profiles", "show", "work", "--json")
    shown = json.loads(out)
    assert code == 0
    assert {key: shown[key] for key in ("name", "email", "username", "mode", "server", "auth")} == {
        "name": "work",
        "email": "jane.doe@example.com",
        "username": "CORP\\jane",
        "mode": "manual",
        "server": "mail.example.com",
        "auth": "ntlm",
    }
    assert shown["tls"] == {"ca_file": str(ca_file), "pin_sha256": "3f" * 32}
    assert shown["connect_to"] == [
        "mail.example.com:443:127.0.0.1:8443",
        "autodiscover.example.com:443:[::1]:8443",
    ]
    assert shown["password_command"] == ["pass", "show", "work/exchange main"]
    assert shown["paths"]["mail"] == str(tmp_path / "Mail")
    assert shown["paths"]["calendars"] == str(tmp_path / "Cal")
    assert shown["password"] == {"source": "password_command", "stored": None, "where": None}

    profile = load_config().profiles["work"]
    assert profile.username == "CORP\\jane"
    assert profile.mail_dir == tmp_path / "Mail"

    code, out, _ = run_exsync(capsys, monkeypatch, "profiles", "show", "work")
    assert "username: CORP\\jane" in out and f"id: {profile.id}" in out


def test_add_stores_the_password_in_the_keyring_by_profile_id(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    code, out, _ = run_exsync(
        capsys, monkeypatch, "profiles", "add", "home", "--email", "me@example.org",
        "--password-stdin", "--no-verify-connect", stdin="hunter2\n",
    )  # fmt: skip
    assert code == 0
    profile_id = load_config().profiles["home"].id
    assert memory_keyring.entries == {(SERVICE, password_key(profile_id)): "hunter2"}
    assert "password stored in an in-memory keyring (tests only)" in out
    code, out, _ = run_exsync(capsys, monkeypatch, "profiles", "show", "home", "--json")
    assert json.loads(out)["password"] == {
        "source": "keyring",
        "stored": True,
        "where": "an in-memory keyring (tests only)",
    }


def test_list_shows_profiles_in_order_and_as_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "no profiles yet" in run_exsync(capsys, monkeypatch, "profiles", "list")[1]
    for name, extra in (("b-work", ["--server", "mail.b.example"]), ("a-cloud", ["--office365"])):
        args = ["profiles", "add", name, "--email", f"x@{name}.example", "--no-verify-connect"]
        assert run_exsync(capsys, monkeypatch, *args, *extra)[0] == 0
    code, out, _ = run_exsync(capsys, monkeypatch, "profiles", "list")
    assert [line.split()[0] for line in out.splitlines()] == ["b-work", "a-cloud"]
    code, out, _ = run_exsync(capsys, monkeypatch, "profiles", "list", "--json")
    listed = json.loads(out)["profiles"]
    assert [(p["name"], p["mode"], p["server"]) for p in listed] == [
        ("b-work", "manual", "mail.b.example"),
        ("a-cloud", "office365", None),
    ]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--email", "jane.example.com"], "error: --email: not an email address"),
        (["--email", "j@e.com", "--username", "jane"], "error: --username: 'jane' is neither"),
        (["--email", "j@e.com", "--server", "https://mail.e.com/owa/"], "error: --server: "),
        (["--email", "j@e.com", "--ews-url", "http://mail.e.com/EWS/Exchange.asmx"], "--ews-url"),
        (["--email", "j@e.com", "--pin-sha256", "abcd"], "error: --pin-sha256: "),
        (["--email", "j@e.com", "--connect-to", "mail.e.com:443"], "error: --connect-to: "),
        (["--email", "j@e.com", "--mail-dir", ""], "error: --mail-dir: "),
        (["--email", "j@e.com", "--ca-file", "/nonexistent/ca.pem"], "error: --ca-file: "),
        (["--email", "j@e.com", "--password-command", "''"], "error: --password-command: "),
        (["--email", "j@e.com", "--office365", "--auth", "ntlm"], "error: --auth: "),
        (["--email", "j@e.com", "--password-stdin"], "error: --password-stdin: stdin held no"),
    ],
)
def test_bad_input_names_the_flag_exits_2_and_writes_nothing(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
    flags: list[str],
    expected: str,
) -> None:
    code, out, err = run_exsync(capsys, monkeypatch, "profiles", "add", "work", *flags)
    assert code == 2
    assert expected in err
    assert not paths.config_file().exists()
    assert memory_keyring.entries == {}


def test_bad_name_and_duplicate_name_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run_exsync(
        capsys, monkeypatch, "profiles", "add", "my work", "--email", "j@e.com"
    )
    assert code == 2 and err.startswith("error: NAME: ")
    args = ("profiles", "add", "work", "--email", "j@e.com", "--no-verify-connect")
    assert run_exsync(capsys, monkeypatch, *args)[0] == 0
    before = paths.config_file().read_bytes()
    code, _, err = run_exsync(capsys, monkeypatch, "profiles", "add", "WORK", "--email", "k@e.com")
    assert code == 2 and "a profile named 'work' already exists" in err
    assert paths.config_file().read_bytes() == before


def test_the_same_address_twice_is_refused_naming_the_existing_mailbox(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ("profiles", "add", "work", "--email", "jane@example.com", "--no-verify-connect")
    assert run_exsync(capsys, monkeypatch, *args)[0] == 0
    before = paths.config_file().read_bytes()
    code, _, err = run_exsync(
        capsys, monkeypatch, "profiles", "add", "again", "--email", "Jane@Example.com"
    )
    assert code == 2
    assert "Jane@Example.com is already the mailbox 'work'" in err
    assert paths.config_file().read_bytes() == before
    other = ("profiles", "add", "other", "--email", "sam@example.com", "--no-verify-connect")
    assert run_exsync(capsys, monkeypatch, *other)[0] == 0
    code, _, err = run_exsync(
        capsys, monkeypatch, "profiles", "edit", "other", "--email", "jane@example.com"
    )
    assert code == 2 and "already the mailbox 'work'" in err


def test_no_secure_keyring_fails_plainly_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keyring.core, "_keyring_backend", null.Keyring())
    code, out, err = run_exsync(
        capsys, monkeypatch, "profiles", "add", "work", "--email", "j@e.com", "--password-stdin",
        stdin="s3cret\n",
    )  # fmt: skip
    assert code == 1
    assert "no secure keyring is available" in err and "dbus-run-session" in err
    assert not paths.config_file().exists()
    assert "s3cret" not in out + err


def test_verification_is_one_call_unless_skipped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Profile, Any]] = []

    def fake_verify(profile: Profile, password: Any, out: Any, **_: Any) -> int:
        calls.append((profile, password))
        return 1

    monkeypatch.setattr(profiles_cli, "verify_new_profile", fake_verify)
    code, _, _ = run_exsync(
        capsys, monkeypatch, "profiles", "add", "a", "--email", "a@e.com", "--password-stdin",
        stdin="pw\n",
    )  # fmt: skip
    assert code == 1
    assert [(p.name, pw) for p, pw in calls] == [("a", "pw")]
    args = ("profiles", "add", "b", "--email", "b@e.com", "--no-verify-connect")
    assert run_exsync(capsys, monkeypatch, *args)[0] == 0
    assert len(calls) == 1


def test_edit_renames_keeping_id_and_secret_and_can_disable(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    run_exsync(
        capsys, monkeypatch, "profiles", "add", "work", "--email", "j@e.com", "--server",
        "mail.e.com", "--password-stdin", "--no-verify-connect", stdin="pw\n",
    )  # fmt: skip
    old_id = load_config().profiles["work"].id
    code, out, err = run_exsync(
        capsys, monkeypatch, "profiles", "edit", "work", "--rename", "office", "--disable",
        "--autodiscover", "--username", "CORP\\j",
    )  # fmt: skip
    assert (code, err) == (0, "")
    profile = load_config().profiles["office"]
    assert profile.id == old_id and profile.username == "CORP\\j"
    assert profile.server is None and profile.mode.value == "autodiscover"
    assert not profile.enabled and profile.disabled_at is not None
    assert (SERVICE, password_key(old_id)) in memory_keyring.entries
    code, _, err = run_exsync(capsys, monkeypatch, "profiles", "edit", "office", "--email", "nope")
    assert code == 2 and "--email" in err


def test_broken_config_is_reported_with_file_line_and_column(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths.config_dir().mkdir(parents=True)
    paths.config_file().write_text('[profiles.work]\nemail = "j@e.com"\nusername = "CORP\\user"\n')
    code, _, err = run_exsync(capsys, monkeypatch, "profiles", "list")
    assert code == 2
    assert err.startswith(f"error: {paths.config_file()}:3:")
    assert 'write "CORP\\\\user"' in err


def test_commented_config_is_backed_up_and_the_user_is_told(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    paths.config_dir().mkdir(parents=True)
    paths.config_file().write_text("# mine\nschema_version = 1\n")
    code, out, _ = run_exsync(
        capsys, monkeypatch, "profiles", "add", "a", "--email", "a@e.com", "--no-verify-connect"
    )
    assert code == 0
    backups = list(paths.config_dir().glob("config.toml.bak-*"))
    assert len(backups) == 1
    assert f"the original is saved as {backups[0]}" in out
