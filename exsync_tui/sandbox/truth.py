"""The server-side truth of a mailbox as plain data (what tests compare a local copy against)."""

from __future__ import annotations

from typing import Any

from exsync_tui.sandbox import mapi
from exsync_tui.sandbox.calendar import to_ical
from exsync_tui.sandbox.model import CalendarEvent, Mailbox, MessageItem


def mailbox_truth(mailbox: Mailbox, include_mime: bool = True) -> dict[str, Any]:
    """Folders (id, name, parent, class, distinguished) and items (ids, change keys, MIME...).

    Without `include_mime`, messages come without their MIME: rendering tens of thousands of
    generated messages for a list of ids is what a benchmark must not measure or pay for.
    """
    folders = [
        {
            "id": f.id,
            "change_key": f.change_key,
            "name": f.name,
            "parent_id": f.parent_id,
            "folder_class": f.folder_class,
            "distinguished": f.distinguished,
        }
        for f in mailbox.folders.values()
    ]
    items: list[dict[str, Any]] = []
    for item in mailbox.items.values():
        entry: dict[str, Any] = {
            "id": item.id,
            "graph_id": item.graph_id,
            "change_key": item.change_key,
            "folder_id": item.folder_id,
            "subject": item.subject,
        }
        if isinstance(item, MessageItem):
            if include_mime:
                entry["mime"] = item.mime
            entry.update(
                kind="message",
                is_read=item.is_read,
                flag_status=item.flag_status,
                message_id=item.message_id,
            )
            entry.update(message_state(item))
        elif isinstance(item, CalendarEvent):
            entry.update(
                kind="event",
                uid=item.uid,
                mime=to_ical(item),
                start=item.start.isoformat(),
                end=item.end.isoformat(),
                timezone=item.timezone,
                all_day=item.all_day,
                recurring=item.recurrence is not None,
            )
        items.append(entry)
    return {"email": mailbox.email, "folders": folders, "items": items}


def message_state(message: MessageItem) -> dict[str, Any]:
    """The flags a client can see and change besides the read flag."""
    return {
        "flagged": message.flag_status == mapi.FLAG_FLAGGED,
        "flag_status": message.flag_status,
        "answered": message.last_verb in (mapi.VERB_REPLY, mapi.VERB_REPLY_ALL),
        "forwarded": message.last_verb == mapi.VERB_FORWARD,
        "is_draft": message.is_draft,
        "categories": list(message.categories),
        "imap_uid": message.article,
    }
