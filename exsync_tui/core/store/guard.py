"""The mass-delete guard: a run never silently empties a folder.

Server-side deletions are applied locally, but when one run would delete more than a
threshold fraction of a folder's local messages (default half), or every message of
a non-empty folder, the deletions are refused unless the user allowed them
(``--allow-mass-delete``). Messages that moved to another folder are not deletions
and must not be counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from exsync_tui.core.store.errors import StoreError

DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class DeleteVerdict:
    """Whether a folder's pending deletions may go ahead, and why not."""

    allowed: bool
    reason: str = ""


class MassDeleteRefused(StoreError):
    """Raised by the engine when :func:`check_deletes` refused; carries the figures."""

    def __init__(self, folder: str, would_delete: int, local_count: int, reason: str) -> None:
        super().__init__(f"{folder}: {reason}; nothing deleted (--allow-mass-delete goes on)")
        self.folder = folder
        self.would_delete = would_delete
        self.local_count = local_count


def check_deletes(
    local_count: int,
    would_delete: int,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    allow: bool = False,
    noun: str = "messages",
) -> DeleteVerdict:
    """May ``would_delete`` of a folder's ``local_count`` local messages be deleted in one run?

    Refused when they are all of a non-empty folder, or more than ``threshold`` of it,
    unless ``allow``. ``threshold`` is a fraction in (0, 1]; ``noun`` names what is deleted
    in the reason (calendars delete events).
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold: {threshold!r} is not a fraction in (0, 1]")
    if would_delete < 0 or local_count < 0:
        raise ValueError("local_count and would_delete cannot be negative")
    if allow or would_delete == 0 or local_count == 0:
        return DeleteVerdict(allowed=True)
    if would_delete >= local_count:
        return DeleteVerdict(False, f"would delete all {local_count} local {noun}")
    if would_delete > threshold * local_count:
        return DeleteVerdict(
            False,
            f"would delete {would_delete} of {local_count} local {noun} "
            f"(more than {threshold:.0%})",
        )
    return DeleteVerdict(allowed=True)
