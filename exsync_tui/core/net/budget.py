"""Waiting for a busy server within a time budget: the one rule EWS and Graph retries share.

A retry waits what the server asked (or a back-off), but never past the
request's deadline (then the caller gives up with ``server-busy`` at once,
rather than sleeping only to fail), and a cancel ends the wait at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import Enum


class WaitOutcome(Enum):
    """How a budgeted wait ended."""

    WAITED = "waited"  # the whole wait passed: retry now
    OVER_BUDGET = "over-budget"  # the wait would pass the deadline: nothing was waited
    CANCELLED = "cancelled"  # cancelled before or during the wait


def wait_within_budget(
    wait: float,
    deadline: float,
    cancel: threading.Event,
    before_wait: Callable[[float], None] | None = None,
) -> WaitOutcome:
    """Wait ``wait`` seconds on ``cancel`` unless that would pass ``deadline``
    (``time.monotonic()``); ``before_wait`` hears of a wait that is about to happen."""
    if cancel.is_set():
        return WaitOutcome.CANCELLED
    if time.monotonic() + wait > deadline:
        return WaitOutcome.OVER_BUDGET
    if before_wait is not None:
        before_wait(wait)
    return WaitOutcome.CANCELLED if cancel.wait(wait) else WaitOutcome.WAITED


def spent_detail(who: str, wait: float | None, budget_s: float, per_request: bool) -> str:
    """The ``server-busy`` detail when a wait would pass the budget."""
    asked = f", asking to wait {wait:.0f} s" if wait is not None else ""
    per = " per request" if per_request else ""
    return f"{who}{asked}; the budget of {budget_s:.0f} s{per} is spent"
