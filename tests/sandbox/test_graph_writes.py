"""The sandbox's Graph writes as a plain HTTP client sees them: PATCH, move, sendMail, $batch."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
import requests

from exsync_tui.sandbox import Sandbox
from exsync_tui.sandbox.graph import operation_of
from tests.sandbox.test_graph import IMMUTABLE, Graph
from tests.sources.helpers import truth_items


def _send(graph: Graph, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {graph.token}", "Prefer": IMMUTABLE,
               **kwargs.pop("headers", {})}  # fmt: skip
    url = f"{graph.sb.info.graph_url}/v1.0/{path}"
    return graph.session.request(method, url, headers=headers, timeout=30, **kwargs)


def _first_message(sb: Sandbox) -> dict[str, Any]:
    return next(i for i in truth_items(sb, "inbox").values() if not i["is_draft"])


def test_a_patch_is_refused_when_its_etag_is_stale_and_applied_when_current(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(events=0, messages=4)
    graph = Graph(sb)
    item = _first_message(sb)
    path = f"me/messages/{item['graph_id']}"
    stale = _send(graph, "PATCH", path, json={"isRead": not item["is_read"]},
                  headers={"If-Match": 'W/"not-the-key"'})  # fmt: skip
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "ErrorIrresolvableConflict"
    assert truth_items(sb, "inbox")[item["id"]]["is_read"] is item["is_read"]
    verb = [{"id": "Integer 0x1081", "value": "102"}]
    body = {
        "isRead": True,
        "flag": {"flagStatus": "flagged"},
        "singleValueExtendedProperties": verb,
    }
    done = _send(graph, "PATCH", path, json=body,
                 headers={"If-Match": f'W/"{item["change_key"]}"'})  # fmt: skip
    assert done.status_code == 200, done.text
    now = truth_items(sb, "inbox")[item["id"]]
    assert (now["is_read"], now["flagged"], now["answered"]) == (True, True, True)
    assert done.json()["changeKey"] == now["change_key"] != item["change_key"]


def test_a_patch_of_anything_else_is_refused_and_changes_nothing(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(events=0, messages=4)
    item = _first_message(sb)
    answer = _send(Graph(sb), "PATCH", f"me/messages/{item['graph_id']}",
                   json={"isRead": True, "subject": "renamed"})  # fmt: skip
    assert answer.status_code == 400
    assert truth_items(sb, "inbox")[item["id"]] == item


def test_a_move_to_deleteditems_keeps_the_immutable_id_and_there_is_no_delete(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(events=0, messages=4)
    graph = Graph(sb)
    item, other = list(truth_items(sb, "inbox").values())[:2]
    refused = _send(graph, "DELETE", f"me/messages/{other['graph_id']}")
    assert refused.status_code == 405 and other["id"] in truth_items(sb, "inbox")
    moved = _send(graph, "POST", f"me/messages/{item['graph_id']}/move",
                  json={"destinationId": "deleteditems"})  # fmt: skip
    assert moved.status_code == 201 and moved.json()["id"] == item["graph_id"]
    trash = {i["graph_id"]: i for i in truth_items(sb, "deleteditems").values()}
    assert item["graph_id"] in trash and item["id"] not in truth_items(sb, "inbox")
    delta = graph.delta("inbox")
    removed = [v["id"] for page in delta for v in page["value"] if "@removed" in v]
    assert removed == []  # a first round lists what is there; the move shows in later rounds


def test_a_batch_answers_each_request_by_id_and_refuses_more_than_twenty(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(events=0, messages=4)
    graph = Graph(sb)
    item = _first_message(sb)
    requests_ = [
        {"id": "a", "method": "GET", "url": f"/me/messages/{item['graph_id']}?$select=isRead"},
        {"id": "b", "method": "GET", "url": "/me/messages/nothing-here"},
        {"id": "c", "method": "POST", "url": "/$batch", "body": {"requests": []}},
    ]
    answer = _send(graph, "POST", "$batch", json={"requests": requests_})
    assert answer.status_code == 200, answer.text
    statuses = {r["id"]: r["status"] for r in answer.json()["responses"]}
    assert statuses == {"a": 200, "b": 404, "c": 405}
    many = [{"id": str(n), "method": "GET", "url": "/me"} for n in range(21)]
    assert _send(graph, "POST", "$batch", json={"requests": many}).status_code == 400


def test_send_mail_takes_base64_mime_and_filters_find_it_by_message_id(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(events=0, messages=1)
    graph = Graph(sb)
    mime = (b"From: me@x.test\r\nTo: you@x.test\r\nBcc: hidden@x.test\r\n"
            b"Message-ID: <s.1@x.test>\r\nSubject: hi\r\n\r\nbody\r\n")  # fmt: skip
    bad = _send(graph, "POST", "me/sendMail", data=b"not base64!",
                headers={"Content-Type": "text/plain"})  # fmt: skip
    assert bad.status_code == 400 and sb.control.outbox(graph.email) == []
    done = _send(graph, "POST", "me/sendMail", data=base64.b64encode(mime),
                 headers={"Content-Type": "text/plain"})  # fmt: skip
    assert done.status_code == 202
    [envelope] = sb.control.outbox_envelopes(graph.email)
    assert sorted(envelope["recipients"]) == ["hidden@x.test", "you@x.test"]
    assert b"Bcc" not in envelope["mime"]
    found = graph.get("me/mailFolders/sentitems/messages",
                      **{"$filter": "internetMessageId eq '<s.1@x.test>'"})  # fmt: skip
    assert [m["internetMessageId"] for m in found.json()["value"]] == ["<s.1@x.test>"]
    other = graph.get("me/messages", **{"$filter": "subject eq 'hi'"})
    assert other.status_code == 400


@pytest.mark.parametrize(
    ("segments", "method", "kind"),
    [
        (("me", "messages", "x", "$value"), "GET", "GraphValue"),
        (("me", "mailFolders", "inbox", "messages", "delta"), "GET", "GraphDelta"),
        (("me", "messages", "x"), "GET", "GraphMessage"),
        (("me", "mailFolders", "sentitems", "messages"), "GET", "GraphMessage"),
        (("me", "messages", "x"), "PATCH", "GraphPatch"),
        (("me", "messages", "x", "move"), "POST", "GraphMove"),
        (("me", "sendMail"), "POST", "GraphSendMail"),
        (("$batch",), "POST", "GraphBatch"),
    ],
)
def test_each_request_kind_has_its_own_name_for_faults_and_the_log(
    segments: tuple[str, ...], method: str, kind: str
) -> None:
    assert operation_of(segments, method) == kind
