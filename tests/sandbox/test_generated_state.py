"""Generated mailboxes: realistic message state, folder names Exchange allows, the plain option."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from exsync_tui.sandbox import Sandbox, SandboxConfig
from exsync_tui.sandbox.generator import HOSTILE_FOLDER_NAMES
from exsync_tui.sandbox.store_writes import FolderExists


def _truth(**config: Any) -> dict[str, Any]:
    with Sandbox(SandboxConfig(users=1, events=0, **config)) as sandbox:
        return sandbox.control.truth(sandbox.info.users[0].email)


def test_messages_carry_flags_replies_forwards_drafts_and_categories() -> None:
    truth = _truth(messages=120)
    drafts = next(f["id"] for f in truth["folders"] if f["distinguished"] == "drafts")
    messages = [i for i in truth["items"] if i["kind"] == "message"]
    states = Counter(
        state
        for i in messages
        for state in ("flagged", "answered", "forwarded", "is_draft", "categories", "is_read")
        if i[state]
    )
    assert all(
        states[s] > 0 for s in ("flagged", "answered", "forwarded", "is_draft", "categories")
    )
    assert states["is_read"] < len(messages)
    # Drafts are exactly the messages in Drafts; a reply or forward was read first.
    assert {i["id"] for i in messages if i["is_draft"]} == {
        i["id"] for i in messages if i["folder_id"] == drafts
    }
    assert all(i["is_read"] for i in messages if i["answered"] or i["forwarded"])


@pytest.mark.parametrize("hostile", [True, False])
def test_no_case_twins_and_hostile_names_only_when_asked(hostile: bool) -> None:
    folders = _truth(messages=2, hostile_names=hostile)["folders"]
    siblings = Counter((f["parent_id"], f["name"].casefold()) for f in folders)
    assert max(siblings.values()) == 1
    names = {f["name"] for f in folders}
    assert {"Reports", "Ünïcødé 📬 Ordner"} <= names
    hostile_present = {n.rstrip() for n in HOSTILE_FOLDER_NAMES} & {n.rstrip() for n in names}
    assert hostile_present == ({n.rstrip() for n in HOSTILE_FOLDER_NAMES} if hostile else set())


def test_extra_folders_are_mail_folders_under_archive_and_hold_mail() -> None:
    plain = _truth(messages=300)
    truth = _truth(messages=300, extra_folders=4)
    archive = next(f["id"] for f in truth["folders"] if f["name"] == "Archive")
    extra = [f for f in truth["folders"] if f["parent_id"] == archive]

    assert sorted(f["name"] for f in extra) == [f"Folder 0{n}" for n in range(1, 5)]
    assert len(truth["folders"]) == len(plain["folders"]) + 4
    held = Counter(i["folder_id"] for i in truth["items"] if i["kind"] == "message")
    assert all(held[f["id"]] > 0 for f in extra)  # generated mail goes there too
    assert sum(held.values()) == 300


def test_control_api_refuses_a_case_twin_folder(fresh_sandbox: Any) -> None:
    sandbox: Sandbox = fresh_sandbox(users=1, messages=1, events=0)
    email = sandbox.info.users[0].email
    added = sandbox.control.add_folder(email, "inbox", "Receipts")
    with pytest.raises(FolderExists):
        sandbox.control.add_folder(email, "inbox", "RECEIPTS")
    with pytest.raises(FolderExists):
        sandbox.control.rename_folder(email, added, "reports")
    sandbox.control.rename_folder(email, added, "receipts")  # its own name in another case
    names = [f["name"] for f in sandbox.control.truth(email)["folders"]]
    assert "receipts" in names and "Receipts" not in names
