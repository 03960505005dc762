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
