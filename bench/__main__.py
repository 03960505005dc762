"""Run every benchmark: `python -m bench [--quick | --tiny]`.

Scripts with their own flags run alone: `bench.sync_bench`, `bench.source_fetch`,
`bench.tui_bench`, `bench.davmail_peer`, `bench.sandbox_start --scale`.
"""

from __future__ import annotations

import argparse

from bench import (
    exchangelib_chunks,
    graph_push_bench,
    push_bench,
    push_cli,
    sandbox_start,
    sandbox_throughput,
)


def main() -> int:
    """Parse the flags and run the benchmarks in turn."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller data, fewer rounds")
    parser.add_argument("--tiny", action="store_true", help="a few messages, to see it runs")
    args = parser.parse_args()
    sandbox_start.run(quick=args.quick or args.tiny)
    sandbox_throughput.run(quick=args.quick, tiny=args.tiny)
    exchangelib_chunks.run(quick=args.quick, tiny=args.tiny)
    changes = 30 if args.tiny else 200 if args.quick else 1000
    push_cli.run_all(push_bench.run_latency, changes)
    push_cli.run_all(graph_push_bench.run_latency, changes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
