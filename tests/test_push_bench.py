"""`bench/push_bench.py` still runs (smoke mode): a broken benchmark fails `make test`."""

from __future__ import annotations

from bench import push_bench


def test_push_bench_smoke_counts_requests_on_the_server() -> None:
    figures = push_bench.smoke()
    batched, single = figures["batched"], figures["one_per_message"]
    assert batched["count"] == single["count"] == figures["changes"] == 30
    assert batched["requests"] == 1  # one UpdateItem carries every change
    assert single["requests"] == 30
    assert batched["seconds"] > 0 and single["seconds"] > 0
