"""Extended properties on the wire, as DavMail asks for them: echo forms, folder properties,
FindFolder restrictions (by DisplayName with MaxEntriesReturned, by container class), Contains.
"""

from __future__ import annotations

from typing import Any

from exsync_tui.sandbox import Sandbox
from tests.sandbox.helpers import M, T, soap

_FOLDER_SHAPE = (
    "<m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
    '<t:FieldURI FieldURI="folder:DisplayName"/>'
    '<t:ExtendedFieldURI PropertyTag="0x360A" PropertyType="Boolean"/>'
    '<t:ExtendedFieldURI PropertyTag="0x3602" PropertyType="Integer"/>'
    '<t:ExtendedFieldURI PropertyTag="0x3603" PropertyType="Integer"/>'
    '<t:ExtendedFieldURI PropertyTag="0x3613" PropertyType="String"/>'
    '<t:ExtendedFieldURI PropertyTag="0x6751" PropertyType="Integer"/>'
    '<t:ExtendedFieldURI PropertyTag="0x670a" PropertyType="SystemTime"/>'
    "</t:AdditionalProperties></m:FolderShape>"
)


def _props(element: Any) -> dict[str, str]:
    """Echoed name (tag, id or name) -> value text of each t:ExtendedProperty."""
    found = {}
    for prop in element.iter(f"{T}ExtendedProperty"):
        uri = prop.find(f"{T}ExtendedFieldURI")
        name = uri.get("PropertyTag") or uri.get("PropertyId") or uri.get("PropertyName")
        values = [v.text or "" for v in prop.iter(f"{T}Value")]
        found[name] = ",".join(values)
    return found


def _find_folders(sandbox: Sandbox, parent: str, restriction: str, view: str = "") -> list[Any]:
    root = soap(
        sandbox,
        f'<m:FindFolder Traversal="Deep">{_FOLDER_SHAPE}{view}'
        f"<m:Restriction>{restriction}</m:Restriction>"
        f'<m:ParentFolderIds><t:DistinguishedFolderId Id="{parent}"/></m:ParentFolderIds>'
        "</m:FindFolder>",
    )
    return list(root.iter(f"{T}Folder")) + list(root.iter(f"{T}CalendarFolder"))


def test_folder_properties_match_the_truth(fresh_sandbox: Any) -> None:
    sandbox: Sandbox = fresh_sandbox(users=1, messages=15, events=0)
    truth = sandbox.control.truth(sandbox.info.users[0].email)
    inbox = next(f for f in truth["folders"] if f["distinguished"] == "inbox")
    items = [i for i in truth["items"] if i["folder_id"] == inbox["id"]]
    root = soap(
        sandbox,
        f'<m:GetFolder>{_FOLDER_SHAPE}<m:FolderIds><t:DistinguishedFolderId Id="inbox"/>'
        "</m:FolderIds></m:GetFolder>",
    )
    props = _props(root)
    assert props["0x360a"] == "true"  # Projects, Reports... (tags echoed lower-case, no zeros)
    assert props["0x3602"] == str(len(items))
    assert props["0x3603"] == str(sum(1 for i in items if not i["is_read"]))
    assert props["0x3613"] == "IPF.Note"
    assert props["0x6751"] == str(max(i["imap_uid"] for i in items) + 1)
    assert props["0x670a"].endswith("Z")
    leaf = _find_folders(
        sandbox,
        "inbox",
        '<t:IsEqualTo><t:FieldURI FieldURI="folder:DisplayName"/>'
        '<t:FieldURIOrConstant><t:Constant Value="2026"/></t:FieldURIOrConstant></t:IsEqualTo>',
    )
    assert [_props(f)["0x360a"] for f in leaf] == ["true"]


def test_find_folder_by_display_name_returns_that_folder_only(sandbox: Sandbox) -> None:
    view = '<m:IndexedPageFolderView MaxEntriesReturned="1" Offset="0" BasePoint="Beginning"/>'
    for name in ("Reports", "Q1 & Q2 <draft>", "Archive"):
        escaped = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        found = _find_folders(
            sandbox,
            "msgfolderroot",
            '<t:IsEqualTo><t:FieldURI FieldURI="folder:DisplayName"/><t:FieldURIOrConstant>'
            f'<t:Constant Value="{escaped}"/></t:FieldURIOrConstant></t:IsEqualTo>',
            view,
        )
        assert [f.findtext(f"{T}DisplayName") for f in found] == [name]
    missing = _find_folders(
        sandbox,
        "msgfolderroot",
        '<t:IsEqualTo><t:FieldURI FieldURI="folder:DisplayName"/><t:FieldURIOrConstant>'
        '<t:Constant Value="No such folder"/></t:FieldURIOrConstant></t:IsEqualTo>',
        view,
    )
    assert missing == []


def test_find_folder_container_class_filter(sandbox: Sandbox) -> None:
    truth = sandbox.control.truth(sandbox.info.users[0].email)
    top = next(f["id"] for f in truth["folders"] if f["distinguished"] == "msgfolderroot")
    by_id = {f["id"]: f for f in truth["folders"]}

    def below_top(folder: dict[str, Any]) -> bool:
        while folder["parent_id"] is not None:
            if folder["parent_id"] == top:
                return True
            folder = by_id[folder["parent_id"]]
        return False

    expected = {
        f["name"]
        for f in truth["folders"]
        if below_top(f) and f["folder_class"] in ("IPF.Note", None)
    }
    class_is = (
        '<t:IsEqualTo><t:ExtendedFieldURI PropertyTag="0x3613" PropertyType="String"/>'
        '<t:FieldURIOrConstant><t:Constant Value="{}"/></t:FieldURIOrConstant></t:IsEqualTo>'
    )
    found = _find_folders(
        sandbox,
        "msgfolderroot",
        f"<t:Or>{class_is.format('IPF.Note')}{class_is.format('IPF.Note.Microsoft.Conversation')}"
        '<t:Not><t:Exists><t:ExtendedFieldURI PropertyTag="0x3613" PropertyType="String"/>'
        "</t:Exists></t:Not></t:Or>",
    )
    names = {f.findtext(f"{T}DisplayName") for f in found}
    assert names == expected and "Calendar" not in names and "Inbox" in names


def test_echo_forms_and_contains_on_a_multi_valued_property(fresh_sandbox: Any) -> None:
    sandbox: Sandbox = fresh_sandbox(users=1, messages=60, events=0)
    truth = sandbox.control.truth(sandbox.info.users[0].email)
    inbox = next(f["id"] for f in truth["folders"] if f["distinguished"] == "inbox")
    tagged = [i for i in truth["items"] if i["folder_id"] == inbox and i["categories"]]
    assert tagged, "the generator makes categorised messages"
    word = tagged[0]["categories"][0].split()[0].lower()
    root = soap(
        sandbox,
        '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape>'
        "<t:AdditionalProperties>"
        '<t:ExtendedFieldURI PropertyTag="0x0E23" PropertyType="Integer"/>'
        '<t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="Keywords" '
        'PropertyType="StringArray"/>'
        '<t:ExtendedFieldURI PropertySetId="00062008-0000-0000-C000-000000000046" '
        'PropertyId="0x8570" PropertyType="Integer"/>'
        "</t:AdditionalProperties></m:ItemShape>"
        '<m:Restriction><t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase">'
        '<t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="Keywords" '
        f'PropertyType="StringArray"/><t:Constant Value="{word}"/></t:Contains></m:Restriction>'
        '<m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>',
    )
    assert root.find(f".//{M}ResponseCode").text == "NoError"
    found = [_props(message) for message in root.iter(f"{T}Message")]
    expected = [
        i
        for i in truth["items"]
        if i["folder_id"] == inbox and any(word in c.lower() for c in i["categories"])
    ]
    assert sorted(int(p["0xe23"]) for p in found) == sorted(i["imap_uid"] for i in expected)
    assert all(p["Keywords"] for p in found) and not any("34160" in p for p in found)
