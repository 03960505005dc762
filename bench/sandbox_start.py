"""How long the sandbox with the default config takes to start and stop (target: well under 1 s).

Every sandbox test pays this, so it bounds how fast the suite can be. It was a test
with a wall-clock limit, which failed on a busy machine; here it is a figure.
"""

from __future__ import annotations

import statistics
import time

from exsync_tui.sandbox import Sandbox, SandboxConfig

TARGET_S = 1.0


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
