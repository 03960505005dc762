"""The TUI while 8 mailboxes sync at full speed: key-to-screen latency, and throughput vs headless.

`python -m bench.tui_bench [--messages N] [--mailboxes 8]`

One sandbox process (`exsync sandbox --json`) serves every mailbox. The TUI runs
in this process under Pilot (headless, 80x24): `S` starts every mailbox, and
while they sync, `space` is pressed over and over on the first row of the live
sync screen; each sample is the time from the key event being posted (as the
terminal driver posts it) until a frame showing the first row's mark (▸/▾)
changed is composed for the terminal. (Pilot's own press() is not used: it
waits until the whole process is idle, which it never is while syncs run.)
Both the TUI and the headless run sync each mailbox in its own process (one
`SyncRun`), so the UI keeps its interpreter lock to itself. Then the same
mailboxes are synced headless (one `SyncRun`, from a fresh interpreter, as
`exsync sync --all` does) into fresh directories, and the message rates are
compared. Targets (issue 10): median < 50 ms, p99 < 150 ms,
throughput with the TUI open at least 90% of headless.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.source_fetch import bench_profile, start_sandbox
from bench.sync_bench import _child_sync


def _use_dirs(root: Path) -> None:
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        (root / name.lower()).mkdir(parents=True, exist_ok=True)
        os.environ[f"XDG_{name}_HOME"] = str(root / name.lower())


async def _drive(info: dict[str, Any], indexes: list[int]) -> dict[str, Any]:
    from textual.widgets import DataTable

    from exsync_tui.core.profiles import Config
    from exsync_tui.core.secrets import SecretStore
    from exsync_tui.core.secrets.memory import MemoryKeyring
    from exsync_tui.ui.app import ExsyncApp
    from exsync_tui.ui.context import UiContext
    from exsync_tui.ui.screens.sync import SyncScreen

    store = SecretStore(MemoryKeyring())
    config = Config()
    for index in indexes:
        profile = bench_profile(info, index)
        store.set_password(profile.id, info["users"][index]["password"])
        config.add(profile)
    app = ExsyncApp(UiContext(initial_config=config, persist=False, secrets_factory=lambda: store))
    samples: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        frames = _count_frames(app)
        await pilot.pause()
        started, cpu_started = time.perf_counter(), time.process_time()
        await pilot.press("S")
        while not isinstance(app.screen, SyncScreen):
            await asyncio.sleep(0.005)
        await pilot.pause()
        table = app.screen.query_one("#sync-rows", DataTable)
        while True:  # at least one sample, even when the syncs end at once (smoke size)
            samples.append(await _one_press(app, table, frames))
            if not app.syncs.board.active():
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        ui_cpu = time.process_time() - cpu_started  # the UI process alone: no sync runs in it
        rows = list(app.syncs.board.mailboxes.values())
        idle = [await _one_press(app, table, frames) for _ in range(10)]
    failed = [row.profile for row in rows if row.topic]
    if failed:
        raise RuntimeError(f"syncs failed in the TUI: {failed}")
    return {
        "elapsed": elapsed,
        "new": sum(row.kept.new for row in rows),
        "samples_ms": [s * 1000 for s in samples],
        "idle_ms": statistics.median(idle) * 1000,
        "ui_cpu_s": ui_cpu,
    }


def _count_frames(app: Any) -> list[float]:
    """When each frame was composed for the terminal (headless: composed, then not written)."""
    frames: list[float] = []
    display = app._display

    def timed(screen: Any, renderable: Any) -> None:
        if renderable is not None:
            frames.append(time.perf_counter())
        display(screen, renderable)

    app._display = timed
    return frames


async def _one_press(app: Any, table: Any, frames: list[float]) -> float:
    """Post ``space`` as the terminal driver would; seconds until a frame shows its effect."""
    from textual import events
    from textual.coordinate import Coordinate

    before = str(table.get_cell_at(Coordinate(0, 0)))  # "▸ name", or "▾ name" once opened
    pressed = time.perf_counter()
    app.post_message(events.Key("space", " "))
    while str(table.get_cell_at(Coordinate(0, 0))) == before:
        await asyncio.sleep(0.001)
    changed = time.perf_counter()
    while not frames or frames[-1] < changed:
        await asyncio.sleep(0.001)
    return frames[-1] - pressed


def run(messages: int, mailboxes: int) -> dict[str, Any]:
    """Both measurements against one sandbox; the figures as a dict."""
    process, info = start_sandbox(messages, 0, users=mailboxes, events=0)
    indexes = list(range(mailboxes))
    try:
        with tempfile.TemporaryDirectory(prefix="exsync-bench-tui-") as scratch:
            root = Path(scratch)
            _use_dirs(root / "tui")
            tui = asyncio.run(_drive(info, indexes))
            headless = _child_sync(info, indexes, "together", root / "headless")
    finally:
        process.terminate()
        process.wait(30)
    samples = sorted(tui["samples_ms"])
    # A tiny run can finish before the first key press is measured: no figure, not a crash.
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))] if samples else math.nan
    tui_rate = tui["new"] / tui["elapsed"]
    headless_rate = headless["new"] / headless["elapsed"]
    return {
        "mailboxes": mailboxes,
        "messages": messages,
        "samples": len(samples),
        "median_ms": statistics.median(samples) if samples else math.nan,
        "p99_ms": p99,
        "max_ms": samples[-1] if samples else math.nan,
        "idle_ms": tui["idle_ms"],
        "ui_cpu_share": tui["ui_cpu_s"] / tui["elapsed"],
        "tui_msgs_s": tui_rate,
        "headless_msgs_s": headless_rate,
        "ratio": tui_rate / headless_rate,
    }


def report(figures: dict[str, Any]) -> None:
    """Print the figures beside the issue's targets."""
    print(f"{figures['mailboxes']} mailboxes x {figures['messages']} messages, TUI at 80x24")
    print(
        f"  key-to-screen  median {figures['median_ms']:6.1f} ms (target < 50)   "
        f"p99 {figures['p99_ms']:6.1f} ms (target < 150)   max {figures['max_ms']:6.1f} ms   "
        f"({figures['samples']} presses; {figures['idle_ms']:.1f} ms with no sync running)"
    )
    print(f"  UI process     {figures['ui_cpu_share']:.2f} of a core during the sync")
    print(
        f"  throughput     TUI {figures['tui_msgs_s']:6.0f} msgs/s   headless "
        f"{figures['headless_msgs_s']:6.0f} msgs/s   ratio {figures['ratio']:.2f} (target >= 0.90)"
    )


def smoke() -> dict[str, Any]:
    """Both measurements at a tiny size (for a test: proves the bench runs)."""
    figures = run(5, 2)
    report(figures)
    return figures


def main() -> int:
    """Parse the flags, measure, print."""
    parser = argparse.ArgumentParser(prog="python -m bench.tui_bench", description=__doc__)
    parser.add_argument("--messages", type=int, default=300, help="messages per mailbox")
    parser.add_argument("--mailboxes", type=int, default=8)
    args = parser.parse_args()
    report(run(args.messages, args.mailboxes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
