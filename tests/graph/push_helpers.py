"""Two-way through Graph in tests: a Graph-synced mailbox and its server truth by Graph id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from exsync_tui.core.profiles import Profile
from exsync_tui.core.store.maildir_names import parse_name
from exsync_tui.sandbox import Sandbox
from tests.graph.helpers import graph_profile, run_graph_sync
from tests.sources.helpers import folder_id, truth_items
from tests.sync.push_helpers import local_file


def graph_synced(
    fresh_sandbox: Callable[..., Sandbox], messages: int = 30
) -> tuple[Sandbox, Profile]:
    """A fresh sandbox whose first mailbox was synced once through Graph."""
    sb = fresh_sandbox(events=0, messages=messages)
    profile = graph_profile(sb)
    first, _ = run_graph_sync(sb, profile)
    assert first.ok, first
    return sb, profile


def by_graph_id(sb: Sandbox, folder: str) -> dict[str, dict[str, Any]]:
    """The server's items of a folder (id or well-known name), by Graph (Immutable) id."""
    return {str(i["graph_id"]): i for i in truth_items(sb, folder).values()}


def inbox_mail(sb: Sandbox) -> tuple[str, dict[str, dict[str, Any]], list[str]]:
    """The Inbox's id, its items by Graph id, and the plain (not draft) messages' Graph ids."""
    items = by_graph_id(sb, "inbox")
    return folder_id(sb, "inbox"), items, sorted(i for i, m in items.items() if not m["is_draft"])


def flags_of(profile: Profile, folder: str, item_id: str) -> str:
    """The Maildir flags of the file synced for ``item_id``."""
    return parse_name(local_file(profile, folder, item_id).name).flags
