"""Running blocking core calls so that the UI never waits on them.

Textual runs thread workers in asyncio's default executor, and both
``asyncio.run`` and the interpreter join that executor's threads on exit. A
request hung on a dead network would therefore keep ``exsync`` from quitting.
:func:`run_abandonable` runs the call in a daemon thread instead and returns as
soon as the cancel event is set, so the worker thread ends promptly and the
hung call is abandoned (the core call also receives the event and stops on its
own at its next check).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Cancelled(Exception):
    """The user (or quitting) cancelled the work before it finished."""


class _Outcome:
    """The result or the exception of the abandoned-able call, and when it is ready."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.value: object = None
        self.error: BaseException | None = None


def run_abandonable(call: Callable[[], T], cancel: threading.Event, *, name: str = "exsync") -> T:
    """Run ``call`` in a daemon thread; return its result or raise :class:`Cancelled`.

    Raises whatever ``call`` raised. Waits on two events only, so it returns
    within milliseconds of ``cancel`` being set even when ``call`` never does.
    """
    outcome = _Outcome()

    def runner() -> None:
        try:
            outcome.value = call()
        except BaseException as error:  # handed to the waiting worker, which re-raises it
            outcome.error = error
        finally:
            outcome.ready.set()

    threading.Thread(target=runner, name=name, daemon=True).start()
    while not outcome.ready.is_set():
        if cancel.wait(0.05):
            if outcome.ready.is_set():
                break
            raise Cancelled()
    if outcome.error is not None:
        raise outcome.error
    return outcome.value  # type: ignore[return-value]


class CancelRegistry:
    """Every cancel event of work in flight, so quitting can cancel them all at once."""

    def __init__(self) -> None:
        self._events: set[threading.Event] = set()
        self._lock = threading.Lock()

    def new(self) -> threading.Event:
        """A fresh cancel event, registered until :meth:`release`."""
        event = threading.Event()
        with self._lock:
            self._events.add(event)
        return event

    def adopt(self, event: threading.Event) -> threading.Event:
        """Register an event made elsewhere (a sync run's), until :meth:`release`."""
        with self._lock:
            self._events.add(event)
        return event

    def release(self, event: threading.Event) -> None:
        """Forget an event whose work has finished."""
        with self._lock:
            self._events.discard(event)

    def cancel_all(self) -> None:
        """Set every registered event (used when the app quits)."""
        with self._lock:
            events = list(self._events)
        for event in events:
            event.set()
