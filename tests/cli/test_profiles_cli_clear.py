"""`exsync profiles edit` can take settings away: --clear-connect-to, --no-password-command."""

from __future__ import annotations

import json
from typing import Any

import pytest

from exsync_tui.core import paths
from exsync_tui.core.profiles import load_config
from exsync_tui.core.secrets import SERVICE, password_key
from exsync_tui.core.secrets.memory import MemoryKeyring
from tests.cli_runner import run_exsync

RULES = ("mail.example.com:443:127.0.0.1:8443", "autodiscover.example.com:443:127.0.0.1:8443")


@pytest.fixture
def work(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile `work` with two connect-to rules and a password command."""
    argv = ["profiles", "add", "work", "--email", "j@example.com", "--no-verify-connect"]
    argv += ["--password-command", "pass show work", "--connect-to", RULES[0]]
    argv += ["--connect-to", RULES[1]]
    code, _, err = run_exsync(capsys, monkeypatch, *argv)
    assert code == 0, err


def _shown(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    code, out, _ = run_exsync(capsys, monkeypatch, "profiles", "show", "work", "--json")
    assert code == 0
    shown: dict[str, Any] = json.loads(out)
    return shown


@pytest.mark.usefixtures("work")
def test_clear_connect_to_removes_every_rule_and_keeps_the_rest(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _shown(capsys, monkeypatch)["connect_to"] == list(RULES)

    code, _, err = run_exsync(capsys, monkeypatch, "profiles", "edit", "work", "--clear-connect-to")

    assert (code, err) == (0, "")
    shown = _shown(capsys, monkeypatch)
    assert shown.get("connect_to") is None  # show leaves out empty settings
    assert load_config().profiles["work"].connect_to == ()
    assert shown["password_command"] == ["pass", "show", "work"]
    assert "127.0.0.1:8443" not in paths.config_file().read_text()


@pytest.mark.usefixtures("work")
def test_connect_to_and_clear_connect_to_together_are_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = paths.config_file().read_bytes()

    with pytest.raises(SystemExit) as exited:
        run_exsync(capsys, monkeypatch, "profiles", "edit", "work", "--clear-connect-to",
            "--connect-to", RULES[0])  # fmt: skip

    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    assert paths.config_file().read_bytes() == before


@pytest.mark.usefixtures("work")
@pytest.mark.parametrize("flags", [["--no-password-command"], ["--password-command", ""]])
def test_the_password_command_can_be_removed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, flags: list[str]
) -> None:
    code, out, err = run_exsync(capsys, monkeypatch, "profiles", "edit", "work", *flags)

    assert (code, err) == (0, "")
    assert "password command removed" in out and "--password-prompt" in out
    shown = _shown(capsys, monkeypatch)
    assert shown.get("password_command") is None
    assert shown["password"]["source"] == "keyring"
    assert load_config().profiles["work"].connect_to == RULES  # untouched
    assert "password_command" not in paths.config_file().read_text()


@pytest.mark.usefixtures("work")
def test_switching_from_a_command_to_a_stored_password_in_one_edit(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    code, out, _ = run_exsync(
        capsys, monkeypatch, "profiles", "edit", "work", "--no-password-command",
        "--password-stdin", stdin="from-the-pipe\n",
    )  # fmt: skip

    assert code == 0
    profile = load_config().profiles["work"]
    assert profile.password_command is None
    assert memory_keyring.entries == {(SERVICE, password_key(profile.id)): "from-the-pipe"}
    assert "from-the-pipe" not in out


@pytest.mark.usefixtures("work")
def test_no_password_command_with_a_new_command_is_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = paths.config_file().read_bytes()

    code, _, err = run_exsync(
        capsys, monkeypatch, "profiles", "edit", "work", "--no-password-command",
        "--password-command", "gopass show work",
    )  # fmt: skip

    assert code == 2 and err.startswith("error: --no-password-command:")
    assert paths.config_file().read_bytes() == before


def test_add_still_refuses_an_empty_password_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run_exsync(
        capsys, monkeypatch, "profiles", "add", "work", "--email", "j@example.com",
        "--password-command", "",
    )  # fmt: skip

    assert code == 2 and "--password-command: the command is empty" in err
    assert not paths.config_file().exists()
