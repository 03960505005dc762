"""What the hostile server does with a request: drip, flood, bombs, bad NTLM, loops, redirects.

A behaviour is a function of the request and a :class:`Reply` (which writes to
the connection). Nothing here holds a large body in memory: floods are
generated block by block while the client reads.
"""

from __future__ import annotations

import base64
import contextlib
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from exsync_tui.sandbox.httpserver import Request


class Reply:
    """Writes one answer on the connection of a request (raw when a behaviour needs it)."""

    def __init__(self, handler: Any, stopping: threading.Event) -> None:
        self._handler = handler
        self.stopping = stopping

    def send(
        self,
        status: int,
        body: bytes = b"",
        headers: Iterable[tuple[str, str]] = (),
        content_type: str = "text/xml; charset=utf-8",
    ) -> None:
        """A complete answer with a Content-Length."""
        self.stream(status, [body], len(body), headers, content_type)

    def stream(
        self,
        status: int,
        blocks: Iterable[bytes],
        length: int,
        headers: Iterable[tuple[str, str]] = (),
        content_type: str = "text/xml; charset=utf-8",
    ) -> None:
        """An answer of ``length`` bytes written block by block (stops when the client leaves)."""
        handler = self._handler
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(length))
        handler.end_headers()
        with contextlib.suppress(OSError):
            for block in blocks:
                if self.stopping.is_set():
                    break
                handler.wfile.write(block)
            handler.wfile.flush()

    def raw(self, data: bytes) -> None:
        """Write bytes as they are (an answer written by hand)."""
        with contextlib.suppress(OSError):
            self._handler.wfile.write(data)
            self._handler.wfile.flush()

    def drip(self, data: bytes, interval_s: float) -> None:
        """Write ``data`` one byte every ``interval_s`` (nothing is sent early)."""
        handler = self._handler
        handler.close_connection = True
        with contextlib.suppress(OSError):
            for index in range(len(data)):
                handler.wfile.write(data[index : index + 1])
                handler.wfile.flush()
                if self.stopping.wait(interval_s):
                    return


Behaviour = Callable[[Request, Reply], None]

DOMAIN = "hostile.test"


def _http_head(status: str, length: int, extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: text/xml; charset=utf-8\r\n{extra}"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def drip(interval_s: float = 0.5, *, headers_first: bool = False) -> Behaviour:
    """Answer one byte per ``interval_s``, never finishing within any sane deadline.

    With ``headers_first`` the status line and headers arrive at once and only the
    body drips (a per-read timeout never fires either way).
    """
    body = b"<?xml version='1.0'?>" + b" " * 100_000

    def behave(request: Request, reply: Reply) -> None:
        head = _http_head("200 OK", len(body) + 100)
        if headers_first:
            reply.raw(head)
            reply.drip(body, interval_s)
        else:
            reply.drip(head + body, interval_s)

    return behave


def _flood_blocks(total: int, block: int = 64 * 1024) -> Iterator[bytes]:
    start = b"<?xml version='1.0' encoding='utf-8'?><Envelope><Body><Filler>"
    yield start
    filler = b"A" * block
    left = total - len(start)
    while left > 0:
        yield filler[: min(block, left)]
        left -= block


def flood(total_bytes: int, status: int = 200) -> Behaviour:
    """An answer of ``total_bytes`` (announced in Content-Length), generated as it is sent."""

    def behave(request: Request, reply: Reply) -> None:
        reply.stream(status, _flood_blocks(total_bytes), total_bytes)

    return behave


def gzip_bomb(decoded_bytes: int) -> Behaviour:
    """A gzip-encoded answer a thousand times smaller than what it decodes to."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
    block = b"A" * (1 << 20)
    parts = [compressor.compress(b"<?xml version='1.0'?><Envelope>")]
    parts += [compressor.compress(block) for _ in range(decoded_bytes >> 20)]
    body = b"".join(parts) + compressor.flush()

    def behave(request: Request, reply: Reply) -> None:
        reply.send(200, body, headers=[("Content-Encoding", "gzip")])

    return behave


BILLION_LAUGHS = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode()
        for n in range(1, 10)
    )
    + b"]>\n"
    b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
    b"<Value>&lol9;</Value></s:Body></s:Envelope>"
)
"""The classic entity bomb: a few hundred bytes that expand to a billion "lol"s."""


def entity_bomb(status: int = 200, body: bytes = BILLION_LAUGHS) -> Behaviour:
    """Answer with an XML document declaring entities (a billion laughs by default)."""

    def behave(request: Request, reply: Reply) -> None:
        reply.send(status, body)

    return behave


JUNK_CHALLENGE = base64.b64encode(b"NTLMSSP\x00\x02\x00\x00\x00\xff\xff").decode()


def malformed_ntlm(junk: str = JUNK_CHALLENGE) -> Behaviour:
    """Offer NTLM, then answer the client's negotiate message with a garbage challenge."""

    def behave(request: Request, reply: Reply) -> None:
        authorization = request.headers.get("Authorization") or ""
        if authorization.upper().startswith("NTLM "):
            reply.send(401, headers=[("WWW-Authenticate", f"NTLM {junk}")])
        else:
            reply.send(401, headers=[("WWW-Authenticate", "NTLM")])

    return behave


def unauthorized_forever(scheme: str = 'Basic realm="hostile"') -> Behaviour:
    """401 to every request, credentials or not."""

    def behave(request: Request, reply: Reply) -> None:
        reply.send(401, headers=[("WWW-Authenticate", scheme)])

    return behave


def http_redirect(location: str, status: int = 302) -> Behaviour:
    """Answer with an HTTP redirect to ``location`` (any text: parser-differential URLs too)."""

    def behave(request: Request, reply: Reply) -> None:
        reply.send(status, headers=[("Location", location)])

    return behave


def redirect_loop() -> Behaviour:
    """Redirect every request to a new path on the same host, forever."""
    counter = iter(range(1_000_000_000))

    def behave(request: Request, reply: Reply) -> None:
        host = request.headers.get("Host") or DOMAIN
        target = f"https://{host}/autodiscover/loop{next(counter)}/autodiscover.svc"
        reply.send(302, headers=[("Location", target)])

    return behave


def soap_redirect_url(url: str, *, challenge: str | None = 'Basic realm="hostile"') -> Behaviour:
    """Autodiscover answering GetUserSettings with ``RedirectUrl`` → ``url``.

    With ``challenge`` the answer comes only to a request carrying credentials (as
    real servers do), so the redirect is reached after the password was sent once.
    """

    def behave(request: Request, reply: Reply) -> None:
        if challenge and not request.headers.get("Authorization"):
            reply.send(401, headers=[("WWW-Authenticate", challenge)])
            return
        reply.send(200, user_settings_redirect(url))

    return behave


def user_settings_redirect(url: str) -> bytes:
    """A GetUserSettings answer whose user response is RedirectUrl to ``url``."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:a="http://schemas.microsoft.com/exchange/2010/Autodiscover">'
        "<s:Body><a:GetUserSettingsResponseMessage><a:Response>"
        "<a:ErrorCode>NoError</a:ErrorCode><a:UserResponses><a:UserResponse>"
        "<a:ErrorCode>RedirectUrl</a:ErrorCode><a:ErrorMessage>Redirection URL.</a:ErrorMessage>"
        f"<a:RedirectTarget>{escape(url)}</a:RedirectTarget>"
        "</a:UserResponse></a:UserResponses></a:Response>"
        "</a:GetUserSettingsResponseMessage></s:Body></s:Envelope>"
    ).encode()


def answer(status: int, body: bytes = b"", headers: Iterable[tuple[str, str]] = ()) -> Behaviour:
    """A fixed answer."""
    fixed = tuple(headers)

    def behave(request: Request, reply: Reply) -> None:
        reply.send(status, body, fixed)

    return behave


@dataclass(frozen=True)
class Rule:
    """Use ``behaviour`` for requests to ``host`` (any when None) with a path under ``path``."""

    behaviour: Behaviour
    host: str | None = None
    path: str = "/"

    def matches(self, request: Request) -> bool:
        """True when this rule applies to ``request``."""
        return (self.host is None or request.host == self.host) and request.path.startswith(
            self.path
        )
