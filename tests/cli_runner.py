"""Running the real ``exsync`` entry point in-process, as the CLI tests do."""

from __future__ import annotations

import io

import pytest

from exsync_tui.cli import main


def run_exsync(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: str = "",
    tty: bool = False,
) -> tuple[int, str, str]:
    """``exsync ARGV`` with ``stdin`` as its input; returns (exit code, stdout, stderr).

    ``tty`` makes stdin claim to be a terminal, for the paths that ask before acting.
    """
    stream = io.StringIO(stdin)
    stream.isatty = lambda: tty  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stdin", stream)
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err
