"""How `exsync sync` shows a run: a line per folder, a live progress line, or JSON lines."""

from __future__ import annotations

import json
import sys
import time
from typing import TextIO

from exsync_tui.core.sync.describe import describe_counts, describe_push, human_bytes
from exsync_tui.core.sync.engine import SyncResult
from exsync_tui.core.sync.events import (
    FolderChanged,
    FolderDone,
    MailboxDone,
    MassDeleteHeld,
    Progress,
    Pushed,
    QueueFlushed,
    SyncEvent,
    SyncWarning,
)


class JsonLines:
    """One JSON object per event; progress events at most a few times a second per folder."""

    def __init__(self, out: TextIO | None = None, interval_s: float = 0.25) -> None:
        self.out = out if out is not None else sys.stdout  # the caller's, not import time's
        self.interval_s = interval_s
        self._last: dict[tuple[str, str], float] = {}

    def __call__(self, event: SyncEvent) -> None:
        if isinstance(event, Progress):
            key = (event.profile, event.folder)
            now = time.monotonic()
            if now - self._last.get(key, 0.0) < self.interval_s:
                return
            self._last[key] = now
        self.out.write(json.dumps(event.to_json(), ensure_ascii=False) + "\n")
        self.out.flush()

    def done(self, results: dict[str, SyncResult]) -> None:
        """The closing ``{"event": "done", "profiles": {...}}`` line."""
        profiles = {
            name: {
                "ok": result.ok,
                "topic": result.topic,
                "detail": result.detail,
                "held": result.held,
                "elapsed_s": result.elapsed_s,
                **result.counts.__dict__,
            }
            for name, result in sorted(results.items())
        }
        self.out.write(json.dumps({"event": "done", "profiles": profiles}) + "\n")
        self.out.flush()


class TextLines:
    """A line per folder and per notable event; on a terminal, a live progress line too."""

    def __init__(self, out: TextIO | None = None, live: bool | None = None) -> None:
        self.out = out if out is not None else sys.stdout  # the caller's, not import time's
        self.live = self.out.isatty() if live is None else live
        self._started = time.monotonic()
        self._bytes: dict[str, int] = {}
        self._progress_shown = False

    def _line(self, text: str) -> None:
        if self._progress_shown:
            self.out.write("\r\033[K")
            self._progress_shown = False
        self.out.write(text + "\n")
        self.out.flush()

    def __call__(self, event: SyncEvent) -> None:
        if isinstance(event, Progress):
            self._progress(event)
        elif isinstance(event, FolderDone):
            stopped = f" — stopped: {event.stopped}" if event.stopped else ""
            self._line(f"{event.profile}: {event.folder}: {describe_counts(event.counts)}{stopped}")
        elif isinstance(event, FolderChanged):
            old = f" (was {event.old_path})" if event.old_path else ""
            self._line(f"{event.profile}: folder {event.action}: {event.path}{old}")
        elif isinstance(event, SyncWarning):
            where = f"{event.folder}: " if event.folder else ""
            self._line(f"{event.profile}: warning: {where}{event.message}")
        elif isinstance(event, Pushed):
            self._line(f"{event.profile}: {event.folder}: {describe_push(event)}")
        elif isinstance(event, MassDeleteHeld) and event.direction == "push":
            self._line(
                f"{event.profile}: {event.folder}: nothing deleted on the server: "
                f"{event.would_delete} of {event.local_count} messages are gone here "
                f"({event.reason}); run again with --allow-mass-delete to delete them there too"
            )
        elif isinstance(event, MassDeleteHeld):
            self._line(
                f"{event.profile}: {event.folder}: kept everything: the server deleted "
                f"{event.would_delete} of {event.local_count} messages ({event.reason}); "
                f"run again with --allow-mass-delete to delete them here too"
            )
        elif isinstance(event, QueueFlushed):
            left = f", {event.remaining} still queued" if event.remaining else ""
            self._line(f"{event.profile}: sent {event.sent} queued message(s){left}")
        elif isinstance(event, MailboxDone):
            self._mailbox_done(event)

    def _progress(self, event: Progress) -> None:
        if not self.live:
            return
        self._bytes[f"{event.profile}\0{event.folder}"] = event.bytes_done
        elapsed = max(time.monotonic() - self._started, 1e-3)
        rate = sum(self._bytes.values()) / elapsed
        text = f"{event.profile}: {event.folder}: {event.done} items, {human_bytes(int(rate))}/s"
        self.out.write("\r\033[K" + text[:200])
        self.out.flush()
        self._progress_shown = True

    def _mailbox_done(self, event: MailboxDone) -> None:
        if event.ok:
            held = f"; {event.held} folder(s) held back (mass delete)" if event.held else ""
            summary = describe_counts(event.counts)
            self._line(f"{event.profile}: synced in {event.elapsed_s:.1f} s: {summary}{held}")
        else:
            self._line(f"{event.profile}: failed ({event.topic}): {event.detail}")

    def done(self, results: dict[str, SyncResult]) -> None:
        """Name the failed profiles and their help topics at the end."""
        failed = {name: r for name, r in results.items() if not r.ok}
        for name, result in sorted(failed.items()):
            self._line(f"not synced: {name}: {result.topic}: see `exsync diagnose {name}`")
