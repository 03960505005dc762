"""ConvertId and ResolveNames."""

from __future__ import annotations

from lxml import etree

from exsync_tui.sandbox.ews.context import EwsContext
from exsync_tui.sandbox.ews.render_item import mailbox_xml
from exsync_tui.sandbox.ews.soap import attr, el, error, m, success, t
from exsync_tui.sandbox.ids import ID_FORMATS, decode_id, encode_id


def convert_id(ctx: EwsContext, request: etree._Element) -> list[str]:
    """ConvertId between EwsId, EwsLegacyId, EntryId, HexEntryId, StoreId and OwaId."""
    destination = request.get("DestinationFormat", "EwsId")
    sources = request.find(m("SourceIds"))
    messages = []
    for source in sources if sources is not None else []:
        decoded = decode_id(source.get("Id", "")) if source.tag == t("AlternateId") else None
        if decoded is None or destination not in ID_FORMATS:
            messages.append(error("ConvertId", "ErrorInvalidIdMalformed", "Id is malformed."))
            continue
        parts, _ = decoded
        if parts.mailbox >= len(ctx.store.mailboxes):
            messages.append(
                error(
                    "ConvertId",
                    "ErrorItemNotFound",
                    "The specified object was not found in the store.",
                )
            )
            continue
        owner = ctx.store.mailboxes[parts.mailbox].email
        converted = encode_id(parts, destination)
        messages.append(
            success(
                "ConvertId",
                f'<m:AlternateId xsi:type="t:AlternateIdType" Format={attr(destination)} '
                f"Id={attr(converted)} Mailbox={attr(owner)}/>",
            )
        )
    return messages


def resolve_names(ctx: EwsContext, request: etree._Element) -> list[str]:
    """ResolveNames against the sandbox's directory (its users)."""
    entry = (request.findtext(m("UnresolvedEntry")) or "").strip()
    needle = entry.lower().removeprefix("smtp:")
    matches = [
        mb
        for mb in ctx.store.mailboxes
        if needle
        and (
            mb.email.lower().startswith(needle)
            or mb.display_name.lower().startswith(needle)
            or any(word.startswith(needle) for word in mb.display_name.lower().split())
        )
    ]
    if not matches:
        return [error("ResolveNames", "ErrorNameResolutionNoResults", "No results were found.")]
    full = request.get("ReturnFullContactData", "false") == "true"
    resolutions = []
    for mailbox in matches:
        contact = ""
        if full:
            contact = (
                f"<t:Contact>{el('t:DisplayName', mailbox.display_name)}"
                f'<t:EmailAddresses><t:Entry Key="EmailAddress1">SMTP:{mailbox.email}</t:Entry>'
                "</t:EmailAddresses><t:ContactSource>ActiveDirectory</t:ContactSource></t:Contact>"
            )
        resolutions.append(
            f"<t:Resolution>{mailbox_xml(mailbox.display_name, mailbox.email, 'Mailbox')}"
            f"{contact}</t:Resolution>"
        )
    content = (
        f'<m:ResolutionSet TotalItemsInView="{len(matches)}" IncludesLastItemInRange="true">'
        f"{''.join(resolutions)}</m:ResolutionSet>"
    )
    if len(matches) > 1:
        return [
            error(
                "ResolveNames",
                "ErrorNameResolutionMultipleResults",
                "Multiple results were found.",
                content,
                response_class="Warning",
            )
        ]
    return [success("ResolveNames", content)]
