"""The command line the push benchmarks share: ``--changes``, ``--latency-ms``, ``--smoke``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

RunLatency = Callable[[int, int], dict[str, Any]]
"""``run_latency(changes, latency_ms)``: one latency's figures."""


def smoke(run_latency: RunLatency) -> dict[str, Any]:
    """A tiny run for the test suite: proves the bench works, measures nothing."""
    return run_latency(30, 0)


def run_all(run_latency: RunLatency, changes: int, latencies: tuple[int, ...] = (0, 30)) -> None:
    """Every latency; one JSON line of figures each."""
    for latency in latencies:
        print(json.dumps(run_latency(changes, latency)))


def main(prog: str, description: str | None, run_latency: RunLatency) -> int:
    """Parse the flags; print one JSON line of figures per latency (or the smoke run's)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--latency-ms", default="0,30", help="comma-separated latencies")
    parser.add_argument("--smoke", action="store_true", help="a tiny run (as the tests do)")
    args = parser.parse_args()
    if args.smoke:
        print(json.dumps(smoke(run_latency)))
        return 0
    run_all(run_latency, args.changes, tuple(int(v) for v in args.latency_ms.split(",")))
    return 0
