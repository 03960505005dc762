"""`bench/graph_push_bench.py` still runs (smoke mode): a broken benchmark fails `make test`."""

from __future__ import annotations

from bench import graph_push_bench


def test_graph_push_bench_smoke_counts_batches_on_the_server() -> None:
    figures = graph_push_bench.smoke()
    batched, single = figures["batched"], figures["one_per_message"]
    assert batched["count"] == single["count"] == figures["changes"] == 30
    assert batched["requests"] == 2  # 20 + 10 PATCHes in two $batch requests
    assert single["requests"] == 30
    assert batched["seconds"] > 0 and single["seconds"] > 0
