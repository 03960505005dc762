"""The sync benchmarks at a tiny size, so a broken bench fails `make test` (no figures judged).

The TUI bench points this process's XDG directories elsewhere; the per-test XDG
fixture (tests/conftest.py) set them through monkeypatch, which restores them.
"""

from __future__ import annotations

import pytest

from bench import sync_bench, tui_bench

pytestmark = pytest.mark.timeout(600)  # a dozen interpreters start; slow on a loaded machine


def test_the_sync_bench_runs_every_path() -> None:
    figures = sync_bench.smoke()

    # The naive script reads every mail folder, as exsync does: the same count.
    assert figures["exsync"]["count"] == 5 and figures["naive"]["count"] == 5
    assert figures["noop"]["requests"]  # the no-op sync was counted
    many = figures["mailboxes"]
    assert many["count"] == 2 and many["messages"] == 10
    assert many["together_s"] > 0 and many["one_by_one_s"] > 0


def test_the_tui_bench_measures_keys_and_both_throughputs() -> None:
    figures = tui_bench.smoke()

    assert figures["samples"] >= 1 and figures["median_ms"] > 0
    assert figures["tui_msgs_s"] > 0 and figures["headless_msgs_s"] > 0
