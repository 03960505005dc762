"""Fetching content in batches, several batches in flight, results handed out as they arrive.

Protocol-neutral: a source gives a function that fetches one batch (one
request); this module cuts the ids into batches, refuses what is over the size
cap before asking for it when the size is known, keeps a bounded number of
batches in flight on a :class:`~exsync_tui.core.sources.pool.ScopedPool`, and
stops sending more once the consumer closes the iterator or cancels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial

from exsync_tui.core.sources.base import FetchedItem, FetchProblem
from exsync_tui.core.sources.pool import ScopedPool

BatchFetcher = Callable[[list[str]], list[FetchedItem]]

DEFAULT_BATCH_BYTES = 16 * 1024 * 1024
"""A batch stops growing at this many bytes of known sizes, so memory stays bounded."""


@dataclass(frozen=True)
class FetchPlan:
    """Batches to request, and items refused without a request."""

    batches: tuple[tuple[str, ...], ...]
    refused: tuple[FetchedItem, ...]


def _too_large(item_id: str, size: int, max_bytes: int) -> FetchedItem:
    return FetchedItem(
        item_id,
        problem=FetchProblem.TOO_LARGE,
        detail=f"{size} bytes is over the limit of {max_bytes}",
    )


def plan_batches(
    item_ids: Sequence[str],
    *,
    batch_size: int,
    max_bytes: int | None = None,
    sizes: Mapping[str, int] | None = None,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
) -> FetchPlan:
    """Cut ``item_ids`` into batches of at most ``batch_size`` ids and about ``batch_bytes``."""
    sizes = sizes or {}
    batches: list[tuple[str, ...]] = []
    refused: list[FetchedItem] = []
    current: list[str] = []
    current_bytes = 0
    for item_id in dict.fromkeys(item_ids):  # each id once, in order
        size = sizes.get(item_id)
        if size is not None and max_bytes is not None and size > max_bytes:
            refused.append(_too_large(item_id, size, max_bytes))
            continue
        if current and (len(current) >= batch_size or current_bytes + (size or 0) > batch_bytes):
            batches.append(tuple(current))
            current, current_bytes = [], 0
        current.append(item_id)
        current_bytes += size or 0
    if current:
        batches.append(tuple(current))
    return FetchPlan(tuple(batches), tuple(refused))


def _capped(item: FetchedItem, max_bytes: int | None) -> FetchedItem:
    if max_bytes is None or item.content is None or len(item.content) <= max_bytes:
        return item
    return _too_large(item.item_id, len(item.content), max_bytes)


def fetch_in_flight(
    pool: ScopedPool,
    fetch_batch: BatchFetcher,
    plan: FetchPlan,
    *,
    in_flight: int,
    max_bytes: int | None = None,
) -> Iterator[FetchedItem]:
    """Run the plan's batches, ``in_flight`` at a time; yield each result as its batch lands.

    A failed batch raises its error here (the remaining batches are dropped).
    """
    yield from plan.refused
    waiting = list(plan.batches)
    running: set[Future[list[FetchedItem]]] = set()
    try:
        while waiting or running:
            while waiting and len(running) < in_flight:
                running.add(pool.submit(partial(fetch_batch, list(waiting.pop(0)))))
            for future in pool.wait_any(running):
                running.discard(future)
                for item in future.result():
                    yield _capped(item, max_bytes)
    finally:
        for future in running:
            future.cancel()
