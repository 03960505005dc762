"""Kill -9 at every point of a push, through EWS and through Microsoft Graph; a rerun must
leave the server's truth as the rules say.

The local changes cover every kind of push: read, flagged and replied flags (one
of them meeting a conflict, so UpdateItem runs twice), moves to two folders,
deletes by a gone file and by ``T``, and a delete of a message changed on the
server (kept and fetched again, which passes the page points). After the crash
and a normal rerun, every message the scenario touched is on the server exactly
once, in the folder and with the flags the rules give; the Maildir equals the
server's mail exactly; nothing is left in ``tmp/``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from exsync_tui.core.profiles import Profile
from exsync_tui.core.store.maildir_names import parse_name
from exsync_tui.core.sync import crashpoints
from exsync_tui.sandbox import Sandbox
from tests.sources.helpers import folder_id
from tests.sync.cli_helpers import assert_exact
from tests.sync.helpers import folder_named
from tests.sync.kill_sources import SOURCES, KillSource
from tests.sync.push_helpers import local_file, move_file, set_flags

_PUSH_POINTS = tuple(p for p in crashpoints.POINTS if p.startswith("push-"))
_PAGE_POINTS = tuple(p for p in crashpoints.POINTS if p.startswith("page-"))
CASES = (
    [(p, 1) for p in _PUSH_POINTS]
    + [("push-after-move", 2), ("push-after-move-commit", 2)]
    + [("push-after-update", 2), ("push-after-update-commit", 2)]
    + [(p, 1) for p in _PAGE_POINTS]  # the kept message's fetch, inside the push
    + [("page-after-commit", 2), ("hierarchy-after-commit", 1), ("run-before-cleanup", 1)]
)


def test_there_are_at_least_twenty_push_crash_points() -> None:
    assert len(set(CASES)) >= 20 and len(_PUSH_POINTS) >= 9


@dataclass(frozen=True)
class Wanted:
    """Where a message must end up on the server, and with which flags (None: any)."""

    folder: str
    is_read: bool | None = None
    flagged: bool | None = None
    answered: bool | None = None


def _plain(truth: dict[str, object], folder: str) -> list[dict[str, object]]:
    items = truth["items"]
    assert isinstance(items, list)
    return sorted((i for i in items if i["folder_id"] == folder and not i["is_draft"]),
                  key=lambda i: str(i["id"]))  # fmt: skip


def _change_locally(sb: Sandbox, profile: Profile, key: str = "id") -> dict[str, Wanted]:
    """Make the local changes (and the server-side conflicts); return what must result.

    ``key`` is the truth's field the local state knows items by (``graph_id`` for Graph)."""
    email = sb.info.users[0].email
    inbox, trash = folder_id(sb, "inbox"), folder_id(sb, "deleteditems")
    archive = folder_named(sb, "Archive")
    messages = _plain(sb.control.truth(email), inbox)
    assert len(messages) >= 12
    wanted: dict[str, Wanted] = {}
    unread = [m for m in messages if not m["is_read"] and not m["flagged"]]
    toggles, conflict = unread[:4], unread[4]
    rest = [m for m in messages if m not in unread[:5]]
    for message in toggles:
        path = local_file(profile, inbox, str(message[key]))
        set_flags(path, "FRS")
        wanted[str(message["message_id"])] = Wanted(inbox, True, True, True)
    sb.control.set_flag(email, str(conflict["id"]), 2)  # changed on the server too
    set_flags(local_file(profile, inbox, str(conflict[key])), "S")
    wanted[str(conflict["message_id"])] = Wanted(inbox, True, True)
    for message, target in ((rest[0], archive), (rest[1], trash)):
        move_file(local_file(profile, inbox, str(message[key])), profile, target)
        wanted[str(message["message_id"])] = Wanted(target, message["is_read"])  # type: ignore[arg-type]
    local_file(profile, inbox, str(rest[2][key])).unlink()
    path = local_file(profile, inbox, str(rest[3][key]))
    set_flags(path, parse_name(path.name).flags + "T")
    for message in rest[2:4]:
        wanted[str(message["message_id"])] = Wanted(trash)
    kept = rest[4]
    sb.control.mark_read(email, str(kept["id"]), not kept["is_read"])
    local_file(profile, inbox, str(kept[key])).unlink()
    wanted[str(kept["message_id"])] = Wanted(inbox, not kept["is_read"])
    return wanted


def _assert_server(sb: Sandbox, wanted: dict[str, Wanted], total: int) -> None:
    truth = sb.control.truth(sb.info.users[0].email)
    messages = [i for i in truth["items"] if i["kind"] == "message"]
    assert len(messages) == total, "a message was lost or duplicated on the server"
    copies = Counter(str(i["message_id"]) for i in messages)
    for message_id, want in wanted.items():
        assert copies[message_id] == 1, f"{message_id} is on the server {copies[message_id]} times"
        item = next(i for i in messages if i["message_id"] == message_id)
        assert item["folder_id"] == want.folder, message_id
        for name in ("is_read", "flagged", "answered"):
            value = getattr(want, name)
            assert value is None or item[name] is value, (message_id, name)


@pytest.mark.parametrize(("point", "hit"), CASES)
@pytest.mark.parametrize("source", SOURCES)
def test_killed_during_a_push(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path, source: KillSource, point: str, hit: int
) -> None:
    sb = fresh_sandbox(messages=60, events=3)
    profile = source.save(sb, tmp_path)
    assert source.sync(sb, profile)[0].ok
    total = sum(1 for i in sb.control.truth(sb.info.users[0].email)["items"]
                if i["kind"] == "message")  # fmt: skip
    wanted = _change_locally(sb, profile, key=source.item_key)
    source.crash(sb, profile, point, hit)
    result, _ = source.sync(sb, profile)
    assert result.ok, result
    _assert_server(sb, wanted, total)
    assert_exact(sb, profile)
