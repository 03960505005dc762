"""The main listener: EWS and Autodiscover behind sign-in, with latency and injected faults."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field

from lxml import etree

from exsync_tui.sandbox.auth import Authenticator, AuthOutcome
from exsync_tui.sandbox.autodiscover import get_user_settings
from exsync_tui.sandbox.ews.dispatch import dispatch, operation_name, sync_state_error
from exsync_tui.sandbox.ews.soap import SoapFault, fault, parse_envelope
from exsync_tui.sandbox.faults import SYNC_STATE_KINDS, FaultInjector, FaultRule
from exsync_tui.sandbox.graph import GraphApp
from exsync_tui.sandbox.graph.limits import MailboxConcurrency
from exsync_tui.sandbox.httpserver import Request, Response
from exsync_tui.sandbox.model import Mailbox
from exsync_tui.sandbox.oauth_authority import Authority, is_authority_path
from exsync_tui.sandbox.oauth_tokens import TokenRegistry
from exsync_tui.sandbox.runtime import RequestLog, Switches
from exsync_tui.sandbox.store import MailboxStore

EWS_PATH = "/ews/exchange.asmx"
AUTODISCOVER_PATH = "/autodiscover/autodiscover.svc"
GRAPH_PREFIX = "/v1.0"
_HTML = "text/html; charset=utf-8"


def _is_graph(path: str) -> bool:
    return path == GRAPH_PREFIX or path.startswith(f"{GRAPH_PREFIX}/")


def _page(title: str, detail: str) -> bytes:
    head = f"<html><head><title>{title}</title></head>"
    return f"{head}<body><h1>{title}</h1><p>{detail}</p></body></html>".encode()


@dataclass
class MainApp:
    """Routes one request on the main (HTTPS) listener."""

    store: MailboxStore
    auth: Authenticator
    switches: Switches
    faults: FaultInjector
    log: RequestLog
    stopping: threading.Event
    scheme: str
    tokens: TokenRegistry
    graph_in_flight: MailboxConcurrency = field(default_factory=MailboxConcurrency)
    authority: Authority | None = None

    def __call__(self, request: Request) -> Response:
        # Graph's per-mailbox limit counts a request for as long as it is served.
        with self.graph_in_flight.slot(self._graph_user(request)) as over_limit:
            if self.switches.latency_ms:
                self.stopping.wait(self.switches.latency_ms / 1000)
            operation = None
            outcome: AuthOutcome | None = None
            try:
                operation, response, outcome = self._route(request, over_limit)
            except Exception:  # noqa: BLE001 - a server answers 500, it does not die
                response = Response(500, _page("500 - Internal server error.", ""), _HTML)
        self.log.record(
            listener="main",
            method=request.method,
            path=request.target.split("?")[0],
            host=request.host,
            status=response.status,
            operation=operation,
            auth=(outcome.scheme if outcome else None),
            user=(outcome.mailbox.email if outcome and outcome.mailbox else None),
            action=response.action,
            connection=id(request.connection),
        )
        return response

    def _allowed_host(self, host: str) -> bool:
        domain = self.store.domain
        if host == domain:
            return self.switches.autodiscover_root
        if host == f"autodiscover.{domain}":
            return self.switches.autodiscover_host
        return True

    def _graph_user(self, request: Request) -> str | None:
        """The mailbox a Graph request's bearer token names (None for anything else)."""
        if not _is_graph(request.path):
            return None
        scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
        grant = self.tokens.resolve(token.strip()) if scheme.lower() == "bearer" else None
        return grant.email if grant is not None else None

    def _route(
        self, request: Request, over_limit: bool = False
    ) -> tuple[str | None, Response, AuthOutcome | None]:
        path = request.path
        if request.host in self.switches.trap_hosts:
            return None, *self._trap(request)
        if self.authority is not None and is_authority_path(path):
            return None, self.authority(request), None
        if _is_graph(path):
            graph = GraphApp(self.store, self.tokens, self.faults, self.scheme, over_limit)
            graph_operation, response, user = graph(request)
            return graph_operation, response, AuthOutcome(user, "Bearer")
        if path == AUTODISCOVER_PATH and not self._allowed_host(request.host):
            return None, Response(404, _page("404 - File or directory not found.", ""), _HTML), None
        if path not in (EWS_PATH, AUTODISCOVER_PATH):
            return None, Response(404, _page("404 - File or directory not found.", ""), _HTML), None
        header = operation = None
        if request.method == "POST" and request.body:
            with contextlib.suppress(SoapFault):
                header, operation = parse_envelope(request.body)
        op_name = operation_name(operation) if operation is not None else None
        outcome = self.auth.check(
            request.headers.get("Authorization"), request.connection, request.host
        )
        if not outcome.ok:
            return op_name, self._unauthorized(outcome), outcome
        assert outcome.mailbox is not None
        if request.method != "POST":
            return (
                op_name,
                Response(200, _page("Exchange Web Services", "POST SOAP here."), _HTML),
                outcome,
            )
        if path == AUTODISCOVER_PATH:
            return op_name, self._autodiscover(request), outcome
        return op_name, self._ews(request, outcome.mailbox, header, operation), outcome

    def _trap(self, request: Request) -> tuple[Response, AuthOutcome]:
        """Ask for a password on any path and never accept one (the log shows what came)."""
        outcome = self.auth.check(
            request.headers.get("Authorization"), request.connection, request.host
        )
        if outcome.ok:
            outcome = AuthOutcome(None, outcome.scheme, self.auth.challenges(request.host))
        return self._unauthorized(outcome), outcome

    def _unauthorized(self, outcome: AuthOutcome) -> Response:
        headers = [("WWW-Authenticate", value) for value in outcome.challenges]
        detail = "Access is denied due to invalid credentials."
        if outcome.expired:
            detail = "The password for this account has expired."
        return Response(401, _page("401 - Unauthorized", detail), _HTML, headers)

    def _ews_url(self, mailbox: Mailbox) -> str:
        return (
            self.switches.ews_url or f"{self.scheme}://mail.{self.store.domain}/EWS/Exchange.asmx"
        )

    def _autodiscover(self, request: Request) -> Response:
        try:
            return Response(200, get_user_settings(self.store, request.body, self._ews_url))
        except SoapFault as problem:
            return Response(500, fault(problem))

    def _ews(
        self,
        request: Request,
        user: Mailbox,
        header: etree._Element | None,
        operation: etree._Element | None,
    ) -> Response:
        if header is None or operation is None:
            try:
                parse_envelope(request.body)
            except SoapFault as problem:
                return Response(500, fault(problem))
            return Response(500, fault(SoapFault("ErrorInvalidRequest", "The request is invalid.")))
        if user.ews_disabled:
            return Response(
                500,
                fault(
                    SoapFault(
                        "ErrorAccessDenied",
                        "Access is denied. Check credentials and try again., "
                        "EWS is disabled for this mailbox.",
                    )
                ),
            )
        name = operation_name(operation)
        rule = self.faults.pick(name, user.email)
        if rule is not None and rule.kind == "pass":
            rule = None  # counted, then served as usual
        if rule is not None and rule.kind != "truncate":
            return self._fault_response(rule, name, request.host)
        try:
            response = Response(200, dispatch(self.store, user, header, operation))
        except SoapFault as problem:
            response = Response(500, fault(problem))
        if rule is not None:
            # A consistent Content-Length with half the XML: what a broken proxy delivers.
            response.body = response.body[: len(response.body) // 2]
        return response

    def _fault_response(self, rule: FaultRule, operation: str, host: str) -> Response:
        if rule.kind == "500":
            return Response(500, _page("500 - Internal server error.", ""), _HTML)
        if rule.kind == "503":
            return Response(503, _page("Service Unavailable", "HTTP Error 503."), _HTML)
        if rule.kind in ("busy", "429"):
            back_off = rule.arg if rule.arg is not None else 1000
            if rule.kind == "429":  # its ARG is Graph's Retry-After, in seconds
                back_off = (rule.arg or 1) * 1000
            return Response(
                500,
                fault(
                    SoapFault(
                        "ErrorServerBusy",
                        "The server cannot service this request right now. Try again later.",
                        back_off,
                    )
                ),
            )
        if rule.kind == "drop":
            return Response(0, action="drop")
        if rule.kind == "hang":
            return Response(0, action="hang", hang_until=self.faults.hang())
        if rule.kind in SYNC_STATE_KINDS:
            return Response(200, sync_state_error(operation))
        return Response(
            401,
            _page("401 - Unauthorized", "The password for this account has expired."),
            _HTML,
            [("WWW-Authenticate", v) for v in self.auth.challenges(host)],
        )
