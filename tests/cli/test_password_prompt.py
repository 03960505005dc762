"""The hidden password prompt of `profiles add`, `profiles edit --password-prompt` and `diagnose`.

On a terminal the real exsync runs in a pseudo-terminal and a password is typed
into it; elsewhere (a pipe, cron) nothing is asked and the message names
--password-stdin.
"""

from __future__ import annotations

import io
import json

import pytest

from exsync_tui.cli import main
from exsync_tui.core import paths
from exsync_tui.core.secrets.memory import MemoryKeyring
from exsync_tui.sandbox import Sandbox
from tests.connect.helpers import sandbox_connect_to
from tests.pty_session import digest, start

PROMPT = "Password for alice@example.com (an app password if the account uses two-factor sign-in): "
ADD = ["profiles", "add", "work", "--email", "alice@example.com", "--no-verify-connect"]
SHOW = ["profiles", "show", "work", "--json"]


def _shown_password(transcript: str) -> dict[str, object]:
    """The "password" object of the `profiles show --json` output in a transcript."""
    start_at = transcript.index('{\r\n  "name"')
    shown = json.JSONDecoder().raw_decode(transcript[start_at:].replace("\r\n", "\n"))[0]
    return dict(shown["password"])


def test_add_on_a_terminal_asks_hides_the_password_and_stores_it() -> None:
    typed = "typed-at-the-prompt-7Q"

    session = start([ADD, SHOW])
    session.expect(PROMPT)
    session.type_line(typed)
    session.expect("password stored in an in-memory keyring")

    assert session.finish() == 0
    assert session.exit_codes() == [0, 0]
    assert typed not in session.text()  # echo was off, and nothing printed it
    assert session.stored_digests() == [digest(typed)]
    assert _shown_password(session.text())["stored"] is True


def test_edit_with_password_prompt_replaces_the_stored_password() -> None:
    edit = ["profiles", "edit", "work", "--password-prompt"]

    session = start([ADD, edit, SHOW])
    session.expect(PROMPT)
    session.type_line("the-first-one")
    session.expect(PROMPT)
    session.type_line("the-second-one")

    assert session.finish() == 0
    assert session.exit_codes() == [0, 0, 0]
    assert "the-first-one" not in session.text() and "the-second-one" not in session.text()
    assert session.stored_digests() == [digest("the-second-one")]


def test_edit_without_password_prompt_never_asks() -> None:
    session = start([[*ADD, "--password-command", "pass show work"], ["profiles", "edit", "work",
                     "--auth", "ntlm"]])  # fmt: skip

    assert session.finish() == 0
    assert session.exit_codes() == [0, 0]
    assert "Password for" not in session.text()
    assert session.stored_digests() == []


def test_diagnose_asks_when_nothing_is_stored_and_signs_in_with_the_answer(
    sandbox: Sandbox,
) -> None:
    add = ["profiles", "add", "work", "--email", "alice@example.com", "--no-verify-connect"]
    add += ["--ca-file", str(sandbox.info.ca_file)]
    for rule in sandbox_connect_to(sandbox):
        add += ["--connect-to", rule]
    diagnose = ["diagnose", "work", "--dns-server", sandbox.info.dns_server]
    password = sandbox.info.users[0].password

    session = start([add, diagnose])
    session.expect(PROMPT)
    session.type_line("")  # add: skip, store nothing
    session.expect("add one with `exsync profiles edit work --password-prompt`")
    session.expect(PROMPT)
    session.type_line(password)

    assert session.finish() == 0
    assert session.exit_codes() == [0, 0], session.text()
    assert "every step passed" in session.text()
    assert password not in session.text()
    assert session.stored_digests() == []  # diagnose uses the password, never stores it


@pytest.fixture
def no_getpass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything tries to prompt."""

    def refuse(prompt: str = "", stream: object = None) -> str:
        raise AssertionError(f"prompted off a terminal: {prompt!r}")

    monkeypatch.setattr("getpass.getpass", refuse)


def _run_piped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.usefixtures("no_getpass")
def test_off_a_terminal_add_stores_nothing_and_names_password_stdin(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    code, out, _ = _run_piped(capsys, monkeypatch, ADD)

    assert code == 0
    assert "no password stored (stdin is not a terminal" in out
    assert "--password-stdin" in out
    assert memory_keyring.entries == {}


@pytest.mark.usefixtures("no_getpass")
def test_off_a_terminal_edit_password_prompt_exits_2_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run_piped(capsys, monkeypatch, ADD)[0] == 0
    before = paths.config_file().read_bytes()

    code, _, err = _run_piped(
        capsys, monkeypatch, ["profiles", "edit", "work", "--password-prompt"]
    )

    assert code == 2
    assert "stdin is not a terminal" in err and "--password-stdin" in err
    assert paths.config_file().read_bytes() == before


@pytest.mark.usefixtures("no_getpass")
def test_off_a_terminal_diagnose_exits_2_and_names_password_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run_piped(capsys, monkeypatch, ADD)[0] == 0

    code, out, err = _run_piped(capsys, monkeypatch, ["diagnose", "work"])

    assert code == 2
    assert "stdin is not a terminal" in err and "--password-stdin" in err
    assert out == ""


@pytest.mark.usefixtures("no_getpass")
def test_edit_password_prompt_is_refused_for_microsoft_365(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    office = ["profiles", "add", "cloud", "--email", "a@example.com", "--office365"]
    assert _run_piped(capsys, monkeypatch, [*office, "--no-verify-connect"])[0] == 0

    code, _, err = _run_piped(
        capsys, monkeypatch, ["profiles", "edit", "cloud", "--password-prompt"]
    )

    assert code == 2 and "OAuth" in err
    assert memory_keyring.entries == {}
