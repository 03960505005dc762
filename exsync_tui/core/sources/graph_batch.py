"""Graph JSON batching: up to 20 requests in one ``POST /v1.0/$batch``.

Each request of a batch gets its own answer; one answered 429 (Outlook runs a
batch's requests at most four at a time and throttles the rest) or 5xx is sent
again in a later batch, after the longest ``Retry-After`` asked, within the
client's time budget. Requests go one batch at a time, so the requests in flight
for the mailbox stay those of one batch.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.sources.graph_http import RETRY_STATUSES, GraphClient, retry_after_value

MAX_BATCH = 20
"""Graph's limit of requests per ``$batch``."""


@dataclass(frozen=True)
class SubRequest:
    """One request of a batch; ``url`` is relative to ``/v1.0`` (``/me/messages/...``)."""

    method: str
    url: str
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def as_json(self, request_id: str) -> dict[str, Any]:
        """The entry of ``requests`` for this request."""
        entry: dict[str, Any] = {"id": request_id, "method": self.method, "url": self.url}
        headers = dict(self.headers)
        if self.body is not None:
            entry["body"] = dict(self.body)
            headers["Content-Type"] = "application/json"
        if headers:
            entry["headers"] = headers
        return entry


@dataclass(frozen=True)
class SubAnswer:
    """The answer to one request of a batch."""

    status: int
    body: Mapping[str, Any]
    headers: Mapping[str, str]

    @property
    def error_code(self) -> str:
        """Graph's error code, when the answer is an error."""
        error = self.body.get("error")
        return str(error.get("code") or "") if isinstance(error, dict) else ""

    @property
    def detail(self) -> str:
        """``HTTP status code: message`` for an error answer."""
        error = self.body.get("error")
        message = str(error.get("message") or "") if isinstance(error, dict) else ""
        return f"HTTP {self.status} {self.error_code}: {message}".strip()


def _parse(entry: Any) -> tuple[str, SubAnswer]:
    if not isinstance(entry, dict) or "id" not in entry or "status" not in entry:
        raise TopicError("unexpected-error", "Graph's batch answer lacks an id or a status")
    body = entry.get("body")
    headers = {str(k).lower(): str(v) for k, v in (entry.get("headers") or {}).items()}
    return str(entry["id"]), SubAnswer(
        int(entry["status"]), body if isinstance(body, dict) else {}, headers
    )


def _retry_after(answers: Sequence[SubAnswer]) -> float | None:
    asked = [retry_after_value(answer.headers.get("retry-after")) for answer in answers]
    return max((a for a in asked if a is not None), default=None)


def _one_batch(
    client: GraphClient, requests: Mapping[str, SubRequest], headers: Mapping[str, str]
) -> dict[str, SubAnswer]:
    body = {"requests": [request.as_json(key) for key, request in requests.items()]}
    payload = client.json(client.url("$batch"), "POST", body=body, headers=headers)
    answers = dict(_parse(entry) for entry in payload.get("responses") or ())
    if set(answers) != set(requests):
        raise TopicError("unexpected-error", "Graph's batch answer does not match its requests")
    return answers


def run_batch(
    client: GraphClient,
    requests: Sequence[SubRequest],
    headers: Mapping[str, str] | None = None,
) -> list[SubAnswer]:
    """One answer per request, in order; at most :data:`MAX_BATCH` requests per ``$batch``."""
    answers: dict[str, SubAnswer] = {}
    for start in range(0, len(requests), MAX_BATCH):
        chunk = {str(start + i): r for i, r in enumerate(requests[start : start + MAX_BATCH])}
        deadline = time.monotonic() + client.budget_s
        attempt = 0
        while chunk:
            got = _one_batch(client, chunk, headers or {})
            again = {key: chunk[key] for key, a in got.items() if a.status in RETRY_STATUSES}
            answers.update({key: a for key, a in got.items() if key not in again})
            if again:
                statuses = sorted({got[key].status for key in again})
                what = "HTTP " + "/".join(str(s) for s in statuses) + " inside a batch"
                asked = _retry_after([got[key] for key in again])
                client.wait_before_retry(asked, attempt, deadline, what)
                attempt += 1
            chunk = again
    return [answers[str(i)] for i in range(len(requests))]
