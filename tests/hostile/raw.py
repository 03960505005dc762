"""A listener below HTTP: it accepts TCP and drips bytes that look like the start of TLS.

A server that sends a TLS record header and then one byte at a time never trips a
per-read timeout; only a timeout on the whole handshake (or the attempt's deadline) ends it.
"""

from __future__ import annotations

import contextlib
import socket
import threading

TLS_RECORD_START = b"\x16\x03\x03\x40\x00"  # a handshake record of 16 KiB, announced


class TlsDripServer:
    """Accepts on 127.0.0.1 and drips ``TLS_RECORD_START`` then zeros, one byte per interval."""

    def __init__(self, interval_s: float = 0.5) -> None:
        self.interval_s = interval_s
        self.accepted = threading.Event()
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._listener.getsockname()[1])

    def __enter__(self) -> TlsDripServer:
        self._spawn(self._accept)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=2)
        self._listener.close()

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.set()
            self._spawn(self._drip, connection)

    def _drip(self, connection: socket.socket) -> None:
        with connection, contextlib.suppress(OSError):
            data = TLS_RECORD_START + b"\x00" * 0x4000
            for index in range(len(data)):
                connection.sendall(data[index : index + 1])
                if self._stopping.wait(self.interval_s):
                    return
