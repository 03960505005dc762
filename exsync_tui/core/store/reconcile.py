"""Full resync without delete-then-download: match the server's items with what is on disk.

When a folder's sync state is rejected (``ErrorInvalidSyncStateData``) or no longer
fits, the engine lists the folder's items on the server and calls :func:`reconcile`
with what the state and the disk hold. Each local message is kept if the server still
has it, by item id, else by (Message-ID, size) (item ids can change, e.g. after a
mailbox move); its flags are renamed if they differ. Only server items that match
nothing are fetched, and only local messages that match nothing are deleted (through
the mass-delete guard). A pure function: no I/O, deterministic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ServerItem:
    """An item as the server lists it now."""

    item_id: str
    change_key: str | None = None
    message_id: str | None = None
    size: int | None = None
    flags: str = ""


@dataclass(frozen=True)
class LocalItem:
    """An item as the state recorded it, and whether its file is still on disk."""

    item_id: str
    base: str
    change_key: str | None = None
    message_id: str | None = None
    size: int | None = None
    flags: str = ""
    on_disk: bool = True


@dataclass(frozen=True)
class Match:
    """A local message that is a server item: keep the file."""

    server: ServerItem
    local: LocalItem

    @property
    def rebind(self) -> bool:
        """The item id changed: update the state's row, not the file."""
        return self.server.item_id != self.local.item_id

    @property
    def flags_changed(self) -> bool:
        """The file needs a rename to the server's flags."""
        return sorted(self.server.flags) != sorted(self.local.flags)


@dataclass(frozen=True)
class ReconcilePlan:
    """What a full resync does to one folder."""

    matched: tuple[Match, ...]
    fetch: tuple[ServerItem, ...]
    delete: tuple[LocalItem, ...]
    forget: tuple[LocalItem, ...]
    """State rows whose file is gone from disk: drop the row (the server item is fetched)."""

    @property
    def keep(self) -> tuple[Match, ...]:
        """Matches whose file stays exactly as it is."""
        return tuple(m for m in self.matched if not m.flags_changed)

    @property
    def rename(self) -> tuple[Match, ...]:
        """Matches whose file is renamed to the server's flags."""
        return tuple(m for m in self.matched if m.flags_changed)


def _content_key(message_id: str | None, size: int | None) -> tuple[str, int] | None:
    if not message_id or size is None:
        return None  # without both, two different messages could look the same
    return message_id, size


def reconcile(server: Iterable[ServerItem], local: Iterable[LocalItem]) -> ReconcilePlan:
    """Plan a full resync of one folder from the server's list and the local records."""
    server_items = sorted(server, key=lambda s: s.item_id)
    local_items = sorted(local, key=lambda item: (item.item_id, item.base))
    forget = tuple(item for item in local_items if not item.on_disk)
    present = [item for item in local_items if item.on_disk]

    by_id = {item.item_id: item for item in present}
    matched: list[Match] = []
    used: set[str] = set()  # local bases already matched
    unmatched_server: list[ServerItem] = []
    for wanted in server_items:
        own = by_id.get(wanted.item_id)
        if own is not None and own.base not in used:
            matched.append(Match(wanted, own))
            used.add(own.base)
        else:
            unmatched_server.append(wanted)

    by_content: dict[tuple[str, int], list[LocalItem]] = defaultdict(list)
    for candidate in present:
        key = _content_key(candidate.message_id, candidate.size)
        if candidate.base not in used and key is not None:
            by_content[key].append(candidate)
    fetch: list[ServerItem] = []
    for wanted in unmatched_server:
        key = _content_key(wanted.message_id, wanted.size)
        candidates = by_content.get(key) if key is not None else None
        if candidates:
            local_item = candidates.pop(0)  # one file per server item, never shared
            matched.append(Match(wanted, local_item))
            used.add(local_item.base)
        else:
            fetch.append(wanted)

    delete = tuple(gone for gone in present if gone.base not in used)
    return ReconcilePlan(tuple(matched), tuple(fetch), delete, forget)
