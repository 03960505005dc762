"""`exsync profiles remove [--purge]`, and the canary password that must never leak."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from exsync_tui.core import paths
from exsync_tui.core.profiles import load_config
from exsync_tui.core.secrets import SERVICE, token_cache_key
from exsync_tui.core.secrets.memory import MemoryKeyring
from tests.cli_runner import run_exsync

CANARY = "canary-7d41c9-Pa55w0rd"


@pytest.fixture
def synced_profile(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> dict[str, Path]:
    """A profile with a password, a token cache and some mail, calendar and state files."""
    code, _, err = run_exsync(
        capsys, monkeypatch, "profiles", "add", "work", "--email", "j@example.com",
        "--password-stdin", "--no-verify-connect", stdin=f"{CANARY}\n",
    )  # fmt: skip
    assert code == 0, err
    profile = load_config().profiles["work"]
    memory_keyring.set_password(SERVICE, token_cache_key(profile.id), "{}")
    made = {
        "mail": profile.effective_mail_dir() / "INBOX" / "cur" / "1:2,S",
        "calendar": profile.effective_calendar_dir() / "Calendar" / "a.ics",
        "state": profile.state_dir() / "sync.sqlite",
        "lock": paths.state_dir() / f"{profile.id}.lock",
    }
    for path in made.values():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    return made


def test_remove_keeps_data_and_secrets_and_says_so(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
    synced_profile: dict[str, Path],
) -> None:
    code, out, _ = run_exsync(capsys, monkeypatch, "profiles", "remove", "work")
    assert code == 0
    assert "work" not in load_config().profiles
    assert all(path.exists() for path in synced_profile.values())
    assert "kept its keyring secrets" in out
    assert f"kept {paths.data_dir() / 'work' / 'mail'}" in out
    assert len(memory_keyring.entries) == 2


def test_purge_deletes_everything_and_prints_it(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
    synced_profile: dict[str, Path],
) -> None:
    profile_id = load_config().profiles["work"].id
    code, out, err = run_exsync(
        capsys, monkeypatch, "profiles", "remove", "work", "--purge", "--yes"
    )
    assert (code, err) == (0, "")
    assert not any(path.exists() for path in synced_profile.values())
    assert not (paths.data_dir() / "work").exists()
    assert memory_keyring.entries == {}
    for line in (
        f"deleted {paths.data_dir() / 'work' / 'mail'}",
        f"deleted {paths.data_dir() / 'work' / 'calendars'}",
        f"deleted {paths.state_dir() / profile_id}",
        f"deleted {paths.state_dir() / (profile_id + '.lock')}",
        "deleted the password from an in-memory keyring (tests only)",
        "deleted the token cache from an in-memory keyring (tests only)",
    ):
        assert line in out


def _queue_unsent_mail(profile_name: str) -> Path:
    """A message `exsync send` queued for ``profile_name`` and has not sent; its file."""
    from exsync_tui.core.send.outgoing import prepare
    from exsync_tui.core.send.queue import QUEUED, SendQueue
    from tests.send.helpers import message

    profile = load_config().profiles[profile_name]
    outgoing = prepare(message("Queued", "j@example.com", "f@example.com"), ["f@example.com"],
                       from_headers=False)  # fmt: skip
    return SendQueue.of(profile).add(outgoing, QUEUED).path


def test_purge_refuses_while_the_send_queue_holds_unsent_mail(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
    synced_profile: dict[str, Path],
) -> None:
    queued = _queue_unsent_mail("work")
    code, out, err = run_exsync(
        capsys, monkeypatch, "profiles", "remove", "work", "--purge", "--yes"
    )
    assert code == 1
    assert "nothing removed: work has 1 unsent message(s) in its send queue" in err
    assert "--drop-unsent" in err and "exsync send --flush --profile work" in err
    assert "work" in load_config().profiles and queued.exists()
    assert all(path.exists() for path in synced_profile.values())
    assert len(memory_keyring.entries) == 2

    code, out, err = run_exsync(
        capsys, monkeypatch, "profiles", "remove", "work", "--purge", "--yes", "--drop-unsent"
    )
    assert (code, err) == (0, "")
    assert "work" not in load_config().profiles and not queued.exists()


def test_purge_without_a_terminal_needs_yes(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    synced_profile: dict[str, Path],
) -> None:
    code, _, err = run_exsync(capsys, monkeypatch, "profiles", "remove", "work", "--purge")
    assert code == 2 and "--yes" in err
    assert "work" in load_config().profiles
    assert all(path.exists() for path in synced_profile.values())


@pytest.mark.parametrize(("answer", "removed"), [("y\n", True), ("n\n", False), ("", False)])
def test_on_a_terminal_remove_asks_first(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    synced_profile: dict[str, Path],
    answer: str,
    removed: bool,
) -> None:
    code, out, _ = run_exsync(
        capsys, monkeypatch, "profiles", "remove", "work", "--purge", stdin=answer, tty=True
    )
    assert "Remove profile work and delete its mail, calendars, state and secrets?" in out
    assert code == (0 if removed else 1)
    assert ("work" in load_config().profiles) is not removed
    assert synced_profile["mail"].exists() is not removed


def test_purge_never_deletes_a_mail_dir_pointing_at_home(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "precious").write_text("keep me")
    monkeypatch.setenv("HOME", str(home))
    args = ("profiles", "add", "w", "--email", "w@e.com", "--mail-dir", str(home))
    assert run_exsync(capsys, monkeypatch, *args, "--no-verify-connect")[0] == 0
    code, _, err = run_exsync(capsys, monkeypatch, "profiles", "remove", "w", "--purge", "--yes")
    assert code == 1
    assert f"could not delete {home}: refusing to delete a top-level directory" in err
    assert (home / "precious").read_text() == "keep me"


def test_unknown_profile_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run_exsync(capsys, monkeypatch, "profiles", "remove", "ghost", "--yes")
    assert code == 2 and "no profile named 'ghost'" in err


def _files_holding(text: str, roots: list[Path]) -> list[Path]:
    found = []
    for root in roots:
        for directory, _, names in os.walk(root):
            for name in names:
                path = Path(directory) / name
                if text.encode() in path.read_bytes():
                    found.append(path)
    return found


def test_canary_password_appears_in_no_file_and_no_output(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
    isolated_xdg: Path,
) -> None:
    outputs = []
    for argv in (
        ["profiles", "add", "work", "--email", "j@example.com", "--username", "CORP\\j",
         "--server", "mail.example.com", "--password-stdin", "--no-verify-connect"],
        ["profiles", "list"], ["profiles", "list", "--json"],
        ["profiles", "show", "work"], ["profiles", "show", "work", "--json"],
        ["profiles", "edit", "work", "--password-stdin", "--auth", "ntlm"],
        ["profiles", "remove", "work", "--purge", "--yes"],
    ):  # fmt: skip
        code, out, err = run_exsync(capsys, monkeypatch, *argv, stdin=f"{CANARY}\n")
        assert code == 0, err
        outputs.append(out + err)
    assert memory_keyring.calls > 0  # the password really went through the keyring
    assert not any(CANARY in output for output in outputs)
    assert _files_holding(CANARY, [isolated_xdg]) == []


def test_canary_stays_out_of_a_real_subprocess_without_a_keyring(isolated_xdg: Path) -> None:
    result = subprocess.run(
        # --no-verify-connect: a child is outside the loopback guard, so it must never
        # get as far as looking up e.com, even if the keyring refusal moved later.
        [sys.executable, "-m", "exsync_tui", "profiles", "add", "work", "--email", "j@e.com",
         "--password-stdin", "--no-verify-connect"],
        input=f"{CANARY}\n", capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1  # the conftest gives children keyring's refused null backend
    assert "no secure keyring is available" in result.stderr
    assert CANARY not in result.stdout + result.stderr
    assert _files_holding(CANARY, [isolated_xdg]) == []
    assert not paths.config_file().exists()
