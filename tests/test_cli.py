"""The command line's basics."""

from __future__ import annotations

import subprocess
import sys

import pytest

from exsync_tui import __version__
from exsync_tui.cli import main


def test_version_flag_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"exsync {__version__}"


def test_python_dash_m_runs_the_same_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "exsync_tui", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    for command in ("profiles", "diagnose", "sandbox", "demo"):
        assert command in result.stdout


def test_profiles_without_an_action_says_what_is_missing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.cli_runner import run_exsync

    code, _, err = run_exsync(capsys, monkeypatch, "profiles")
    assert code == 2
    assert err.startswith("error: `exsync profiles` needs an action")
    assert "exsync profiles list" in err.splitlines()[0]


def test_diagnose_of_an_unknown_name_points_to_the_list_and_debug_names_the_log(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from exsync_tui.core.logging_setup import log_file_path
    from tests.cli_runner import run_exsync

    code, _, err = run_exsync(capsys, monkeypatch, "diagnose", "nosuch", "--debug")
    assert code == 2
    assert "no profile named 'nosuch' (see `exsync profiles list`)" in err
    assert f"logged to {log_file_path()}" in err
    code, _, err = run_exsync(capsys, monkeypatch, "diagnose", "nosuch")
    assert "logged to" not in err
