"""password_command: argv without a shell, first line of stdout, timeouts, and the 0600 rule."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from exsync_tui.core.secrets import PasswordCommandError, Secret, run_password_command

CANARY = "canary-Pa55w0rd-7f3a"


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("schema_version = 1\n")
    path.chmod(0o600)
    return path


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_first_line_of_stdout_is_the_password(config_path: Path) -> None:
    argv = _python(f"print('{CANARY} with spaces '); print('second line')")
    password = run_password_command(argv, config_path=config_path)
    assert password == f"{CANARY} with spaces "
    assert isinstance(password, Secret)


def test_no_shell_is_involved(config_path: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    argv = _python("import sys; print(sys.argv[1])") + [f"x; touch {marker}"]
    assert run_password_command(argv, config_path=config_path) == f"x; touch {marker}"
    assert not marker.exists()


@pytest.mark.parametrize(
    ("mode", "who"),
    [(0o620, "its group"), (0o602, "everyone"), (0o666, "its group and everyone")],
)
def test_refused_when_config_is_writable_by_others(
    config_path: Path, tmp_path: Path, mode: int, who: str
) -> None:
    marker = tmp_path / "ran"
    config_path.chmod(mode)
    argv = _python(f"open({str(marker)!r}, 'w'); print('pw')")
    with pytest.raises(PasswordCommandError) as caught:
        run_password_command(argv, config_path=config_path)
    assert f"can be written by {who}" in str(caught.value)
    assert f"chmod 600 {config_path}" in str(caught.value)
    assert not marker.exists()


def test_a_symlinked_config_is_judged_by_its_target(config_path: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.toml"
    link.symlink_to(config_path)
    config_path.chmod(0o664)
    with pytest.raises(PasswordCommandError, match="its group"):
        run_password_command(_python("print('pw')"), config_path=link)


def test_failure_shows_status_and_stderr_but_not_stdout(config_path: Path) -> None:
    code = f"import sys; print('{CANARY}'); sys.stderr.write('not in store: {CANARY}\\n'); exit(3)"
    with pytest.raises(PasswordCommandError) as caught:
        run_password_command(_python(code), config_path=config_path)
    message = str(caught.value)
    assert "exited with status 3" in message and "not in store" in message
    assert CANARY not in message


def test_missing_program_and_empty_output_are_named(config_path: Path) -> None:
    with pytest.raises(PasswordCommandError, match="program not found: no-such-program-x"):
        run_password_command(["no-such-program-x"], config_path=config_path)
    with pytest.raises(PasswordCommandError, match="printed no password"):
        run_password_command(_python("pass"), config_path=config_path)


def test_timeout_kills_the_command(config_path: Path) -> None:
    with pytest.raises(PasswordCommandError, match=r"did not finish within 0.3 s"):
        run_password_command(
            _python("import time; time.sleep(60)"), config_path=config_path, timeout_s=0.3
        )


def test_cancel_stops_the_command(config_path: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(PasswordCommandError, match="cancelled"):
        run_password_command(
            _python("import time; time.sleep(60)"), config_path=config_path, cancel=cancel
        )
