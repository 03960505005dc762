"""The TUI while 8 mailboxes sync at full speed: key-to-screen latency, and throughput vs headless.

`python -m bench.tui_bench [--messages 1000] [--mailboxes 8] [--rounds 2]`

The TUI runs in this process under Pilot (headless, 80x24): `S` starts every
mailbox, and while they sync, `space` is pressed over and over on the first row
of the live sync screen; each sample is the time from the key event being posted
(as the terminal driver posts it) until the first frame composed for the
terminal that shows the first row's mark (▸/▾) changed. (Pilot's own press() is
not used: it waits until the whole process is idle, which it never is while
syncs run.) The TUI syncs each mailbox in its own process (one `SyncRun`), so
the UI keeps its interpreter lock to itself. The same mailboxes are synced
headless (one `SyncRun`, from a fresh interpreter, as `exsync sync --all` does),
and the message rates are compared. Every run gets a sandbox process of its own
(`exsync sandbox --json`) and fresh directories, and the rounds alternate which
side goes first. Targets (issue 10): median < 50 ms, p99 < 150 ms, throughput
with the TUI open at least 90% of headless.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.source_fetch import bench_profile, running_sandbox
from bench.sync_bench import _child_sync


def _use_dirs(root: Path) -> None:
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        (root / name.lower()).mkdir(parents=True, exist_ok=True)
        os.environ[f"XDG_{name}_HOME"] = str(root / name.lower())


async def _drive(info: dict[str, Any], indexes: list[int]) -> dict[str, Any]:
    from exsync_tui.core.profiles import Config
    from exsync_tui.core.secrets import SecretStore
    from exsync_tui.core.secrets.memory import MemoryKeyring
    from exsync_tui.ui.app import ExsyncApp
    from exsync_tui.ui.context import UiContext
    from exsync_tui.ui.screens.sync import SyncScreen
    from exsync_tui.ui.widgets.sync_table import SyncTable

    store = SecretStore(MemoryKeyring())
    config = Config()
    for index in indexes:
        profile = bench_profile(info, index)
        store.set_password(profile.id, info["users"][index]["password"])
        config.add(profile)
    app = ExsyncApp(UiContext(initial_config=config, persist=False, secrets_factory=lambda: store))
    samples: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        shown: list[Any] = []  # the sync table, once its screen is up
        frames = _count_frames(app, lambda: _first_mark(shown[0]) if shown else "")
        await pilot.pause()
        started, cpu_started = time.perf_counter(), time.process_time()
        await pilot.press("S")
        while not isinstance(app.screen, SyncScreen):
            await asyncio.sleep(0.005)
        await pilot.pause()
        table = app.screen.query_one(SyncTable)
        shown.append(table)
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


def _first_mark(table: Any) -> str:
    """The first row's mark as last drawn: "▸" or "▾" (its folders shown).

    Read from the lines Textual keeps of what it rendered (line 0 is the headings), not
    from the table's data: the data changes at once, the drawing a frame or more later.
    """
    drawn = table._styles_cache._cache.get(1)
    return str(drawn.text).strip()[:1] if drawn is not None else ""


def _count_frames(app: Any, mark: Callable[[], str]) -> list[tuple[float, str]]:
    """When each frame was composed for the terminal, and the mark it showed.

    Headless, a frame is composed and then not written. The mark is read as the frame
    is handed over, just after it was rendered: what the frame shows.
    """
    frames: list[tuple[float, str]] = []
    display = app._display

    def timed(screen: Any, renderable: Any) -> None:
        if renderable is not None:
            frames.append((time.perf_counter(), mark()))
        display(screen, renderable)

    app._display = timed
    return frames


async def _one_press(app: Any, table: Any, frames: list[tuple[float, str]]) -> float:
    """Post ``space`` as the terminal driver would; seconds until a frame shows its effect."""
    from textual import events

    # What the last frame showed (the line kept for it may be cleared between frames).
    before = (frames[-1][1] if frames else "") or _first_mark(table)
    seen = len(frames)
    pressed = time.perf_counter()
    app.post_message(events.Key("space", " "))
    while True:
        for at, shown in frames[seen:]:
            if shown != before:
                return at - pressed
        seen = len(frames)
        await asyncio.sleep(0.001)


def run(messages: int, mailboxes: int, rounds: int = 2) -> dict[str, Any]:
    """TUI and headless syncs, each against a fresh sandbox, in alternating order; the figures.

    The order alternates so that neither side always runs on a machine the other
    has just warmed (or heated); rates are totals over the rounds.
    """
    indexes = list(range(mailboxes))
    tuis: list[dict[str, Any]] = []
    headlesses: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="exsync-bench-tui-") as scratch:
        root = Path(scratch)
        for number in range(rounds):
            order = ("tui", "headless") if number % 2 == 0 else ("headless", "tui")
            for side in order:
                # A sandbox of its own: no run is served from another's warm caches.
                with running_sandbox(messages, 0, users=mailboxes, events=0) as (_, info):
                    if side == "tui":
                        _use_dirs(root / f"tui-{number}")
                        tuis.append(asyncio.run(_drive(info, indexes)))
                    else:
                        target = root / f"headless-{number}"
                        headlesses.append(_child_sync(info, indexes, "together", target))
    tui = {
        "new": sum(one["new"] for one in tuis),
        "elapsed": sum(one["elapsed"] for one in tuis),
        "samples_ms": [sample for one in tuis for sample in one["samples_ms"]],
        "idle_ms": statistics.median(one["idle_ms"] for one in tuis),
        "ui_cpu_s": sum(one["ui_cpu_s"] for one in tuis),
    }
    headless = {
        "new": sum(one["new"] for one in headlesses),
        "elapsed": sum(one["elapsed"] for one in headlesses),
    }
    samples = sorted(tui["samples_ms"])
    # A tiny run can finish before the first key press is measured: no figure, not a crash.
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))] if samples else math.nan
    tui_rate = tui["new"] / tui["elapsed"]
    headless_rate = headless["new"] / headless["elapsed"]
    return {
        "mailboxes": mailboxes,
        "messages": messages,
        "rounds": rounds,
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
    print(
        f"{figures['mailboxes']} mailboxes x {figures['messages']} messages, TUI at 80x24, "
        f"{figures['rounds']} round(s) each way"
    )
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
    figures = run(5, 2, rounds=1)
    report(figures)
    return figures


def main() -> int:
    """Parse the flags, measure, print."""
    parser = argparse.ArgumentParser(prog="python -m bench.tui_bench", description=__doc__)
    parser.add_argument("--messages", type=int, default=1000, help="messages per mailbox")
    parser.add_argument("--mailboxes", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="TUI and headless runs of each")
    args = parser.parse_args()
    report(run(args.messages, args.mailboxes, args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
