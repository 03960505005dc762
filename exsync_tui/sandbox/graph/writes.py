"""Graph's mail writes: a message by id, ``PATCH`` of its flags, ``move``, ``sendMail`` (MIME),
and the ``$filter`` on ``internetMessageId`` that finds a sent message again.

Every write goes through the store operations the EWS writes use
(:mod:`~exsync_tui.sandbox.store_ops`, :mod:`~exsync_tui.sandbox.store_writes`), so it
shows in EWS sync states, Graph deltas and ``truth()`` alike. A ``PATCH`` with
``If-Match`` is refused with 412 ``ErrorIrresolvableConflict`` when the message's etag
moved on, which is how Outlook's Graph guards a write against a change made meanwhile.
There is no ``DELETE`` here: exsync deletes by moving to ``deleteditems`` (and from there to
``recoverableitemsdeletions``, Exchange's soft delete).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from exsync_tui.core.send.headers import HeaderError
from exsync_tui.sandbox import mapi, store_ops, store_writes
from exsync_tui.sandbox.graph.mail import find_item, mail_folder, message_json
from exsync_tui.sandbox.graph.wire import (
    GraphError,
    GraphRequest,
    json_body,
    not_found,
    ok,
)
from exsync_tui.sandbox.httpserver import Response
from exsync_tui.sandbox.model import Folder, Mailbox, MessageItem
from exsync_tui.sandbox.store import MailboxStore

_FLAG_STATUS = {"notFlagged": 0, "complete": 1, "flagged": mapi.FLAG_FLAGGED}
_WRITABLE_TAGS = {"tag:1081", "tag:1080", "tag:1090"}  # last verb, icon index, flag status
_PATCHABLE = {"isRead", "flag", "singleValueExtendedProperties"}
_MESSAGE_ID_FILTER = re.compile(r"^\s*internetMessageId\s+eq\s+'((?:[^']|'')*)'\s*$")


def message(mailbox: Mailbox, item_id: str) -> MessageItem:
    """The message with this id (EWS id or ImmutableId), or Graph's 404."""
    found = find_item(mailbox, item_id)
    if not isinstance(found, MessageItem):
        raise not_found(item_id)
    return found


def get_message(mailbox: Mailbox, item_id: str, request: GraphRequest) -> Response:
    """``GET /me/messages/{id}`` (``$select`` and ``$expand`` as in a delta page)."""
    return ok(message_json(message(mailbox, item_id), request))


def _tag_key(prop_id: str) -> str:
    kind, _, tag = prop_id.strip().partition(" ")
    try:
        key = f"tag:{int(tag, 16):x}"
    except ValueError:
        key = ""
    if kind.lower() != "integer" or key not in _WRITABLE_TAGS:
        raise GraphError(400, "ErrorInvalidProperty", f"{prop_id} cannot be written here.")
    return key


def _changes(payload: dict[str, Any]) -> list[tuple[str, Any]]:
    """(property key, value) for each property of a PATCH body; anything else is refused."""
    unknown = set(payload) - _PATCHABLE
    if unknown:
        raise GraphError(400, "ErrorInvalidProperty", f"Cannot update {sorted(unknown)[0]} here.")
    found: list[tuple[str, Any]] = []
    if "isRead" in payload:
        if not isinstance(payload["isRead"], bool):
            raise GraphError(400, "BadRequest", "isRead must be true or false.")
        found.append(("isRead", payload["isRead"]))
    if "flag" in payload:
        flag = payload["flag"] if isinstance(payload["flag"], dict) else {}
        status = _FLAG_STATUS.get(str(flag.get("flagStatus")))
        if status is None:
            raise GraphError(
                400, "BadRequest", "flagStatus must be notFlagged, complete or flagged."
            )
        found.append(("tag:1090", status))
    for prop in payload.get("singleValueExtendedProperties") or ():
        if not isinstance(prop, dict) or "id" not in prop:
            raise GraphError(400, "BadRequest", "An extended property needs an id and a value.")
        try:
            value = int(str(prop.get("value")))
        except ValueError:
            raise GraphError(400, "BadRequest", f"{prop['id']} needs an integer.") from None
        found.append((_tag_key(str(prop["id"])), value))
    return found


def patch_message(mailbox: Mailbox, item_id: str, request: GraphRequest) -> Response:
    """``PATCH /me/messages/{id}``: read state, follow-up flag, writable MAPI integers.

    Applied all or nothing; a change of ``isRead`` alone is a read-flag change in EWS
    sync, anything else an update (as an EWS UpdateItem of the same fields).
    """
    stored = message(mailbox, item_id)
    changes = _changes(json_body(request))
    if request.if_match is not None and request.if_match != f'W/"{stored.change_key}"':
        raise GraphError(
            412,
            "ErrorIrresolvableConflict",
            "The change key passed in the request does not match the current change key "
            "for the item.",
        )
    if changes and all(key == "isRead" for key, _ in changes):
        store_ops.set_read(mailbox, stored.id, bool(changes[-1][1]))
    elif changes:
        for key, value in changes:
            if key == "isRead":
                stored.is_read = bool(value)
            else:
                mapi.set_item_property(stored, key, value)
        store_ops.mark_changed(mailbox, stored)
    return ok(message_json(stored, request))


def move_message(
    store: MailboxStore, mailbox: Mailbox, item_id: str, request: GraphRequest
) -> Response:
    """``POST /me/messages/{id}/move``: to a folder id or well-known name (``deleteditems``).

    201 with the moved message; with ImmutableIds its id is the one it had.
    """
    stored = message(mailbox, item_id)
    destination = json_body(request).get("destinationId")
    if not isinstance(destination, str) or not destination:
        raise GraphError(400, "ErrorInvalidIdMalformed", "destinationId is required.")
    # Well-known names include folders mailFolders does not list, such as the
    # soft-delete folder ``recoverableitemsdeletions``.
    target: Folder = mailbox.distinguished(destination.lower()) or mail_folder(
        store, mailbox, destination
    )
    moved = store_ops.move_item(mailbox, stored.id, target.id)
    assert isinstance(moved, MessageItem)
    return ok(message_json(moved, request), status=201)


def send_mail(mailbox: Mailbox, request: GraphRequest) -> Response:
    """``POST /me/sendMail`` with a base64 MIME body (``Content-Type: text/plain``): delivered
    to its To, Cc and Bcc fields, a copy saved in Sent Items; 202 with no body."""
    try:
        mime = base64.b64decode(request.body.strip(), validate=True)
    except binascii.Error:
        raise GraphError(
            400, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content."
        ) from None
    if not mime.strip():
        raise GraphError(400, "ErrorMimeContentInvalid", "The MIME content is empty.")
    try:
        store_writes.send_message(mailbox, mime, save_copy=True)
    except HeaderError as problem:
        raise GraphError(400, "ErrorMimeContentInvalid", str(problem)) from None
    return Response(202, b"", "text/plain")


def filtered_messages(
    store: MailboxStore, mailbox: Mailbox, folder: Folder | None, request: GraphRequest
) -> Response:
    """``messages?$filter=internetMessageId eq '...'`` of a folder (or of the whole mailbox)."""
    wanted = _MESSAGE_ID_FILTER.match(request.query.get("$filter", ""))
    if wanted is None:
        raise GraphError(400, "ErrorInvalidUrlQueryFilter", "Only internetMessageId eq is served.")
    message_id = wanted.group(1).replace("''", "'")
    items = (
        store.items_in(mailbox, folder.id) if folder is not None else list(mailbox.items.values())
    )
    found = [
        message_json(item, request)
        for item in items
        if isinstance(item, MessageItem) and item.message_id == message_id
    ]
    return ok({"value": found})
