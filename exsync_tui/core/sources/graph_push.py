"""Two-way through Graph: flags by ``PATCH``, moves and deletes by ``move``, refresh by ``GET``,
twenty to a ``$batch``.

- Read state is ``isRead``, the follow-up flag ``flag.flagStatus``, "replied" the
  last-verb property (``Integer 0x1081``, 102 as Outlook writes for a reply) with
  the replied icon (``Integer 0x1080``); Graph cannot remove an extended property,
  so "not replied" writes 0 and the default icon (-1).
- Each ``PATCH`` carries ``If-Match`` with the change key the last sync saw: Graph
  answers 412 when the message changed since, which is :attr:`PushStatus.CONFLICT`.
- A delete is a move to the well-known ``deleteditems`` folder (from Deleted Items, to
  ``recoverableitemsdeletions``, as EWS's soft delete), never ``DELETE``: exsync never
  hard-deletes.
- With ``Prefer: IdType="ImmutableId"`` a moved message keeps its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

from exsync_tui.core.sources.base import FlagPush, ItemChange, PushResult, PushStatus
from exsync_tui.core.sources.graph_batch import SubAnswer, SubRequest, run_batch
from exsync_tui.core.sources.graph_http import GraphClient, GraphStatusError
from exsync_tui.core.sources.graph_parse import (
    MESSAGE_EXPAND,
    MESSAGE_SELECT,
    VERB_PROPERTY,
    message_change,
)

PREFER = 'IdType="ImmutableId"'
ICON_PROPERTY = "Integer 0x1080"  # PidTagIconIndex: the envelope Outlook shows
VERB_REPLY = 102  # EXCHIVERB_REPLYTOSENDER
ICON_REPLIED = 261
ICON_DEFAULT = -1
DELETED_ITEMS = "deleteditems"
SOFT_DELETED = "recoverableitemsdeletions"  # where Exchange's soft delete puts items
_HEADERS = {"Prefer": PREFER}


def _message_url(item_id: str, tail: str = "") -> str:
    return f"/me/messages/{quote(item_id, safe='')}{tail}"


def patch_body(push: FlagPush) -> dict[str, Any]:
    """The ``PATCH`` body that writes one push's flags (None: left as the server has it)."""
    body: dict[str, Any] = {}
    if push.is_read is not None:
        body["isRead"] = push.is_read
    if push.flagged is not None:
        body["flag"] = {"flagStatus": "flagged" if push.flagged else "notFlagged"}
    if push.answered is not None:
        verb, icon = (VERB_REPLY, ICON_REPLIED) if push.answered else (0, ICON_DEFAULT)
        body["singleValueExtendedProperties"] = [
            {"id": VERB_PROPERTY, "value": str(verb)},
            {"id": ICON_PROPERTY, "value": str(icon)},
        ]
    return body


def _status(answer: SubAnswer) -> PushStatus:
    if 200 <= answer.status < 300:
        return PushStatus.DONE
    if answer.status == 412 or answer.error_code == "ErrorIrresolvableConflict":
        return PushStatus.CONFLICT
    if answer.status == 404:
        return PushStatus.NOT_FOUND
    return PushStatus.FAILED


def _results(item_ids: Sequence[str], answers: Sequence[SubAnswer]) -> list[PushResult]:
    results = []
    for item_id, answer in zip(item_ids, answers, strict=True):
        status = _status(answer)
        if status is PushStatus.DONE:
            new_id, key = answer.body.get("id"), answer.body.get("changeKey")
            results.append(PushResult(item_id, status, new_id, key))
        else:
            results.append(PushResult(item_id, status, detail=answer.detail))
    return results


def update_flags(client: GraphClient, pushes: Sequence[FlagPush]) -> list[PushResult]:
    """One ``PATCH`` per push, batched; each conditional on its change key."""
    requests = []
    for push in pushes:
        headers = dict(_HEADERS)
        if push.change_key:
            headers["If-Match"] = f'W/"{push.change_key}"'
        requests.append(SubRequest("PATCH", _message_url(push.item_id), patch_body(push), headers))
    return _results([p.item_id for p in pushes], run_batch(client, requests, _HEADERS))


def move_items(client: GraphClient, item_ids: Sequence[str], folder_id: str) -> list[PushResult]:
    """One ``move`` per message, batched; each result carries the id it has now."""
    body = {"destinationId": folder_id}
    requests = [SubRequest("POST", _message_url(i, "/move"), body, _HEADERS) for i in item_ids]
    return _results(item_ids, run_batch(client, requests, _HEADERS))


def delete_items(client: GraphClient, item_ids: Sequence[str]) -> list[PushResult]:
    """Move the messages to Deleted Items, and those already there on to the soft-delete
    folder, as EWS's ``MoveToDeletedItems`` does (never a hard delete).

    Where each message is comes first, in the same batches as Deleted Items' id."""
    where = [SubRequest("GET", f"/me/mailFolders/{DELETED_ITEMS}?$select=id", None, _HEADERS)]
    where += [SubRequest("GET", _message_url(i, "?$select=parentFolderId"), None, _HEADERS)
              for i in item_ids]  # fmt: skip
    found = run_batch(client, where, _HEADERS)
    if found[0].status != 200:
        raise GraphStatusError(found[0].status, found[0].error_code, found[0].detail)
    trash = found[0].body.get("id")
    results: dict[str, PushResult] = {}
    targets: dict[str, list[str]] = {DELETED_ITEMS: [], SOFT_DELETED: []}
    for item_id, answer in zip(item_ids, found[1:], strict=True):
        if answer.status != 200:
            results[item_id] = PushResult(item_id, _status(answer), detail=answer.detail)
        else:
            in_trash = answer.body.get("parentFolderId") == trash
            targets[SOFT_DELETED if in_trash else DELETED_ITEMS].append(item_id)
    for folder, ids in targets.items():
        if ids:
            results.update((r.item_id, r) for r in move_items(client, ids, folder))
    return [results[item_id] for item_id in item_ids]


def refresh_items(client: GraphClient, item_ids: Sequence[str]) -> dict[str, ItemChange]:
    """The flags and change key of each message now, batched; messages gone are left out."""
    query = urlencode({"$select": MESSAGE_SELECT, "$expand": MESSAGE_EXPAND})
    requests = [SubRequest("GET", f"{_message_url(i)}?{query}", None, _HEADERS) for i in item_ids]
    found: dict[str, ItemChange] = {}
    for item_id, answer in zip(item_ids, run_batch(client, requests, _HEADERS), strict=True):
        if answer.status == 404:
            continue
        if answer.status != 200:
            raise GraphStatusError(answer.status, answer.error_code, answer.detail)
        found[item_id] = message_change(answer.body, first_round=False)
    return found
