"""Pushing flag changes through Graph: 20 PATCHes per ``$batch`` against one request per message.

`python -m bench.graph_push_bench [--changes 1000] [--latency-ms 0,30] [--smoke]`

The sandbox runs as its own process. Both ways go through the same Graph source
(exsync's client, ``If-Match`` change keys, 429 handling); the only difference is how
many pushes one call carries: all of them (exsync: 20 per ``$batch``, one batch at a
time) or one (a ``$batch`` of one ``PATCH``: one request per message, as a client
without batching sends). Requests are counted in the sandbox's request log.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import requests

from bench import push_cli
from bench.push_bench import measure
from bench.source_fetch import bench_profile
from exsync_tui.core.profiles import ConnectionMode
from exsync_tui.core.sources.graph import GraphSource
from exsync_tui.core.sources.graph_settings import graph_settings_from_profile


def _source(info: dict[str, Any]) -> GraphSource:
    profile = replace(bench_profile(info, 0), mode=ConnectionMode.OFFICE365, ews_url=None)
    answer = requests.post(f"{info['control_url']}/issue_access_token",
                           json={"email": profile.email}, timeout=30)  # fmt: skip
    answer.raise_for_status()
    token = str(answer.json()["result"])
    return GraphSource(graph_settings_from_profile(profile, info["graph_url"]), lambda: token)


def run_latency(changes: int, latency_ms: int) -> dict[str, Any]:
    """Both ways at one latency: time and Graph requests."""
    return measure(changes, latency_ms, _source, ("GraphBatch", "GraphPatch"))


def smoke() -> dict[str, Any]:
    """A tiny run for the test suite: proves the bench works, measures nothing."""
    return push_cli.smoke(run_latency)


if __name__ == "__main__":
    raise SystemExit(push_cli.main("python -m bench.graph_push_bench", __doc__, run_latency))
