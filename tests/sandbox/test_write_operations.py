"""Write operations through unmodified exchangelib, each seen by truth() and by later syncs."""

from __future__ import annotations

from typing import Any

import pytest
from exchangelib import Folder, Mailbox, Message
from exchangelib.errors import ErrorFolderExists

from exsync_tui.sandbox import Sandbox
from tests.sandbox.helpers import account_for


def _truth(sandbox: Sandbox) -> dict[str, Any]:
    return sandbox.control.truth(sandbox.info.users[0].email)


def _folder_id(truth: dict[str, Any], distinguished: str) -> str:
    return str(next(f["id"] for f in truth["folders"] if f["distinguished"] == distinguished))


def _sync(folder: Any) -> list[tuple[str, str]]:
    """(change kind, item id) of a sync from the folder's stored state."""
    changes = []
    for kind, value in folder.sync_items(only_fields=["subject"]):
        # delete: an ItemId; read_flag_change: (ItemId, is_read); otherwise an item.
        item_id = value[0].id if kind == "read_flag_change" else value.id
        changes.append((kind, item_id))
    return changes


def test_delete_move_and_copy(fresh_sandbox: Any, sandbox_trust: None) -> None:
    sandbox: Sandbox = fresh_sandbox(users=1, messages=12, events=0)
    account = account_for(sandbox)
    inbox, reports = account.inbox, account.inbox / "Reports"
    _sync(inbox), _sync(reports), _sync(account.trash)
    hard, soft, trashed, moved, copied = list(inbox.all().order_by("subject"))[:5]
    ids = {
        name: item.id
        for name, item in zip(
            ("hard", "soft", "trashed", "moved"), (hard, soft, trashed, moved), strict=True
        )
    }
    hard.delete()
    soft.soft_delete()
    trashed.move_to_trash()
    moved.move(reports)  # exchangelib takes the new id from the response
    copied_to = copied.copy(reports)
    truth = _truth(sandbox)
    by_id = {i["id"]: i for i in truth["items"]}
    assert not set(ids.values()) & set(by_id)  # every one of them left the inbox
    assert by_id[copied.id]["folder_id"] == _folder_id(truth, "inbox")
    reports_id = next(f["id"] for f in truth["folders"] if f["name"] == "Reports")
    assert by_id[moved.id]["folder_id"] == reports_id
    assert by_id[copied_to[0]]["folder_id"] == reports_id
    assert by_id[copied_to[0]]["mime"] == by_id[copied.id]["mime"]

    def subjects_in(folder: str) -> list[str]:
        return [i["subject"] for i in truth["items"] if i["folder_id"] == _folder_id(truth, folder)]

    assert subjects_in("deleteditems") == [trashed.subject]
    assert subjects_in("recoverableitemsdeletions") == [soft.subject]
    assert hard.subject not in {i["subject"] for i in truth["items"]} - {copied.subject}
    assert sorted(_sync(inbox)) == sorted(("delete", item_id) for item_id in ids.values())
    assert sorted(_sync(reports)) == sorted([("create", moved.id), ("create", copied_to[0])])
    trash_id = next(i["id"] for i in truth["items"] if i["subject"] == trashed.subject)
    assert _sync(account.trash) == [("create", trash_id)]


def test_create_item_from_mime_and_by_fields(fresh_sandbox: Any, sandbox_trust: None) -> None:
    sandbox: Sandbox = fresh_sandbox(users=1, messages=3, events=0)
    account = account_for(sandbox)
    _sync(account.inbox)
    raw = (
        b"From: Someone <someone@contoso.test>\r\nTo: alice@example.com\r\n"
        b"Subject: Uploaded =?utf-8?q?gr=C3=BC=C3=9Fe?=\r\nMessage-ID: <up.1@contoso.test>\r\n"
        b"Date: Mon, 02 Nov 2026 10:00:00 +0000\r\n\r\nBody line\r\n"
    )
    uploaded = Message(account=account, folder=account.inbox, mime_content=raw, is_read=True)
    uploaded.save()
    draft = Message(account=account, folder=account.drafts, subject="Draft", body="text")
    draft.save()
    truth = {i["id"]: i for i in _truth(sandbox)["items"]}
    assert truth[uploaded.id]["mime"] == raw  # stored byte for byte
    assert (
        truth[uploaded.id]["is_read"] is True and truth[uploaded.id]["subject"] == "Uploaded grüße"
    )
    assert truth[draft.id]["is_draft"] is True and truth[draft.id]["subject"] == "Draft"
    assert _sync(account.inbox) == [("create", uploaded.id)]


def test_sending_lands_in_sent_items_and_the_outbox(
    fresh_sandbox: Any, sandbox_trust: None
) -> None:
    sandbox: Sandbox = fresh_sandbox(users=2, messages=2, events=0)
    account = account_for(sandbox)
    email = sandbox.info.users[0].email
    sent_before = len(
        [
            i
            for i in _truth(sandbox)["items"]
            if i["folder_id"] == _folder_id(_truth(sandbox), "sentitems")
        ]
    )
    to = Mailbox(email_address=sandbox.info.users[1].email)
    Message(account=account, subject="Saved copy", body="hi", to_recipients=[to]).send_and_save()
    Message(account=account, subject="No copy", body="hi", to_recipients=[to]).send(save_copy=False)
    outbox = sandbox.control.outbox(email)
    assert [b"Subject: Saved copy" in m for m in outbox] == [True, False]
    assert b"Subject: No copy" in outbox[1] and sandbox.info.users[1].email.encode() in outbox[1]
    truth = _truth(sandbox)
    sent = [i for i in truth["items"] if i["folder_id"] == _folder_id(truth, "sentitems")]
    assert len(sent) == sent_before + 1 and sent[-1]["mime"] == outbox[0]


def test_folder_create_rename_delete_and_case_twins(
    fresh_sandbox: Any, sandbox_trust: None
) -> None:
    sandbox: Sandbox = fresh_sandbox(users=1, messages=2, events=0)
    account = account_for(sandbox)
    top = account.msg_folder_root
    list(top.sync_hierarchy())
    created = Folder(parent=account.inbox, name="Invoices")
    created.save()
    with pytest.raises(ErrorFolderExists):
        Folder(parent=account.inbox, name="INVOICES").save()
    with pytest.raises(ErrorFolderExists):
        Folder(parent=account.inbox, name="reports").save()  # "Reports" exists
    names = [f["name"] for f in _truth(sandbox)["folders"]]
    assert names.count("Invoices") == 1 and "INVOICES" not in names
    changes = [(kind, getattr(f, "id", f)) for kind, f in top.sync_hierarchy()]
    assert changes == [("create", created.id)]
    created.name = "Invoices 2026"
    created.save(update_fields=["name"])
    assert any(f["name"] == "Invoices 2026" for f in _truth(sandbox)["folders"])
    assert [(kind, f.name) for kind, f in top.sync_hierarchy()] == [("update", "Invoices 2026")]
    folder_id = created.id
    created.delete()
    assert all(f["id"] != folder_id for f in _truth(sandbox)["folders"])
    assert [(kind, f.id) for kind, f in top.sync_hierarchy()] == [("delete", folder_id)]
