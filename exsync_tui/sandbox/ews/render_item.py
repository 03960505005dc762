"""Messages (and the properties all items share) as EWS XML, in schema order."""

from __future__ import annotations

import base64
from collections.abc import Callable

from exsync_tui.sandbox.ews.context import EwsError
from exsync_tui.sandbox.ews.extended import render_extended
from exsync_tui.sandbox.ews.shapes import Shape
from exsync_tui.sandbox.ews.soap import attr, bool_text, el, ews_datetime, text
from exsync_tui.sandbox.mapi import item_property
from exsync_tui.sandbox.mime import summarize
from exsync_tui.sandbox.model import Folder, MessageItem, StoredItem


def item_id_xml(item_id: str, change_key: str, tag: str = "t:ItemId") -> str:
    """`<t:ItemId Id=... ChangeKey=.../>`."""
    return f"<{tag} Id={attr(item_id)} ChangeKey={attr(change_key)}/>"


def mailbox_xml(name: str, address: str, mailbox_type: str = "OneOff") -> str:
    """A `t:Mailbox` (EmailAddressType)."""
    return (
        f"<t:Mailbox>{el('t:Name', name)}{el('t:EmailAddress', address)}"
        f"<t:RoutingType>SMTP</t:RoutingType><t:MailboxType>{mailbox_type}</t:MailboxType>"
        "</t:Mailbox>"
    )


def _recipients(tag: str, people: list[tuple[str, str]]) -> str:
    return f"<{tag}>{''.join(mailbox_xml(n, a) for n, a in people)}</{tag}>"


def body_xml(body: str, is_html: bool, requested: str) -> str:
    """`t:Body`; Exchange converts HTML to text when the client asks for Text."""
    if requested == "Text" and is_html:
        is_html = False
    return f'<t:Body BodyType="{"HTML" if is_html else "Text"}">{text(body)}</t:Body>'


MessageRenderer = Callable[[MessageItem, Folder, Shape], str]


def _mime(message: MessageItem, folder: Folder, shape: Shape) -> str:
    if message.unrenderable:
        raise EwsError("ErrorMimeContentConversionFailed", "Content conversion failed.")
    encoded = base64.b64encode(message.mime).decode("ascii")
    return f'<t:MimeContent CharacterSet="UTF-8">{encoded}</t:MimeContent>'


def _body(message: MessageItem, shape: Shape) -> str:
    # Parsed on request: few clients ask for the body, and generated messages keep no MIME.
    summary = summarize(message.mime)
    return body_xml(summary.body_text, summary.body_is_html, shape.body_type)


def _categories(names: list[str]) -> str:
    if not names:
        return ""
    return f"<t:Categories>{''.join(el('t:String', n) for n in names)}</t:Categories>"


def _display(people: list[tuple[str, str]]) -> str:
    return "; ".join(name or address for name, address in people)


# (FieldURI, renderer) in the order of ItemType then MessageType in the EWS schema.
MESSAGE_FIELDS: tuple[tuple[str, MessageRenderer], ...] = (
    ("item:MimeContent", _mime),
    ("item:ItemId", lambda i, f, s: item_id_xml(i.id, i.change_key)),
    (
        "item:ParentFolderId",
        lambda i, f, s: f"<t:ParentFolderId Id={attr(f.id)} ChangeKey={attr(f.change_key)}/>",
    ),
    ("item:ItemClass", lambda i, f, s: "<t:ItemClass>IPM.Note</t:ItemClass>"),
    ("item:Subject", lambda i, f, s: el("t:Subject", i.subject)),
    ("item:Sensitivity", lambda i, f, s: "<t:Sensitivity>Normal</t:Sensitivity>"),
    ("item:Body", lambda i, f, s: _body(i, s)),
    ("item:DateTimeReceived", lambda i, f, s: el("t:DateTimeReceived", ews_datetime(i.received))),
    ("item:Size", lambda i, f, s: el("t:Size", i.size)),
    ("item:Categories", lambda i, f, s: _categories(i.categories)),
    ("item:Importance", lambda i, f, s: el("t:Importance", i.importance)),
    ("item:IsSubmitted", lambda i, f, s: "<t:IsSubmitted>false</t:IsSubmitted>"),
    ("item:IsDraft", lambda i, f, s: el("t:IsDraft", bool_text(i.is_draft))),
    ("item:IsFromMe", lambda i, f, s: "<t:IsFromMe>false</t:IsFromMe>"),
    ("item:IsResend", lambda i, f, s: "<t:IsResend>false</t:IsResend>"),
    ("item:IsUnmodified", lambda i, f, s: el("t:IsUnmodified", bool_text(i.version == 1))),
    ("item:DateTimeSent", lambda i, f, s: el("t:DateTimeSent", ews_datetime(i.sent))),
    ("item:DateTimeCreated", lambda i, f, s: el("t:DateTimeCreated", ews_datetime(i.received))),
    ("item:ReminderIsSet", lambda i, f, s: "<t:ReminderIsSet>false</t:ReminderIsSet>"),
    (
        "item:ReminderMinutesBeforeStart",
        lambda i, f, s: "<t:ReminderMinutesBeforeStart>0</t:ReminderMinutesBeforeStart>",
    ),
    ("item:DisplayCc", lambda i, f, s: el("t:DisplayCc", _display(i.cc))),
    ("item:DisplayTo", lambda i, f, s: el("t:DisplayTo", _display(i.to))),
    ("item:HasAttachments", lambda i, f, s: el("t:HasAttachments", bool_text(i.has_attachments))),
    ("item:ExtendedProperty", lambda i, f, s: extended_xml(i, s)),
    ("item:Culture", lambda i, f, s: "<t:Culture>en-US</t:Culture>"),
    ("item:LastModifiedTime", lambda i, f, s: el("t:LastModifiedTime", ews_datetime(i.received))),
    ("item:IsAssociated", lambda i, f, s: "<t:IsAssociated>false</t:IsAssociated>"),
    (
        "message:Sender",
        lambda i, f, s: f"<t:Sender>{mailbox_xml(i.sender_name, i.sender_email)}</t:Sender>",
    ),
    ("message:ToRecipients", lambda i, f, s: _recipients("t:ToRecipients", i.to) if i.to else ""),
    ("message:CcRecipients", lambda i, f, s: _recipients("t:CcRecipients", i.cc) if i.cc else ""),
    (
        "message:IsReadReceiptRequested",
        lambda i, f, s: "<t:IsReadReceiptRequested>false</t:IsReadReceiptRequested>",
    ),
    (
        "message:IsDeliveryReceiptRequested",
        lambda i, f, s: "<t:IsDeliveryReceiptRequested>false</t:IsDeliveryReceiptRequested>",
    ),
    (
        "message:From",
        lambda i, f, s: f"<t:From>{mailbox_xml(i.sender_name, i.sender_email)}</t:From>",
    ),
    ("message:InternetMessageId", lambda i, f, s: el("t:InternetMessageId", i.message_id)),
    ("message:IsRead", lambda i, f, s: el("t:IsRead", bool_text(i.is_read))),
    (
        "message:IsResponseRequested",
        lambda i, f, s: "<t:IsResponseRequested>false</t:IsResponseRequested>",
    ),
)


def extended_xml(item: StoredItem, shape: Shape) -> str:
    """The requested MAPI properties that are set, where ItemType has `t:ExtendedProperty`."""
    return "".join(render_extended(p, item_property(item, p.key)) for p in shape.extended)


def render_message(message: MessageItem, folder: Folder, shape: Shape) -> str:
    """A `t:Message` element with the properties `shape` asks for."""
    parts = ["<t:Message>"]
    for uri, renderer in MESSAGE_FIELDS:
        if uri in ("item:ItemId", "item:ExtendedProperty") or shape.wants(uri):
            if uri == "item:MimeContent" and shape.all_properties and uri not in shape.fields:
                continue  # AllProperties never includes MIME; it must be asked for.
            parts.append(renderer(message, folder, shape))
    parts.append("</t:Message>")
    return "".join(parts)
