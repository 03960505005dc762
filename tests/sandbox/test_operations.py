"""FindItem/FindFolder paging, hierarchy changes, ResolveNames, ConvertId, plain HTTP."""

from __future__ import annotations

from typing import Any

from exchangelib.properties import AlternateId

from exsync_tui.sandbox import Sandbox
from tests.sandbox.helpers import account_for


def _inbox_truth(sandbox: Sandbox) -> list[dict[str, Any]]:
    truth = sandbox.control.truth(sandbox.info.users[0].email)
    inbox = next(f["id"] for f in truth["folders"] if f["distinguished"] == "inbox")
    return [i for i in truth["items"] if i["folder_id"] == inbox]


def test_find_item_pages_through_the_whole_folder(sandbox: Sandbox, sandbox_trust: None) -> None:
    query = account_for(sandbox).inbox.all().only("subject", "datetime_received")
    query.page_size = 3
    items = list(query)
    assert sorted(i.id for i in items) == sorted(i["id"] for i in _inbox_truth(sandbox))
    received = [i.datetime_received for i in items]
    assert received == sorted(received, reverse=True)  # Exchange's default: newest first
    ordered = list(account_for(sandbox).inbox.all().order_by("subject").only("subject"))
    assert [i.subject.lower() for i in ordered] == sorted(i.subject.lower() for i in ordered)


def test_find_folder_deep_and_shallow(sandbox: Sandbox, sandbox_trust: None) -> None:
    account = account_for(sandbox)
    children = {f.name for f in account.inbox.children}
    assert {"Projects", "..", "a/b\\c", "Reports"} <= children
    deep = {f.name for f in account.inbox.walk()}
    assert {"2026", "Q1 & Q2 <draft>"} <= deep and "2026" not in children


def test_sync_hierarchy_reports_folder_creates_renames_and_removals(
    fresh_sandbox: Any, sandbox_trust: None
) -> None:
    sandbox = fresh_sandbox(messages=3, events=0)
    email = sandbox.info.users[0].email
    account = account_for(sandbox)
    root = account.msg_folder_root
    list(root.sync_hierarchy())
    control = sandbox.control
    added = control.add_folder(email, "inbox", "Brand new folder")
    projects = next(f["id"] for f in control.truth(email)["folders"] if f["name"] == "Projects")
    control.rename_folder(email, projects, "Projects (renamed)")
    doomed = next(f["id"] for f in control.truth(email)["folders"] if f["name"] == "Archive")
    control.remove_folder(email, doomed)
    changes = list(root.sync_hierarchy())
    kinds = {(kind, getattr(f, "name", None) or f.id) for kind, f in changes}
    assert ("create", "Brand new folder") in kinds
    assert ("update", "Projects (renamed)") in kinds
    assert ("delete", doomed) in kinds
    assert added in {f.id for kind, f in changes if kind == "create"}


def test_resolve_names_finds_users_by_name_and_address(
    sandbox: Sandbox, sandbox_trust: None
) -> None:
    account = account_for(sandbox)
    assert account.version.build  # the protocol needs a version before it builds requests
    protocol = account.protocol
    (found,) = protocol.resolve_names(["bob"])
    assert found.email_address == sandbox.info.users[1].email
    from exchangelib.errors import ErrorNameResolutionNoResults

    (missing,) = protocol.resolve_names(["nobody-at-all"])
    assert isinstance(missing, ErrorNameResolutionNoResults)


def test_convert_id_round_trips_through_every_format(sandbox: Sandbox, sandbox_trust: None) -> None:
    account = account_for(sandbox)
    assert account.version.build
    email = sandbox.info.users[0].email
    item_id = _inbox_truth(sandbox)[0]["id"]
    for target in ("EntryId", "HexEntryId", "EwsLegacyId", "OwaId", "StoreId"):
        (converted,) = account.protocol.convert_ids(
            [AlternateId(id=item_id, format="EwsId", mailbox=email)], destination_format=target
        )
        assert converted.format == target and converted.id != item_id
        (back,) = account.protocol.convert_ids(
            [AlternateId(id=converted.id, format=target, mailbox=email)], destination_format="EwsId"
        )
        assert back.id == item_id


def test_plain_http_sandbox_works_without_tls(fresh_sandbox: Any, sandbox_trust: None) -> None:
    # sandbox_trust also puts back exchangelib's adapter class, which another test in this
    # process may have replaced with exsync's (that one refuses unconfirmed servers).
    sandbox = fresh_sandbox(tls=False, messages=2, events=0)
    assert sandbox.info.ews_url.startswith("http://") and sandbox.info.ca_file is None
    assert account_for(sandbox).inbox.total_count == len(_inbox_truth(sandbox))
