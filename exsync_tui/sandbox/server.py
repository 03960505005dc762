"""`Sandbox`: start every listener in background threads, hand out endpoints, stop cleanly."""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from types import TracebackType

from exsync_tui.sandbox.app import MainApp
from exsync_tui.sandbox.auth import Authenticator
from exsync_tui.sandbox.config import SandboxConfig, SandboxInfo, SandboxUser
from exsync_tui.sandbox.control import Control
from exsync_tui.sandbox.dns_responder import DnsResponder
from exsync_tui.sandbox.faults import FaultInjector
from exsync_tui.sandbox.http_app import PlainApp
from exsync_tui.sandbox.httpserver import SandboxHTTPServer, start_server
from exsync_tui.sandbox.oauth_authority import Authority
from exsync_tui.sandbox.oauth_grants import OAuthGrants
from exsync_tui.sandbox.oauth_tokens import TokenRegistry
from exsync_tui.sandbox.runtime import RequestLog, Switches
from exsync_tui.sandbox.store import MailboxStore
from exsync_tui.sandbox.tls import ServerTLS


class Sandbox:
    """A local Exchange server; use as a context manager, or call `start()` and `stop()`."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._servers: list[SandboxHTTPServer] = []
        self._workdir: Path | None = None
        self._dns: DnsResponder | None = None
        self._info: SandboxInfo | None = None
        self._control: Control | None = None
        self.faults = FaultInjector(self.config.seed)
        # Shared by the OAuth authority, the Graph endpoints and the control API.
        self.tokens = TokenRegistry()
        self.oauth = OAuthGrants()  # the authority's own memory (device codes, refresh tokens)

    @property
    def info(self) -> SandboxInfo:
        """Endpoints and users (available once started)."""
        if self._info is None:
            raise RuntimeError("the sandbox is not running")
        return self._info

    @property
    def control(self) -> Control:
        """The Python control API (available once started)."""
        if self._control is None:
            raise RuntimeError("the sandbox is not running")
        return self._control

    def start(self) -> Sandbox:
        """Generate (or load) the mailboxes, then serve on every listener."""
        config = self.config
        self.faults.add(config.faults)
        self._workdir = Path(tempfile.mkdtemp(prefix="exsync-sandbox-"))
        store = MailboxStore(config)
        switches = Switches(latency_ms=config.latency_ms)
        log = RequestLog()
        tls = None
        if config.tls:
            domain = config.domain.lower()
            names = [
                config.host,
                "127.0.0.1",
                "localhost",
                "::1",
                domain,
                f"autodiscover.{domain}",
                f"mail.{domain}",
                f"*.{domain}",  # any host set_redirect_target may name
            ]
            state_dir = Path(config.state_dir) if config.state_dir else None
            tls = ServerTLS(self._workdir, list(dict.fromkeys(names)), state_dir)
        try:
            main_app = MainApp(
                store,
                Authenticator(store),
                switches,
                self.faults,
                log,
                self._stopping,
                "https" if tls else "http",
                self.tokens,
                authority=Authority(store, self.tokens, self.oauth),
            )
            main = SandboxHTTPServer(
                (config.host, config.port), main_app, (lambda: tls.context) if tls else None
            )
            self._servers.append(main)
            self._control = Control(
                store,
                switches,
                self.faults,
                log,
                tls,
                main.close_connections,
                self.tokens,
                self.oauth,
            )
            plain = SandboxHTTPServer(
                (config.host, config.http_port),
                PlainApp(store.domain, switches, self._control, log),
            )
            self._servers.append(plain)
            self._dns = DnsResponder(config.host, config.dns_port, store.domain, switches)
        except BaseException:
            self.stop()
            raise
        for server, name in ((main, "sandbox-main"), (plain, "sandbox-http")):
            self._threads.append(start_server(server, name))
        self._dns.start()
        self._store = store
        self._info = SandboxInfo(
            host=config.host,
            port=main.server_address[1],
            http_port=plain.server_address[1],
            dns_port=self._dns.port,
            tls=tls is not None,
            domain=store.domain,
            ca_file=str(tls.ca_file) if tls else None,
            users=[SandboxUser(m.email, m.username, m.password) for m in store.mailboxes],
        )
        return self

    def stop(self) -> None:
        """Stop serving: release hung requests, close connections, save state, clean up."""
        self._stopping.set()
        self.faults.stop()
        # Shut the listeners down in parallel: each waits up to one poll interval.
        stoppers = [threading.Thread(target=s.shutdown) for s in self._servers]
        for stopper in stoppers:
            stopper.start()
        for stopper, server in zip(stoppers, self._servers, strict=True):
            stopper.join()
            server.close_connections()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._dns is not None:
            self._dns.stop()
        store = getattr(self, "_store", None)
        if store is not None:
            store.save()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._servers.clear()
        self._threads.clear()
        self._dns = None

    def wait(self) -> None:
        """Block until `stop()` is called from another thread (or a signal handler)."""
        self._stopping.wait()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
