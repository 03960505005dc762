"""Events and results as JSON lines: what a sync child process sends its parent.

A child writes each event as :meth:`SyncEvent.to_json` (the very objects
``exsync sync --json`` prints) and its result last; the parent rebuilds the same
immutable objects, so a renderer cannot tell a child's events from its own.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from exsync_tui.core.sync.engine import SyncResult
from exsync_tui.core.sync.events import (
    FolderCounts,
    SyncEvent,
)


def event_types() -> dict[str, type[SyncEvent]]:
    """Every event kind by its ``event`` name: every subclass of :class:`SyncEvent`, so a
    new event needs no registration here (a nested dataclass other than
    :class:`FolderCounts` in its fields would need one, in :func:`_with_counts`)."""
    found: dict[str, type[SyncEvent]] = {}
    pending = list(SyncEvent.__subclasses__())
    while pending:
        kind = pending.pop()
        found[kind.name] = kind
        pending.extend(kind.__subclasses__())
    return found


RESULT_KEY = "result"
"""The key of the child's last line, which carries its :class:`SyncResult`."""


class WireError(ValueError):
    """A line from a child that is not an event or a result (the child is broken)."""


def _with_counts(cls: type[Any], data: dict[str, Any]) -> Any:
    known = {f.name for f in fields(cls)}
    values = {k: v for k, v in data.items() if k in known}
    if isinstance(values.get("counts"), dict):
        values["counts"] = FolderCounts(**values["counts"])
    return cls(**values)


def event_line(event: SyncEvent) -> str:
    """One event as its JSON line (newline included)."""
    return json.dumps(event.to_json(), ensure_ascii=False) + "\n"


def result_line(result: SyncResult) -> str:
    """The child's closing line: its result."""
    return json.dumps({RESULT_KEY: asdict(result)}, ensure_ascii=False) + "\n"


def parse_line(line: str) -> SyncEvent | SyncResult:
    """The event or result a child's line carries; WireError for anything else."""
    try:
        data = json.loads(line)
        if RESULT_KEY in data:
            result: SyncResult = _with_counts(SyncResult, data[RESULT_KEY])
            return result
        kind = event_types()[data.pop("event")]
        event: SyncEvent = _with_counts(kind, data)
        return event
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise WireError(f"not a sync event: {line[:200]!r}") from error
