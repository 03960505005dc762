"""Small loopback servers the sandbox does not provide: a TLS server with an expired
certificate, and a port that closes after its first connection."""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class TlsListener:
    """Where it listens and the SHA-256 of its certificate (lowercase hex, as pins are)."""

    port: int
    sha256: str


def _expired_certificate(host: str, days_ago: int) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=days_ago + 365))
        .not_valid_after(now - dt.timedelta(days=days_ago, hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


@contextmanager
def expired_tls_server(host: str, days_ago: int) -> Iterator[TlsListener]:
    """A TLS server on loopback whose certificate for ``host`` expired ``days_ago`` days ago;
    it completes handshakes and then closes the connection."""
    key_pem, cert_pem = _expired_certificate(host, days_ago)
    with tempfile.TemporaryDirectory() as folder:
        key_file, cert_file = Path(folder) / "key.pem", Path(folder) / "cert.pem"
        key_file.write_bytes(key_pem)
        cert_file.write_bytes(cert_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
    der = x509.load_pem_x509_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            try:
                with context.wrap_socket(conn, server_side=True):
                    pass
            except (OSError, ssl.SSLError):
                conn.close()

    thread = threading.Thread(target=serve, name="expired-tls", daemon=True)
    thread.start()
    try:
        yield TlsListener(listener.getsockname()[1], hashlib.sha256(der).hexdigest())
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
