"""Comparing what a sync wrote with the sandbox's truth, and running syncs in tests."""

from __future__ import annotations

import mailbox
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from exsync_tui.core.profiles import Profile
from exsync_tui.core.store.state import StateDB
from exsync_tui.core.sync.context import SyncOptions
from exsync_tui.core.sync.engine import SyncResult, options_for, sync_profile
from exsync_tui.core.sync.events import SyncEvent
from exsync_tui.sandbox import Sandbox
from tests.sources.helpers import sandbox_profile

MAIL_CLASSES = ("IPF.Note",)
SERVER_FLAGS = "FPRS"
"""The Maildir flags a message's server state sets: flagged, passed (forwarded), replied, seen."""


def profile_for(sb: Sandbox, user: int = 0, **changes: Any) -> Profile:
    """A saved, connected profile for a sandbox mailbox (data under this test's XDG dirs)."""
    return replace(sandbox_profile(sb, user), **changes)


def synced_mailbox(
    fresh_sandbox: Callable[..., Sandbox], **config: Any
) -> tuple[Sandbox, str, Profile]:
    """A fresh sandbox (no events unless asked) whose first mailbox was synced once."""
    sb = fresh_sandbox(**{"events": 0, **config})
    profile = profile_for(sb)
    first, _ = run_sync(sb, profile)
    assert first.ok, first
    return sb, sb.info.users[0].email, profile


def folder_named(sb: Sandbox, name: str, user: int = 0) -> str:
    """The server id of the folder called ``name``."""
    truth = sb.control.truth(sb.info.users[user].email)
    return next(str(f["id"]) for f in truth["folders"] if f["name"] == name)


def run_sync(
    sb: Sandbox, profile: Profile, user: int = 0, **options: Any
) -> tuple[SyncResult, list[SyncEvent]]:
    """Sync ``profile`` once; returns the result and every event."""
    events: list[SyncEvent] = []
    result = sync_profile(
        profile,
        sb.info.users[user].password,
        options_for(profile, **options) if options else None,
        emit=events.append,
    )
    return result, events


def _is_mail_folder(folder: dict[str, Any]) -> bool:
    folder_class = folder.get("folder_class") or ""
    return folder_class == "IPF.Note" or folder_class.startswith("IPF.Note.")


def expected_flags(item: dict[str, Any]) -> str:
    """The Maildir flags the server's state of a message asks for."""
    flags = {"S"} if item.get("is_read") else set()
    if item.get("flag_status") == 2:
        flags.add("F")
    if item.get("answered"):
        flags.add("R")
    if item.get("forwarded"):
        flags.add("P")
    return "".join(sorted(flags))


def server_mail(sb: Sandbox, user: int = 0) -> dict[str, Counter[tuple[bytes, str]]]:
    """Folder id -> multiset of (MIME, flags) of every message the server holds."""
    truth = sb.control.truth(sb.info.users[user].email)
    mail_ids = {f["id"] for f in truth["folders"] if _is_mail_folder(f)}
    result: dict[str, Counter[tuple[bytes, str]]] = {fid: Counter() for fid in mail_ids}
    for item in truth["items"]:
        if item["folder_id"] in mail_ids and item["kind"] == "message":
            result[item["folder_id"]][(bytes(item["mime"]), expected_flags(item))] += 1
    return result


def local_mail(profile: Profile) -> dict[str, Counter[tuple[bytes, str]]]:
    """Folder id -> multiset of (bytes, flags) in the Maildir, read with Python's mailbox."""
    with StateDB.open(profile.state_dir()) as state:
        folders = {f.remote_id: f.local_path for f in state.folders("mail")}
    root = profile.effective_mail_dir()
    result: dict[str, Counter[tuple[bytes, str]]] = {}
    for remote_id, local_path in folders.items():
        box = mailbox.Maildir(root / local_path, factory=None, create=False)
        found: Counter[tuple[bytes, str]] = Counter()
        for key in box.iterkeys():
            message = box.get_message(key)
            flags = "".join(sorted(set(message.get_flags()) & set(SERVER_FLAGS)))
            found[(box.get_bytes(key), flags)] += 1
        result[remote_id] = found
    return result


def assert_mail_matches(sb: Sandbox, profile: Profile, user: int = 0) -> int:
    """Every mail folder on disk holds exactly the server's messages, byte for byte, flags
    included; returns how many messages that is."""
    server = server_mail(sb, user)
    local = local_mail(profile)
    assert set(local) == set(server), "the folders on disk are not the server's"
    for folder_id, messages in server.items():
        assert local[folder_id] == messages, f"folder {folder_id} differs"
    return sum(sum(c.values()) for c in server.values())


def all_files(root: Path) -> dict[Path, int]:
    """Every regular file under ``root`` with its inode (to see files kept, not rewritten)."""
    return {p: p.stat().st_ino for p in root.rglob("*") if p.is_file()}


def operations(sb: Sandbox) -> Counter[str]:
    """How many requests of each EWS operation the sandbox answered (log kept)."""
    return Counter(str(e.get("operation")) for e in sb.control.request_log() if e.get("operation"))


def options(**changes: Any) -> SyncOptions:
    """Sync options for tests."""
    return SyncOptions(**changes)
