"""Refreshing a screen's footer keys only when one of them changed.

Textual's Footer recomposes on every ``refresh_bindings()``: each key becomes a new
widget, styled anew. The sync repaint asked for that four times a second on every
screen that shows sync progress, and it took most of the UI process's CPU while 8
mailboxes synced (cProfile of ``bench.tui_bench``: CSS ``apply`` 4.8 s of 8.5 s on
the UI thread; the process used 0.66 of a core).
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

_SHOWN = "_exsync_shown_bindings"
"""The attribute on a screen that keeps what its footer last showed."""


def refresh_bindings_if_changed(screen: Screen[Any]) -> None:
    """``screen.refresh_bindings()``, unless the keys it would show are the ones shown."""
    shown = tuple(
        (key, active.binding.action, active.binding.description, active.enabled)
        for key, active in screen.active_bindings.items()
    )
    if getattr(screen, _SHOWN, None) == shown:
        return
    setattr(screen, _SHOWN, shown)
    screen.refresh_bindings()
