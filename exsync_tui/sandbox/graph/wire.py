"""What every Graph answer shares: JSON bodies, Graph's error shape, Prefer headers, links.

Graph ids and tokens are case-sensitive, so the raw request target is parsed
here (``Request.path`` is lower-cased for Exchange's case-insensitive paths).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from exsync_tui.sandbox.httpserver import Request, Response

JSON = "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8"
DEFAULT_PAGE_SIZE = 10  # what Graph's message delta returns without odata.maxpagesize
MAX_PAGE_SIZE = 1000
_MAXPAGESIZE = re.compile(r"odata\.maxpagesize\s*=\s*(\d+)", re.IGNORECASE)
_IMMUTABLE = re.compile(r'IdType\s*=\s*"?ImmutableId"?', re.IGNORECASE)
_TIMEZONE = re.compile(r'outlook\.timezone\s*=\s*"([^"]+)"', re.IGNORECASE)


class GraphError(Exception):
    """An error answer: HTTP status, Graph's error code and message."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after

    def response(self) -> Response:
        """The answer Graph gives for this error."""
        body = {"error": {"code": self.code, "message": self.message, "innerError": {}}}
        headers = []
        if self.retry_after is not None:
            headers.append(("Retry-After", str(self.retry_after)))
        if self.status == 401:
            headers.append(("WWW-Authenticate", 'Bearer realm="", error="invalid_token"'))
        return Response(self.status, json.dumps(body).encode(), JSON, headers)


def not_found(what: str) -> GraphError:
    """Graph's 404 for an id that names nothing (``ErrorItemNotFound``)."""
    return GraphError(404, "ErrorItemNotFound", f"The specified object was not found: {what}")


def ok(
    payload: dict[str, Any], headers: list[tuple[str, str]] | None = None, status: int = 200
) -> Response:
    """A JSON answer (200 unless ``status`` says otherwise)."""
    return Response(status, json.dumps(payload).encode(), JSON, headers or [])


def json_body(request: GraphRequest) -> dict[str, Any]:
    """A write's JSON object, or Graph's 400."""
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:
        raise GraphError(400, "BadRequest", "The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise GraphError(400, "BadRequest", "The request body must be a JSON object.")
    return payload


@dataclass(frozen=True)
class GraphRequest:
    """A Graph request as the handlers need it: path segments, query, preferences."""

    segments: tuple[str, ...]  # after /v1.0, unquoted, case kept
    query: dict[str, str]
    page_size: int
    immutable_ids: bool
    base_url: str  # scheme://host:port, for the links handed back
    timezone: str = "UTC"  # Prefer: outlook.timezone (Windows or IANA name); Graph's default
    method: str = "GET"
    body: bytes = b""
    if_match: str | None = None  # the etag a write is conditional on

    @classmethod
    def parse(cls, request: Request, scheme: str) -> GraphRequest:
        """Read the raw target and the Prefer headers of ``request``."""
        parts = urlsplit(request.target)
        path = parts.path.split("/v1.0", 1)[1] if "/v1.0" in parts.path else parts.path
        segments = tuple(unquote(s) for s in path.split("/") if s)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        prefer = ", ".join(request.headers.get_all("Prefer") or [])
        found = _MAXPAGESIZE.search(prefer)
        size = min(int(found.group(1)), MAX_PAGE_SIZE) if found else DEFAULT_PAGE_SIZE
        host = request.headers.get("Host") or f"localhost:{request.port}"
        zone = _TIMEZONE.search(prefer)
        return cls(segments, query, max(size, 1), bool(_IMMUTABLE.search(prefer)),
                   f"{scheme}://{host}", zone.group(1) if zone else "UTC",
                   request.method.upper(), request.body,
                   request.headers.get("If-Match"))  # fmt: skip

    def link(self, path: str, **query: str) -> str:
        """An absolute ``/v1.0`` link with ``query`` (for nextLink and deltaLink)."""
        return f"{self.base_url}/v1.0/{path}?{urlencode(query)}"

    def preference_headers(self) -> list[tuple[str, str]]:
        """``Preference-Applied``: what of the client's Prefer headers was honoured."""
        applied = [f"odata.maxpagesize={self.page_size}"]
        if self.immutable_ids:
            applied.append('IdType="ImmutableId"')
        return [("Preference-Applied", ", ".join(applied))]
