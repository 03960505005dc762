"""The TUI benchmark at a tiny size, so a broken bench fails `make test` (no figures judged).

The TUI bench points this process's XDG directories elsewhere; the per-test XDG
fixture (tests/conftest.py) set them through monkeypatch, which restores them.
"""

from __future__ import annotations

import pytest

from bench import tui_bench

pytestmark = pytest.mark.timeout(600)  # a dozen interpreters start; slow on a loaded machine


def test_the_tui_bench_measures_keys_and_both_throughputs() -> None:
    figures = tui_bench.smoke()

    assert figures["samples"] >= 1 and figures["median_ms"] > 0
    assert figures["tui_msgs_s"] > 0 and figures["headless_msgs_s"] > 0
