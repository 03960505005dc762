"""Routing one ``/v1.0`` request: sign-in by bearer token, injected faults, then the handler."""

from __future__ import annotations

from dataclasses import dataclass

from exsync_tui.sandbox.faults import FaultInjector, FaultRule
from exsync_tui.sandbox.graph import events, mail, writes
from exsync_tui.sandbox.graph.batch import batch
from exsync_tui.sandbox.graph.calendar_view import calendar_view_delta
from exsync_tui.sandbox.graph.wire import GraphError, GraphRequest, ok
from exsync_tui.sandbox.httpserver import Request, Response
from exsync_tui.sandbox.model import Mailbox
from exsync_tui.sandbox.oauth_tokens import TokenRegistry
from exsync_tui.sandbox.store import MailboxStore

_UNAUTHORIZED = GraphError(
    401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid."
)


def throttled(retry_after: int | None) -> GraphError:
    """Graph's 429 for a mailbox over its concurrency limit."""
    return GraphError(
        429,
        "ApplicationThrottled",
        "Application is over its MailboxConcurrency limit.",
        retry_after,
    )


# Graph's ways of refusing a delta token: Outlook's 410, the documented resyncRequired code,
# and a 400 for a token it cannot read.
_SYNC_STATE_ANSWERS = {
    "invalid_sync_state": (410, "SyncStateNotFound", "The sync state is not found."),
    "resync_required": (
        410,
        "resyncRequired",
        "The delta token is no longer valid, and the app must reset the sync state.",
    ),
    "bad_delta_token": (400, "badRequest", "The delta token is invalid."),
}

_WRITES = {"move": "GraphMove", "sendMail": "GraphSendMail", "$batch": "GraphBatch"}


def operation_of(segments: tuple[str, ...], method: str = "GET") -> str:
    """The request kind faults and the request log name (``GraphDelta``, ``GraphValue``...)."""
    if segments[-1:] and segments[-1] in _WRITES:
        return _WRITES[segments[-1]]
    if method.upper() == "PATCH":
        return "GraphPatch"
    if segments[-1:] == ("delta",):
        return "GraphDelta"
    if segments[-1:] == ("$value",):
        return "GraphValue"
    if segments[:2] == ("me", "messages") or segments[-1:] == ("messages",):
        return "GraphMessage"  # a message by id, or messages found by $filter
    if "events" in segments:
        return "GraphEvents"
    if "calendars" in segments:
        return "GraphCalendars"
    if "mailFolders" in segments:
        return "GraphFolders"
    return "GraphMe"


@dataclass
class GraphApp:
    """Answers ``/v1.0`` requests on the main listener."""

    store: MailboxStore
    tokens: TokenRegistry
    faults: FaultInjector
    scheme: str
    over_limit: bool = False  # a fifth request in flight for this mailbox

    def __call__(self, request: Request) -> tuple[str, Response, Mailbox | None]:
        graph = GraphRequest.parse(request, self.scheme)
        operation = operation_of(graph.segments or ("me",), graph.method)
        header = request.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        grant = self.tokens.resolve(token.strip()) if scheme.lower() == "bearer" else None
        user = self.store.by_email(grant.email) if grant is not None else None
        if user is None:
            return operation, _UNAUTHORIZED.response(), None
        if self.over_limit:
            return operation, throttled(1).response(), user
        rule = self.faults.pick(operation, user.email)
        if rule is not None and rule.kind != "truncate":
            return operation, self._fault(rule), user
        try:
            with self.store.lock:
                response = self._route(user, graph)
        except GraphError as problem:
            response = problem.response()
        if rule is not None:  # a consistent Content-Length with half the JSON
            response.body = response.body[: len(response.body) // 2]
        return operation, response, user

    def _route(self, user: Mailbox, request: GraphRequest) -> Response:
        if request.segments == ("$batch",) and request.method == "POST":
            return batch(request, lambda inner: self._batched(user, inner))
        return self._route_one(user, request)

    def _batched(self, user: Mailbox, request: GraphRequest) -> Response:
        """One request of a ``$batch``: Graph throttles (429) or fails (5xx) each on its own,
        so a fault naming its kind (``429*3/GraphPatch``) hits it inside the batch."""
        rule = self.faults.pick(operation_of(request.segments, request.method), named_only=True)
        if rule is not None and rule.kind in ("429", "busy", "500", "503"):
            return self._fault(rule)
        return self._route_one(user, request)

    def _route_one(self, user: Mailbox, request: GraphRequest) -> Response:
        parts = request.segments
        written = self._write(user, request)
        if written is not None:
            return written
        if request.method != "GET":
            raise GraphError(405, "ErrorInvalidRequest", f"{request.method} is not served here.")
        if request.segments[:1] != ("me",):
            raise GraphError(400, "BadRequest", "Only /me is served here.")
        rest = parts[1:]
        path = "/".join(parts)
        if not rest:
            return ok({"id": f"{user.index}", "displayName": user.display_name,
                       "mail": user.email, "userPrincipalName": user.email})  # fmt: skip
        if rest[0] == "mailFolders":
            return self._mail_folders(user, request, rest[1:], path)
        if rest[0] == "messages" and len(rest) == 3 and rest[2] == "$value":
            return mail.message_value(user, rest[1])
        if rest == ("messages",):
            return writes.filtered_messages(self.store, user, None, request)
        if rest[0] == "messages" and len(rest) == 2:
            return writes.get_message(user, rest[1], request)
        if rest == ("calendars",):
            return events.list_calendars(user)
        if rest[0] == "calendars" and rest[2:] == ("calendarView", "delta"):
            folder = events.calendar_folder(user, rest[1])
            return calendar_view_delta(user, folder, request, path)
        if rest[0] == "calendars" and len(rest) == 3 and rest[2] == "events":
            folder = events.calendar_folder(user, rest[1])
            return events.list_events(user, folder, request, path)
        if rest[0] == "events" and len(rest) == 2:
            return ok(events.event_json(events.get_event(user, rest[1]), request))
        if rest[0] == "events" and len(rest) == 3 and rest[2] == "instances":
            return events.instances(user, rest[1], request)
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{rest[0]}'.")

    def _mail_folders(
        self, user: Mailbox, request: GraphRequest, rest: tuple[str, ...], path: str
    ) -> Response:
        if not rest:
            root = user.distinguished("msgfolderroot")
            assert root is not None
            return mail.list_folders(self.store, user, root, request, path)
        folder = mail.mail_folder(self.store, user, rest[0])
        if len(rest) == 1:
            return ok(mail.folder_json(self.store, user, folder))
        if rest[1:] == ("childFolders",):
            return mail.list_folders(self.store, user, folder, request, path)
        if rest[1:] == ("messages", "delta"):
            return mail.message_delta(self.store, user, folder, request, path)
        if rest[1:] == ("messages",):
            return writes.filtered_messages(self.store, user, folder, request)
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{rest[1]}'.")

    def _write(self, user: Mailbox, request: GraphRequest) -> Response | None:
        """The answer of a write (None: not a write)."""
        rest, method = request.segments[1:], request.method
        if request.segments[:1] != ("me",) or method == "GET":
            return None
        if rest == ("sendMail",) and method == "POST":
            return writes.send_mail(user, request)
        if rest[:1] == ("messages",) and len(rest) == 2 and method == "PATCH":
            return writes.patch_message(user, rest[1], request)
        if rest[:1] == ("messages",) and rest[2:] == ("move",) and method == "POST":
            return writes.move_message(self.store, user, rest[1], request)
        return None

    def _fault(self, rule: FaultRule) -> Response:
        if rule.kind in ("429", "busy"):
            seconds = rule.arg if rule.kind == "429" else None
            if rule.kind == "busy" and rule.arg is not None:
                seconds = max(1, rule.arg // 1000)
            return throttled(seconds).response()
        if rule.kind in ("500", "503"):
            code = "ServiceNotAvailable" if rule.kind == "503" else "InternalServerError"
            return GraphError(int(rule.kind), code, "The service is unavailable.").response()
        if rule.kind == "drop":
            return Response(0, action="drop")
        if rule.kind == "hang":
            return Response(0, action="hang", hang_until=self.faults.hang())
        if rule.kind in _SYNC_STATE_ANSWERS:
            return GraphError(*_SYNC_STATE_ANSWERS[rule.kind]).response()
        return _UNAUTHORIZED.response()
