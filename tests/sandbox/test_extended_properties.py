"""MAPI extended properties through unmodified exchangelib: values, sorting, restrictions."""

from __future__ import annotations

from typing import Any

from exchangelib import Q

from exsync_tui.sandbox import Sandbox
from tests.sandbox.helpers import account_for
from tests.sandbox.mapi_properties import PROPERTIES, registered

__all__ = ["registered"]  # the fixture, used by name


def _messages(truth: dict[str, Any], folder: str = "inbox") -> list[dict[str, Any]]:
    folder_id = next(f["id"] for f in truth["folders"] if f["distinguished"] == folder)
    return [i for i in truth["items"] if i["folder_id"] == folder_id and i["kind"] == "message"]


def test_message_properties_come_back_with_the_truths_values(
    fresh_sandbox: Any, sandbox_trust: None, registered: None
) -> None:
    sandbox: Sandbox = fresh_sandbox(users=1, messages=60, events=0)
    truth = {
        i["message_id"]: i for i in _messages(sandbox.control.truth(sandbox.info.users[0].email))
    }
    fetched = list(
        account_for(sandbox)
        .inbox.all()
        .only("message_id", "is_read", "has_attachments", "datetime_received", *PROPERTIES)
    )
    assert len(fetched) == len(truth) > 5
    for item in fetched:
        expected = truth[item.message_id]
        assert item.imap_uid == expected["imap_uid"] > 0
        assert item.mapi_size == len(expected["mime"])
        assert item.mapi_flags == (
            (1 if expected["is_read"] else 0)
            | (8 if expected["is_draft"] else 0)
            | (16 if item.has_attachments else 0)
        )
        assert item.flag_status == (2 if expected["flagged"] else None)
        verb = 104 if expected["forwarded"] else 102 if expected["answered"] else None
        assert item.last_verb == verb
        assert item.keywords == (expected["categories"] or None)
        assert item.imap_deleted is None
        assert item.delivery_time == item.datetime_received
        assert item.last_modified is not None
    assert any(i.flag_status for i in fetched) and any(i.last_verb for i in fetched)


def test_imap_uids_increase_per_folder_stay_stable_and_are_new_after_a_move(
    fresh_sandbox: Any, sandbox_trust: None, registered: None
) -> None:
    sandbox: Sandbox = fresh_sandbox(users=1, messages=12, events=0)
    email = sandbox.info.users[0].email
    account = account_for(sandbox)
    uids = [i["imap_uid"] for i in _messages(sandbox.control.truth(email))]
    assert uids == sorted(set(uids)) and uids[0] > 0  # creation order, strictly increasing
    first = sorted(i.imap_uid for i in account.inbox.all().only("imap_uid"))
    assert sorted(i.imap_uid for i in account.inbox.all().only("imap_uid")) == first == uids
    added = sandbox.control.add_message(email, "inbox", subject="new")
    sent_uids = [i["imap_uid"] for i in _messages(sandbox.control.truth(email), "sentitems")]
    moved = sandbox.control.move_message(email, added, "sentitems")
    after = {i["id"]: i for i in sandbox.control.truth(email)["items"]}
    added_uid = max(first) + 1
    assert after[moved]["imap_uid"] > max([*sent_uids, 0]) and added not in after
    again = sandbox.control.add_message(email, "inbox", subject="again")
    final = {i["id"]: i for i in sandbox.control.truth(email)["items"]}
    assert final[again]["imap_uid"] == added_uid + 1  # a number is never given out twice


def test_sorting_and_restrictions_on_extended_properties(
    fresh_sandbox: Any, sandbox_trust: None, registered: None
) -> None:
    sandbox: Sandbox = fresh_sandbox(users=1, messages=20, events=0)
    email = sandbox.info.users[0].email
    # Whether a small generated inbox holds a flagged message is chance: make sure one does.
    sandbox.control.set_flag(email, _messages(sandbox.control.truth(email))[-1]["id"])
    truth = _messages(sandbox.control.truth(email))
    inbox = account_for(sandbox).inbox
    descending = [i.imap_uid for i in inbox.all().order_by("-imap_uid").only("imap_uid")]
    assert descending == sorted((i["imap_uid"] for i in truth), reverse=True)
    middle = sorted(i["imap_uid"] for i in truth)[len(truth) // 2]
    at_least = {i.imap_uid for i in inbox.filter(imap_uid__gte=middle).only("imap_uid")}
    assert at_least == {i["imap_uid"] for i in truth if i["imap_uid"] >= middle}
    flagged = {i.message_id for i in inbox.filter(flag_status=2).only("message_id")}
    assert flagged == {i["message_id"] for i in truth if i["flagged"]} != set()
    unflagged = {
        i.message_id for i in inbox.filter(~Q(flag_status__exists=True)).only("message_id")
    }
    assert unflagged == {i["message_id"] for i in truth if not i["flagged"]}
