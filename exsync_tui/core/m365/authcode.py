"""The authorization-code sign-in (PKCE) with a loopback redirect, for where Conditional Access
blocks the device-code flow.

exsync listens on ``127.0.0.1:PORT`` and asks the authority to redirect the
browser to ``http://localhost:PORT``. The browser may run on another machine:
``ssh -L PORT:127.0.0.1:PORT`` from there carries the redirect here. The wait
is cancellable like the device code's; on success the token cache replaces the
profile's in the keyring.
"""

from __future__ import annotations

import getpass
import queue
import socket
import threading
import time
import warnings
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import msal

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.m365.cache import save_cache
from exsync_tui.core.m365.client import public_client, run_round
from exsync_tui.core.m365.device import SignedIn, signed_in
from exsync_tui.core.m365.errors import classify_result
from exsync_tui.core.m365.settings import SCOPES, M365Settings
from exsync_tui.core.secrets import SecretStore

BROWSER_WAIT_S = 600
_DONE_PAGE = (
    b"<html><body><h1>exsync: sign-in received</h1><p>You can close this tab.</p></body></html>"
)


@dataclass(frozen=True)
class BrowserPrompt:
    """Open ``url`` in a browser; from another machine, run ``ssh_command`` there first."""

    url: str
    port: int
    ssh_command: str
    expires_at: float


class _Redirect(BaseHTTPRequestHandler):
    """Takes the one redirect the authority sends the browser to."""

    server: _LoopbackServer

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        params = dict(parse_qsl(urlsplit(self.path).query))
        if "code" not in params and "error" not in params:
            self.send_error(404)  # a favicon or a stray request: keep waiting
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(_DONE_PAGE)))
        self.end_headers()
        self.wfile.write(_DONE_PAGE)
        self.server.answers.put(params)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return  # the query holds the authorization code: never log it


class _LoopbackServer(HTTPServer):
    """The loopback listener, with the answers it received."""

    def __init__(self, port: int) -> None:
        self.answers: queue.Queue[dict[str, str]] = queue.Queue()
        super().__init__(("127.0.0.1", port), _Redirect)


class AuthCodeSignIn:
    """One browser sign-in: :meth:`start` (listen, build the URL), show it, :meth:`wait`."""

    def __init__(
        self,
        settings: M365Settings,
        store: SecretStore,
        cancel: threading.Event | None = None,
        *,
        port: int = 0,
    ) -> None:
        self.settings = settings
        self.cancel = cancel or threading.Event()
        self._store = store
        self._port = port
        self._cache = msal.SerializableTokenCache()
        self._app: msal.PublicClientApplication | None = None
        self._flow: dict[str, Any] | None = None
        self._server: _LoopbackServer | None = None

    def start(self) -> BrowserPrompt:
        """Listen on loopback and ask msal for the authorization URL (raises TopicError)."""
        app = self._app = public_client(self.settings, self._cache, self.cancel)
        try:
            server = self._server = _LoopbackServer(self._port)
        except OSError as error:
            raise TopicError(
                "settings-invalid", f"cannot listen on 127.0.0.1:{self._port}: {error.strerror}"
            ) from None
        threading.Thread(target=server.serve_forever, args=(0.2,), daemon=True).start()
        port = server.server_address[1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # msal prefers form_post, which needs a web server
            self._flow = app.initiate_auth_code_flow(
                list(SCOPES), redirect_uri=f"http://localhost:{port}",
                login_hint=self.settings.email, response_mode="query",
            )  # fmt: skip
        host = socket.gethostname()
        return BrowserPrompt(
            url=str(self._flow["auth_uri"]),
            port=port,
            ssh_command=f"ssh -L {port}:127.0.0.1:{port} {getpass.getuser()}@{host}",
            expires_at=time.time() + BROWSER_WAIT_S,
        )

    def wait(self) -> SignedIn:
        """Wait for the redirect, then redeem the code; raises TopicError (``cancelled``...)."""
        app, flow, server = self._app, self._flow, self._server
        if app is None or flow is None or server is None:
            raise RuntimeError("call start() first")
        deadline = time.monotonic() + BROWSER_WAIT_S
        try:
            while True:
                if self.cancel.is_set():
                    raise TopicError("cancelled", "the sign-in was cancelled")
                if time.monotonic() >= deadline:
                    raise TopicError("m365-device-code-expired", "the browser sign-in timed out")
                try:
                    params = server.answers.get(timeout=0.25)
                    break
                except queue.Empty:
                    continue
        finally:
            server.shutdown()
            server.server_close()
        result = run_round(
            self.settings, self.cancel, lambda: app.acquire_token_by_auth_code_flow(flow, params)
        )
        if "access_token" not in result:
            raise classify_result(result)
        save_cache(self._store, self.settings.profile_id, self._cache)
        return signed_in(result)
