"""A first sync of the same mailbox through Microsoft Graph and through EWS, as a ratio.

`python -m bench.graph_vs_ews [--messages N] [--latency-ms 0,30] [--rounds R]`

The sandbox runs as its own process (`exsync sandbox --json`); each first sync runs
`sync_profile` in a child process with its own empty data directories, 4 requests
in flight either way (EWS: 4 connections with GetItem batches of 50; Graph: 4
`$value` requests at a time, Outlook's per-mailbox limit). The Graph child takes
its bearer token from the sandbox's control API. Rounds alternate EWS and Graph,
so both see the same machine load; the median is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.source_fetch import running_sandbox

_CHILD = """
import json, sys, time
from dataclasses import replace
import requests
from bench.source_fetch import bench_profile
from exsync_tui.core.profiles import ConnectionMode
from exsync_tui.core.sync.engine import graph_source_factory, sync_profile
info, via = json.load(sys.stdin)  # stdin, not argv: info holds the mailbox passwords
profile = bench_profile(info, 0)
started = time.perf_counter()
if via == "graph":
    answer = requests.post(info["control_url"] + "/issue_access_token",
                           json={"email": profile.email}, timeout=30)
    token = answer.json()["result"]
    profile = replace(profile, mode=ConnectionMode.OFFICE365, ews_url=None)
    factory = graph_source_factory(lambda: token, info["graph_url"])
    started = time.perf_counter()
    result = sync_profile(profile, "", office365_source=factory)
else:
    result = sync_profile(profile, info["users"][0]["password"])
elapsed = time.perf_counter() - started
print(json.dumps({"elapsed": elapsed, "ok": result.ok, "topic": result.topic,
                  "new": result.counts.new, "bytes": result.counts.bytes}))
"""


def _child(info: dict[str, Any], via: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"exsync-bench-{via}-") as scratch:
        xdg = Path(scratch)
        env = {
            **os.environ,
            **{f"XDG_{k}_HOME": str(xdg / k.lower()) for k in ("DATA", "STATE", "CONFIG")},
        }
        done = subprocess.run(
            [sys.executable, "-c", _CHILD], input=json.dumps([info, via]),
            capture_output=True, text=True, env=env, check=True, timeout=3600,
        )  # fmt: skip
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if not figures["ok"]:
        raise RuntimeError(f"the {via} sync failed: {figures['topic']}")
    return figures


def run_latency(messages: int, latency_ms: int, rounds: int) -> dict[str, Any]:
    """Median first-sync figures of both ways at one latency."""
    with running_sandbox(messages, latency_ms) as (_, info):
        runs: dict[str, list[dict[str, Any]]] = {"ews": [], "graph": []}
        for _ in range(rounds):
            for via in ("ews", "graph"):
                runs[via].append(_child(info, via))
    figures: dict[str, Any] = {"latency_ms": latency_ms, "messages": messages}
    for via, results in runs.items():
        if len({r["new"] for r in results}) != 1:
            raise RuntimeError(f"{via} rounds wrote different message counts")
        elapsed = statistics.median(r["elapsed"] for r in results)
        figures[via] = {"new": results[0]["new"], "seconds": elapsed,
                        "rate": results[0]["new"] / elapsed if elapsed else 0.0}  # fmt: skip
    if figures["ews"]["new"] != figures["graph"]["new"]:
        raise RuntimeError("EWS and Graph wrote different numbers of messages")
    figures["graph_over_ews"] = figures["graph"]["rate"] / (figures["ews"]["rate"] or 1)
    return figures


def report(figures: dict[str, Any]) -> None:
    """Print one latency's figures."""
    print(f"latency {figures['latency_ms']} ms, {figures['messages']} messages per mailbox")
    for via in ("ews", "graph"):
        found = figures[via]
        print(f"  {via:5} first sync: {found['new']} messages in {found['seconds']:.2f} s "
              f"= {found['rate']:.0f} msgs/s")  # fmt: skip
    print(f"  Graph / EWS: {figures['graph_over_ews']:.2f}x")


def run(
    messages: int = 1000, latencies: tuple[int, ...] = (0, 30), rounds: int = 3
) -> list[dict[str, Any]]:
    """Every latency's figures (printed too); ``messages=20, rounds=1`` is the smoke mode."""
    found = [run_latency(messages, latency, rounds) for latency in latencies]
    for figures in found:
        report(figures)
    return found


def main() -> int:
    """Parse the flags and run."""
    parser = argparse.ArgumentParser(prog="python -m bench.graph_vs_ews", description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--latency-ms", default="0,30")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    latencies = tuple(int(v) for v in args.latency_ms.split(",") if v)
    run(args.messages, latencies, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
