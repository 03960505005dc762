"""The plain-HTTP listener: Autodiscover's unauthenticated redirect and the HTTP control API."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from exsync_tui.sandbox.autodiscover import redirect_location
from exsync_tui.sandbox.control import CONTROL_METHODS, Control
from exsync_tui.sandbox.httpserver import Request, Response
from exsync_tui.sandbox.runtime import RequestLog, Switches

_JSON = "application/json"


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"base64"}:
        return base64.b64decode(value["base64"])
    return value


@dataclass
class PlainApp:
    """Routes one request on the plain-HTTP listener."""

    domain: str
    switches: Switches
    control: Control
    log: RequestLog

    def __call__(self, request: Request) -> Response:
        response = self._route(request)
        self.log.record(
            listener="http",
            method=request.method,
            path=request.target.split("?")[0],
            host=request.host,
            status=response.status,
            operation=None,
            auth=None,
            user=None,
            action=None,
        )
        return response

    def _route(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/control/") or path == "/control":
            return self._control(request, request.target.split("?")[0].rstrip("/").split("/")[-1])
        switches = self.switches
        host = switches.redirect_host or f"mail.{self.domain}"
        location = redirect_location(path, host, switches.redirect_scheme)
        if location is not None and switches.redirect_location is not None:
            location = switches.redirect_location
        if (
            location is not None
            and request.method in ("GET", "HEAD")
            and self.switches.http_redirect
        ):
            return Response(302, b"", "text/html", [("Location", location)])
        return Response(404, b"Not Found", "text/plain")

    def _control(self, request: Request, method: str) -> Response:
        if method not in CONTROL_METHODS:
            return _json(
                404,
                {"error": f"unknown control method {method!r}", "methods": list(CONTROL_METHODS)},
            )
        try:
            arguments: dict[str, Any] = {}
            if request.body:
                arguments = json.loads(request.body)
            for key, values in parse_qs(request.query).items():
                arguments[key] = values[-1]
            arguments = {k: _from_json(v) for k, v in arguments.items()}
            result = getattr(self.control, method)(**arguments)
        except (TypeError, ValueError, KeyError, LookupError) as problem:
            return _json(400, {"error": str(problem)})
        except Exception as problem:  # noqa: BLE001 - report, do not kill the listener
            return _json(400, {"error": f"{type(problem).__name__}: {problem}"})
        return _json(200, {"result": _jsonable(result)})


def _json(status: int, payload: dict[str, Any]) -> Response:
    return Response(status, json.dumps(payload).encode(), _JSON)
