"""Run every benchmark: `python -m bench [--quick]`."""

from __future__ import annotations

import argparse

from bench import (
    exchangelib_chunks,
    graph_push_bench,
    push_bench,
    sandbox_start,
    sandbox_throughput,
)


def main() -> int:
    """Parse the flags and run the benchmarks in turn."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller data, fewer rounds")
    args = parser.parse_args()
    sandbox_start.run(quick=args.quick)
    sandbox_throughput.run(quick=args.quick)
    exchangelib_chunks.run(quick=args.quick)
    push_bench.run(changes=200 if args.quick else 1000)
    graph_push_bench.main_run(changes=200 if args.quick else 1000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
