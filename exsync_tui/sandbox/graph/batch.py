"""Graph's JSON batching: ``POST /v1.0/$batch`` with up to 20 requests, answered together.

Each request of the batch is routed like a request of its own (same mailbox, same
handlers) and answered in ``responses`` with its ``id``, ``status``, ``headers`` and
``body``. Graph runs them in any order unless ``dependsOn`` says otherwise; here they
run in the order given, which is one of the orders Graph may choose.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from exsync_tui.sandbox.graph.wire import GraphError, GraphRequest, json_body, ok
from exsync_tui.sandbox.httpserver import Response

MAX_BATCH = 20
Route = Callable[[GraphRequest], Response]


def _inner(outer: GraphRequest, entry: Any) -> tuple[str, GraphRequest]:
    """The id and the request one entry of ``requests`` describes."""
    if not isinstance(entry, dict) or not entry.get("id") or not entry.get("url"):
        raise GraphError(400, "BadRequest", "Each batch request needs an id, a method and a url.")
    headers = {str(k).lower(): str(v) for k, v in (entry.get("headers") or {}).items()}
    parts = urlsplit(str(entry["url"]))
    path = parts.path.split("/v1.0", 1)[1] if parts.path.startswith("/v1.0") else parts.path
    body = entry.get("body")
    raw = json.dumps(body).encode() if isinstance(body, dict) else str(body or "").encode()
    prefer = headers.get("prefer", "")
    request = replace(
        outer,
        segments=tuple(unquote(s) for s in path.split("/") if s),
        query={k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
        immutable_ids=outer.immutable_ids or "immutableid" in prefer.lower().replace('"', ""),
        method=str(entry.get("method") or "GET").upper(),
        body=raw,
        if_match=headers.get("if-match"),
    )
    return str(entry["id"]), request


def _answer(entry_id: str, response: Response) -> dict[str, Any]:
    headers = {name: value for name, value in response.headers}
    answer: dict[str, Any] = {"id": entry_id, "status": response.status, "headers": headers}
    if response.body:
        headers["Content-Type"] = response.content_type
        try:
            answer["body"] = json.loads(response.body)
        except ValueError:
            answer["body"] = response.body.decode("utf-8", "replace")
    return answer


def batch(outer: GraphRequest, route: Route) -> Response:
    """Answer every request of a ``$batch`` body through ``route``."""
    requests = json_body(outer).get("requests")
    if not isinstance(requests, list) or not requests:
        raise GraphError(400, "BadRequest", "A batch needs a non-empty requests array.")
    if len(requests) > MAX_BATCH:
        raise GraphError(400, "BadRequest", f"Number of requests exceeds the limit of {MAX_BATCH}.")
    answers = []
    for entry in requests:
        entry_id, request = _inner(outer, entry)
        try:
            response = route(request)
        except GraphError as problem:
            response = problem.response()
        answers.append(_answer(entry_id, response))
    return ok({"responses": answers})
