"""A tiny UDP DNS server for the sandbox's domain: SRV for autodiscover, A for its hosts.

Answers `_autodiscover._tcp.<domain>` SRV (target and port switchable), A records for
`<domain>`, `autodiscover.<domain>` and `mail.<domain>` (127.0.0.1), an empty answer for other
types of those names, and NXDOMAIN for every other name.
"""

from __future__ import annotations

import contextlib
import socket
import threading

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from exsync_tui.sandbox.runtime import Switches

_TTL = 60


class DnsResponder:
    """Serves DNS on a UDP socket in a daemon thread."""

    def __init__(self, host: str, port: int, domain: str, switches: Switches) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_DGRAM)
        self._socket.bind((host, port))
        self._socket.settimeout(1.0)
        self.port: int = self._socket.getsockname()[1]
        self._domain = domain.lower().rstrip(".")
        self._switches = switches
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="sandbox-dns", daemon=True)

    def start(self) -> None:
        """Start answering."""
        self._thread.start()

    def stop(self) -> None:
        """Stop answering and close the socket."""
        self._stop.set()
        # An empty datagram to ourselves wakes the blocked recvfrom at once.
        with contextlib.suppress(OSError):
            self._socket.sendto(b"", self._socket.getsockname()[:2])
        self._thread.join(timeout=2)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, address = self._socket.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                reply = self.answer(dns.message.from_wire(data))
            except Exception:  # noqa: BLE001, S112 - a malformed query gets no answer, as usual
                continue
            try:
                self._socket.sendto(reply.to_wire(), address)
            except OSError:
                continue

    def answer(self, query: dns.message.Message) -> dns.message.Message:
        """The response to one query."""
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if not query.question:
            response.set_rcode(dns.rcode.FORMERR)
            return response
        question = query.question[0]
        name = question.name.to_text().lower().rstrip(".")
        hosts = {self._domain, f"autodiscover.{self._domain}", f"mail.{self._domain}"}
        if self._switches.redirect_host:
            hosts.add(self._switches.redirect_host)
        srv_name = f"_autodiscover._tcp.{self._domain}"
        if name == srv_name and self._switches.srv:
            if question.rdtype == dns.rdatatype.SRV:
                target = (self._switches.srv_target or f"autodiscover.{self._domain}").rstrip(".")
                response.answer.append(
                    dns.rrset.from_text(
                        question.name,
                        _TTL,
                        dns.rdataclass.IN,
                        dns.rdatatype.SRV,
                        f"0 0 {self._switches.srv_port} {target}.",
                    )
                )
            return response
        if name in hosts:
            if question.rdtype == dns.rdatatype.A:
                response.answer.append(
                    dns.rrset.from_text(
                        question.name, _TTL, dns.rdataclass.IN, dns.rdatatype.A, "127.0.0.1"
                    )
                )
            return response
        response.set_rcode(dns.rcode.NXDOMAIN)
        return response
