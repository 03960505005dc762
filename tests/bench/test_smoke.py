"""Every benchmark script runs end to end at a tiny size (a broken bench once went unnoticed).

The figures are not checked: they belong in bench/RESULTS.md. What is checked is that each
script finishes and prints the figures it exists for. DavMail's peer bench needs Java and
runs with the interop test (tests/interop/test_davmail_mbsync.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[2]
_SCRIPTS = {
    "bench": (["--tiny"], ["msgs/s", "ratio:", "Sandbox start and stop"]),
    "bench.sandbox_start": (["--tiny"], ["ready after", "ms per message"]),
    "bench.source_fetch": (["--messages=10", "--connections=1"], ["baseline", "msgs/s"]),
    "bench.sync_bench": (
        ["--messages=10", "--events=2", "--latency-ms=0", "--mailboxes=2", "--json"],
        ["exsync / naive", "no-op sync", "2 mailboxes at once"],
    ),
    "bench.tui_bench": (["--messages=30", "--mailboxes=2"], ["2 mailboxes x 30 messages"]),
}


@pytest.mark.timeout(600)  # each script starts a dozen interpreters: slow on a loaded machine
@pytest.mark.parametrize("module", sorted(_SCRIPTS))
def test_each_bench_script_runs_at_a_tiny_size(module: str) -> None:
    arguments, expected = _SCRIPTS[module]
    done = subprocess.run(
        [sys.executable, "-m", module, *arguments],
        capture_output=True, text=True, cwd=_ROOT, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert all(phrase in done.stdout for phrase in expected), done.stdout
    if module == "bench.sync_bench":
        figures = json.loads(done.stdout.splitlines()[-1])
        # Every path counted every message: naive reads every mail folder, as exsync does.
        assert figures["exsync"]["count"] == figures["naive"]["count"] == 10
        assert figures["noop"]["requests"]["SyncFolderHierarchy"] == 1
        assert figures["mailboxes"]["messages"] == 20
