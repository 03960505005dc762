"""The sandbox's mailboxes behind one lock: lookups, change queries, sync states, persistence."""

from __future__ import annotations

import base64
import binascii
import json
import pickle
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from exsync_tui.core.files import atomic_write_bytes
from exsync_tui.sandbox import store_ops
from exsync_tui.sandbox.config import SandboxConfig
from exsync_tui.sandbox.generator import generate_mailboxes
from exsync_tui.sandbox.model import Folder, Mailbox, StoredItem, Tombstone

_STATE_FORMAT = 4  # 3: Mailbox.outbox_recipients; 4: messages keep no MIME unless a client gave it


class InvalidSyncState(Exception):
    """A sync state this server did not issue, or issued before it was invalidated."""


@dataclass(frozen=True)
class Change:
    """One entry of a sync delta: "Create", "Update", "Delete" or "ReadFlagChange"."""

    kind: str
    seq: int
    object_id: str
    item: StoredItem | None = None
    folder: Folder | None = None


class MailboxStore:
    """All mailboxes of one sandbox; every access holds `lock`."""

    def __init__(self, config: SandboxConfig) -> None:
        self.lock = threading.RLock()
        self.domain = config.domain.lower()
        self._state_file = Path(config.state_dir) / "mailboxes.pickle" if config.state_dir else None
        self._fingerprint = (
            config.domain,
            config.users,
            config.messages,
            config.events,
            config.seed,
            config.anchor,
            config.hostile_names,
            config.extra_folders,
        )
        loaded = self._load()
        self.mailboxes: list[Mailbox] = loaded if loaded is not None else generate_mailboxes(config)
        self.save()

    # -- persistence -------------------------------------------------------------------------

    def _load(self) -> list[Mailbox] | None:
        if self._state_file is None or not self._state_file.exists():
            return None
        # The file is written only by this sandbox, in a directory its user chose.
        data = pickle.loads(self._state_file.read_bytes())  # noqa: S301
        if data.get("format") != _STATE_FORMAT or data.get("fingerprint") != self._fingerprint:
            return None
        mailboxes: list[Mailbox] = data["mailboxes"]
        return mailboxes

    def save(self) -> None:
        """Write the state to the state directory, if there is one (atomically)."""
        if self._state_file is None:
            return
        with self.lock:
            payload = pickle.dumps(
                {
                    "format": _STATE_FORMAT,
                    "fingerprint": self._fingerprint,
                    "mailboxes": self.mailboxes,
                }
            )
        self._state_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self._state_file, payload)  # it holds the mailboxes' passwords

    # -- lookups -----------------------------------------------------------------------------

    def by_email(self, email: str) -> Mailbox | None:
        """The mailbox with this primary SMTP address (case-insensitive)."""
        wanted = email.strip().lower()
        for mailbox in self.mailboxes:
            if mailbox.email.lower() == wanted:
                return mailbox
        return None

    def by_login(self, login: str) -> Mailbox | None:
        """The mailbox a sign-in name means: `user@domain`, `DOMAIN\\user` or a bare `user`."""
        login = login.strip().lower()
        if "\\" in login:
            domain, _, user = login.partition("\\")
            netbios = self.domain.split(".")[0]
            if domain not in (netbios, self.domain):
                return None
            login = user
        if "@" in login:
            return self.by_email(login)
        return self.by_email(f"{login}@{self.domain}")

    def mailbox(self, email: str) -> Mailbox:
        """The mailbox for `email`, or StoreError."""
        found = self.by_email(email)
        if found is None:
            raise store_ops.StoreError(f"no mailbox {email!r}")
        return found

    def folder_by_name_or_id(self, mailbox: Mailbox, folder: str) -> Folder:
        """A folder given as an id or a distinguished name ("inbox")."""
        found = mailbox.folders.get(folder) or mailbox.distinguished(folder.lower())
        if found is None:
            raise store_ops.StoreError(f"no folder {folder!r}")
        return found

    def children(self, mailbox: Mailbox, folder_id: str) -> list[Folder]:
        """Direct subfolders, in creation order."""
        return [f for f in mailbox.folders.values() if f.parent_id == folder_id]

    def items_in(self, mailbox: Mailbox, folder_id: str) -> list[StoredItem]:
        """The items of one folder, in creation order."""
        return [i for i in mailbox.items.values() if i.folder_id == folder_id]

    # -- sync --------------------------------------------------------------------------------

    def encode_sync_state(self, mailbox: Mailbox, scope: str, seq: int) -> str:
        """A sync state token for position `seq` of `scope` (a folder id or "hierarchy")."""
        raw = json.dumps({"e": mailbox.sync_epoch, "f": scope, "s": seq}).encode()
        return base64.b64encode(b"H4sI" + raw).decode()

    def decode_sync_state(self, mailbox: Mailbox, scope: str, token: str | None) -> int:
        """The position a token stands for (0 without one), or InvalidSyncState."""
        if not token:
            return 0
        try:
            raw = base64.b64decode(token.encode(), validate=True)
            data = json.loads(raw[4:].decode()) if raw.startswith(b"H4sI") else None
        except (binascii.Error, ValueError):
            data = None
        if (
            not isinstance(data, dict)
            or data.get("e") != mailbox.sync_epoch
            or data.get("f") != scope
            or not isinstance(data.get("s"), int)
            or data["s"] > mailbox.seq
        ):
            raise InvalidSyncState(token)
        seq: int = data["s"]
        return seq

    def invalidate_sync_states(self, mailbox: Mailbox) -> None:
        """Make every sync state issued so far invalid (ErrorInvalidSyncStateData)."""
        mailbox.sync_epoch = uuid.uuid4().hex

    def item_changes(self, mailbox: Mailbox, folder_id: str, since: int) -> list[Change]:
        """Item changes in a folder after position `since`, oldest first."""
        changes: list[Change] = []
        for stored in mailbox.items.values():
            if stored.folder_id != folder_id or stored.last_seq <= since:
                continue
            if stored.created_seq > since:
                kind = "Create"
            elif stored.changed_seq > since:
                kind = "Update"
            else:
                kind = "ReadFlagChange"
            changes.append(Change(kind, stored.last_seq, stored.id, item=stored))
        changes.extend(
            Change("Delete", t.deleted_seq, t.id)
            for t in _tombstones(mailbox.item_tombstones, since)
            if t.parent_id == folder_id
        )
        changes.sort(key=lambda change: change.seq)
        return changes

    def folder_changes(self, mailbox: Mailbox, scope_id: str, since: int) -> list[Change]:
        """Folder changes below `scope_id` after position `since`, oldest first."""
        below = store_ops.descendants(mailbox, scope_id)
        changes = [
            Change("Create" if f.created_seq > since else "Update", f.changed_seq, f.id, folder=f)
            for f in below
            if f.changed_seq > since
        ]
        changes.extend(
            Change("Delete", t.deleted_seq, t.id)
            for t in _tombstones(mailbox.folder_tombstones, since)
        )
        changes.sort(key=lambda change: change.seq)
        return changes


def _tombstones(tombstones: list[Tombstone], since: int) -> list[Tombstone]:
    # An object created and deleted after `since` was never seen by this client: skip it.
    return [t for t in tombstones if t.deleted_seq > since and t.created_seq <= since]
