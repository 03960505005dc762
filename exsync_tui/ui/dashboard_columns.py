"""Which dashboard columns fit the terminal, and how wide the address may be.

A pure function of the cell texts and the room, so the dashboard and the tests agree. Columns
whose facts the detail lines repeat (local counts, last sync) give way first; then the address
shortens (with an ellipsis; the detail line has it whole), never below a readable width. Name and
status always stay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("address", "Address"),
    ("status", "Status"),
    ("synced", "Last sync"),
    ("local", "Local"),
)
"""Column keys and headings, left to right."""
GIVE_WAY = ("local", "synced")
"""Columns dropped, in this order, when the table would not fit (the detail lines say both)."""
MIN_ADDRESS = 12


@dataclass(frozen=True)
class ColumnPlan:
    """The columns to show, each with its width."""

    widths: tuple[tuple[str, int], ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """The columns shown, left to right."""
        return tuple(key for key, _ in self.widths)


def natural_widths(rows: Sequence[Mapping[str, str]]) -> dict[str, int]:
    """Each column's width for its heading and its longest cell."""
    return {
        key: max([len(heading), *(len(row.get(key, "")) for row in rows)])
        for key, heading in COLUMNS
    }


def plan_columns(widths: Mapping[str, int], room: int, padding: int) -> ColumnPlan:
    """The plan for a table ``room`` cells wide with ``padding`` cells around each column."""
    keys = [key for key, _ in COLUMNS]

    def needed() -> int:
        return sum(widths[key] + padding for key in keys)

    for key in GIVE_WAY:
        if needed() <= room:
            break
        keys.remove(key)
    chosen = {key: widths[key] for key in keys}
    over = needed() - room
    if over > 0:
        chosen["address"] = max(MIN_ADDRESS, widths["address"] - over)
    return ColumnPlan(tuple(chosen.items()))
