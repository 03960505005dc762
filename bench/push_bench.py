"""Pushing flag changes: exsync's batched UpdateItem against one UpdateItem per message.

`python -m bench.push_bench [--changes 1000] [--latency-ms 0,30] [--smoke]`

The sandbox runs as its own process. Both ways go through the same EWS source
(exsync's adapter, change keys, NeverOverwrite); the only difference is how many
items one request carries, so the ratio is the batching alone. Requests are
counted in the sandbox's request log, not by the client.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import requests

from bench import push_cli
from bench.source_fetch import bench_profile, running_sandbox
from exsync_tui.core.sources import FlagPush, FolderKind, MailboxSource, PushStatus
from exsync_tui.core.sources.ews import EwsSource


def _control(info: dict[str, Any], method: str) -> Any:
    response = requests.post(f"{info['control_url']}/{method}", json={}, timeout=60)
    response.raise_for_status()
    return response.json()


def _messages(source: MailboxSource, wanted: int) -> list[tuple[str, str | None, bool]]:
    """(id, change key, is read) of up to ``wanted`` messages, from a first item sync."""
    found: list[tuple[str, str | None, bool]] = []
    state = None
    while True:
        page = source.sync_hierarchy(state)
        folders = [f for f in page.created if f.kind is FolderKind.MAIL]
        for folder in folders:
            item_state = None
            while len(found) < wanted:
                items = source.sync_items(folder.folder_id, item_state, 512)
                found += [(c.item_id, c.change_key, bool(c.is_read)) for c in items.created]
                item_state = items.sync_state
                if items.includes_last:
                    break
        if page.includes_last or len(found) >= wanted:
            return found[:wanted]
        state = page.sync_state


def _push(source: MailboxSource, messages: list[tuple[str, str | None, bool]], per: int) -> float:
    pushes = [FlagPush(i, key, is_read=not read) for i, key, read in messages]
    started = time.perf_counter()
    results = []
    for start in range(0, len(pushes), per):
        results += source.update_flags(pushes[start : start + per])
    elapsed = time.perf_counter() - started
    bad = [r for r in results if r.status is not PushStatus.DONE]
    if bad:
        raise RuntimeError(f"{len(bad)} pushes failed: {bad[0]}")
    return elapsed


def measure(
    changes: int,
    latency_ms: int,
    open_source: Callable[[dict[str, Any]], MailboxSource],
    operations: tuple[str, ...],
) -> dict[str, Any]:
    """Both ways at one latency through ``open_source(info)``: time, and the requests
    the sandbox logged under ``operations``."""
    figures: dict[str, Any] = {"latency_ms": latency_ms, "changes": changes}
    # The generator spreads messages over many folders; ask for enough in all.
    with (
        running_sandbox(changes + changes // 4 + 20, latency_ms) as (_, info),
        open_source(info) as source,
    ):
        for label, per in (("batched", changes), ("one_per_message", 1)):
            messages = _messages(source, changes)  # fresh change keys each round
            _control(info, "clear_request_log")
            seconds = _push(source, messages, per)
            log = _control(info, "request_log")["result"]
            ops = Counter(str(entry.get("operation")) for entry in log)
            figures[label] = {
                "seconds": round(seconds, 3),
                "requests": sum(ops[operation] for operation in operations),
                "changes_s": round(len(messages) / seconds, 1),
                "count": len(messages),
            }
    figures["speedup"] = round(
        figures["one_per_message"]["seconds"] / figures["batched"]["seconds"], 1
    )
    return figures


def _ews_source(info: dict[str, Any]) -> MailboxSource:
    return EwsSource.from_profile(bench_profile(info), info["users"][0]["password"])


def run_latency(changes: int, latency_ms: int) -> dict[str, Any]:
    """Both ways at one latency: time and UpdateItem requests."""
    return measure(changes, latency_ms, _ews_source, ("UpdateItem",))


def smoke() -> dict[str, Any]:
    """A tiny run for the test suite: proves the bench works, measures nothing."""
    return push_cli.smoke(run_latency)


if __name__ == "__main__":
    raise SystemExit(push_cli.main("python -m bench.push_bench", __doc__, run_latency))
