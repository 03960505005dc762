"""Doing to a synced Maildir what neomutt, notmuch or mbsync do, and reading the server back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from exsync_tui.core.profiles import Profile
from exsync_tui.core.store.maildir_names import file_name, parse_name
from exsync_tui.core.store.state import StateDB
from exsync_tui.sandbox import Sandbox
from tests.sources.helpers import folder_id, truth_items


def local_file(profile: Profile, folder: str, item_id: str) -> Path:
    """The file the last sync wrote for server item ``item_id`` of folder ``folder``."""
    with StateDB.open(profile.state_dir()) as state:
        record = state.item(folder, item_id)
        local = state.folder(folder)
    assert record is not None and local is not None, "the item was never synced"
    root = profile.effective_mail_dir() / local.local_path
    for sub in ("cur", "new"):
        for path in (root / sub).iterdir():
            if parse_name(path.name).base == record.base:
                return path
    raise AssertionError(f"no file for {item_id} in {local.local_path}")


def set_flags(path: Path, flags: str) -> Path:
    """Rename a message file to carry exactly ``flags`` (in ``cur/``), as a mail client does."""
    stem = parse_name(path.name).stem
    target = path.parent.parent / "cur" / file_name(stem, flags)
    path.rename(target)
    return target


def move_file(path: Path, profile: Profile, folder: str) -> Path:
    """Move a message file to another synced folder, keeping its name (neomutt's ``s``)."""
    with StateDB.open(profile.state_dir()) as state:
        local = state.folder(folder)
    assert local is not None
    target = profile.effective_mail_dir() / local.local_path / path.parent.name / path.name
    path.rename(target)
    return target


def inbox(sb: Sandbox) -> tuple[str, dict[str, dict[str, Any]]]:
    """The Inbox's id and its items on the server, by id."""
    return folder_id(sb, "inbox"), truth_items(sb, "inbox")


def messages_in(sb: Sandbox, folder: str) -> dict[str, dict[str, Any]]:
    """The server's messages of a folder (id or well-known name), by Message-ID."""
    return {str(i["message_id"]): i for i in truth_items(sb, folder).values()}
