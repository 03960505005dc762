"""How fast the sandbox starts: the default config in-process, and the large mailboxes as a process.

`python -m bench.sandbox_start [--quick] [--scale] [--tiny]`

The default config's start and stop bound how fast the test suite can be (it was a test with
a wall-clock limit, which failed on a busy machine; here it is a figure). `--scale` starts
`exsync sandbox --json` with the sizes the sync benchmarks need (issue 8: 8 mailboxes of
10,000 messages, or one of 50,000 with 1,000 events; under 10 s, under 500 MB) and reports the
time to its ready line, the CPU seconds the process used to get there (load-independent), its
peak RSS, and the sandbox's CPU per message served by the raw GetItem client.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from exsync_tui.sandbox import Sandbox, SandboxConfig

TARGET_S = 1.0
SCALE_TARGET_S, SCALE_TARGET_MB = 10.0, 500
SCALES = ((8, 10_000, 0), (1, 50_000, 1_000))


def _once() -> float:
    started = time.perf_counter()
    with Sandbox(SandboxConfig()):
        pass
    return time.perf_counter() - started


def run(quick: bool = False) -> None:
    """Print the median and worst start-and-stop time of the default sandbox."""
    rounds = 3 if quick else 10
    times = [_once() for _ in range(rounds)]
    print("Sandbox start and stop, default config")
    print(f"  median {statistics.median(times):.2f} s, worst {max(times):.2f} s of {rounds} rounds")
    print(f"  target: well under {TARGET_S:.0f} s on this machine")


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def measure(users: int, messages: int, events: int, serve: bool = True) -> dict[str, Any]:
    """Start one large sandbox process; its start time, CPU, peak RSS and serving cost."""
    from bench.sync_bench import _raw  # the raw GetItem client, the ceiling the benches use

    command = [sys.executable, "-m", "exsync_tui", "sandbox", "--json", f"--users={users}",
               f"--messages={messages}", f"--events={events}", "--seed=11"]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        figures: dict[str, Any] = {
            "users": users,
            "messages": messages,
            "events": events,
            "ready_s": time.perf_counter() - started,
            "cpu_s": _cpu_s(process.pid),
            "peak_mb": _peak_mb(process.pid),
        }
        if serve:
            before = _cpu_s(process.pid)
            count, size, seconds = _raw(info, 0)
            figures["served"] = {
                "count": count,
                "msgs_s": count / seconds,
                "mb_s": size / seconds / 1e6,
                "server_cpu_ms_per_msg": (_cpu_s(process.pid) - before) / count * 1000,
            }
            figures["peak_mb_after_serving"] = _peak_mb(process.pid)
        return figures
    finally:
        process.terminate()
        process.wait(30)


def report(figures: dict[str, Any]) -> None:
    """One size's figures against the targets."""
    size = f"{figures['users']} x {figures['messages']:,} messages, {figures['events']:,} events"
    print(f"Sandbox process start, {size} (load average {os.getloadavg()[0]:.1f})")
    print(f"  ready after {figures['ready_s']:.1f} s wall, {figures['cpu_s']:.1f} s CPU; "
          f"peak RSS {figures['peak_mb']:.0f} MB "
          f"(targets: < {SCALE_TARGET_S:.0f} s, < {SCALE_TARGET_MB} MB)")  # fmt: skip
    served = figures.get("served")
    if served:
        print(f"  raw GetItem of mailbox 1: {served['count']} messages, {served['msgs_s']:.0f} "
              f"msgs/s, {served['mb_s']:.0f} MB/s, sandbox CPU "
              f"{served['server_cpu_ms_per_msg']:.3f} ms per message; peak RSS after "
              f"{figures['peak_mb_after_serving']:.0f} MB")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Parse the flags and run."""
    parser = argparse.ArgumentParser(prog="python -m bench.sandbox_start", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--scale", action="store_true", help="the large mailboxes too")
    parser.add_argument("--tiny", action="store_true", help="one round, a small process (smoke)")
    args = parser.parse_args(argv)
    if args.tiny:
        run(quick=True)
        report(measure(1, 30, 2))
        return 0
    run(quick=args.quick)
    for users, messages, events in SCALES if args.scale else ():
        report(measure(users, messages, events))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
