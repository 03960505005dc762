"""The Graph-vs-EWS benchmark's smoke mode runs end to end (figures belong in bench/)."""

from __future__ import annotations

from bench import graph_vs_ews


def test_the_graph_vs_ews_bench_runs_in_smoke_mode() -> None:
    (figures,) = graph_vs_ews.run(messages=20, latencies=(0,), rounds=1)
    assert figures["ews"]["new"] == figures["graph"]["new"] > 0
    assert figures["graph_over_ews"] > 0
