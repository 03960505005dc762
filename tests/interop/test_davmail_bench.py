"""The DavMail + mbsync peer benchmark runs end to end at a tiny size (it needs Java, as the
interop test does; the other benchmarks' smoke test is tests/bench/test_smoke.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from exsync_tui.sandbox.davmail import DEBIAN_PACKAGES, missing_tools


@pytest.mark.system
def test_the_davmail_peer_bench_runs_at_a_tiny_size() -> None:
    missing = missing_tools()
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: install the Debian packages {DEBIAN_PACKAGES}")
    done = subprocess.run(
        [sys.executable, "-m", "bench.davmail_peer", "--tiny"],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], timeout=600,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "DavMail + mbsync" in done.stdout and "exsync / peer" in done.stdout, done.stdout
