"""Deliveries on several threads: every message whole on disk, bytes counted, failures raised."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from exsync_tui.core.store import maildir_names
from exsync_tui.core.store.maildir import MaildirStore, StoreError
from exsync_tui.core.sync.deliveries import Deliveries


def test_many_deliveries_at_once_all_land_whole_and_are_counted(tmp_path: Path) -> None:
    store = MaildirStore(tmp_path)
    store.create_folder("INBOX")
    messages = {
        maildir_names.new_base(): f"Subject: {n}\r\n\r\n".encode() + bytes([n % 256]) * (n * 97)
        for n in range(60)
    }
    with Deliveries(store, threads=4) as deliveries:
        for base, content in messages.items():
            deliveries.deliver("INBOX", content, flags="S" if len(content) % 2 else "", base=base)
    assert deliveries.written == sum(len(c) for c in messages.values())
    store.sync_dirs()
    box = mailbox.Maildir(tmp_path / "INBOX", factory=None, create=False)
    assert sorted(box.get_bytes(key) for key in box.iterkeys()) == sorted(messages.values())
    assert all(store.find("INBOX", base) is not None for base in messages)


def test_a_failed_delivery_is_raised_when_the_block_ends(tmp_path: Path) -> None:
    store = MaildirStore(tmp_path)
    store.create_folder("INBOX")
    taken = store.deliver("INBOX", b"Subject: one\r\n\r\nx").base
    with pytest.raises(StoreError, match="already in folder"), Deliveries(store) as deliveries:
        deliveries.deliver("INBOX", b"Subject: two\r\n\r\ny", flags="", base=taken)
        deliveries.deliver("INBOX", b"Subject: three\r\n\r\nz", flags="", base="b3")
    assert store.find("INBOX", "b3") is not None  # the others still finished
