"""Keeping the sandbox's CA and server certificate in ``--state-dir`` across restarts.

Without this every start made a new CA, so whoever trusted the CA (``--ca-file``)
or pinned the server certificate (``--pin-sha256``) had to do it again. Files,
under ``<state-dir>/tls/`` (mode 0700): ``ca.pem``, ``ca.key``, ``server.pem``,
``server.key``; keys are written 0600. Anything unreadable, mismatched, expiring
or (for the server certificate) issued for other names is replaced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from exsync_tui.core.files import atomic_write_bytes

# A certificate this close to expiry is replaced at start rather than reused.
_RENEW_BEFORE = dt.timedelta(days=7)


@dataclass(frozen=True)
class StoredLeaf:
    """A server key and certificate read back from the state directory, as PEM."""

    key_pem: bytes
    cert_pem: bytes


def _usable(certificate: x509.Certificate) -> bool:
    return certificate.not_valid_after_utc - dt.datetime.now(dt.UTC) > _RENEW_BEFORE


def _san_names(certificate: x509.Certificate) -> set[str]:
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return set()
    names = set(extension.value.get_values_for_type(x509.DNSName))
    names |= {str(ip) for ip in extension.value.get_values_for_type(x509.IPAddress)}
    return names


def _same_key(key: object, certificate: x509.Certificate) -> bool:
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return False
    return key.public_key() == certificate.public_key()


class TlsState:
    """The TLS files of one state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.directory = state_dir / "tls"
        self.ca_file = self.directory / "ca.pem"
        self._ca_key = self.directory / "ca.key"
        self._leaf_file = self.directory / "server.pem"
        self._leaf_key = self.directory / "server.key"

    def load_ca(self) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate] | None:
        """The stored CA key and certificate, or None when missing or not fit to reuse."""
        try:
            certificate = x509.load_pem_x509_certificate(self.ca_file.read_bytes())
            key = serialization.load_pem_private_key(self._ca_key.read_bytes(), password=None)
        except (OSError, ValueError, TypeError):
            return None
        if not _same_key(key, certificate) or not _usable(certificate):
            return None
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key, certificate

    def load_leaf(self, ca: x509.Certificate, hostnames: list[str]) -> StoredLeaf | None:
        """The stored server certificate, if ``ca`` issued it for exactly ``hostnames``."""
        try:
            cert_pem = self._leaf_file.read_bytes()
            key_pem = self._leaf_key.read_bytes()
            certificate = x509.load_pem_x509_certificate(cert_pem)
            key = serialization.load_pem_private_key(key_pem, password=None)
            certificate.verify_directly_issued_by(ca)
        except (OSError, ValueError, TypeError, InvalidSignature):
            return None
        if not _same_key(key, certificate) or not _usable(certificate):
            return None
        if _san_names(certificate) != set(hostnames):
            return None  # other --host or --domain: the names must match
        return StoredLeaf(key_pem, cert_pem)

    def save(self, ca_key_pem: bytes, ca_pem: bytes, leaf_key_pem: bytes, leaf_pem: bytes) -> None:
        """Store the CA and the server certificate (keys readable by the owner only)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        atomic_write_bytes(self._ca_key, ca_key_pem)
        atomic_write_bytes(self._leaf_key, leaf_key_pem)
        atomic_write_bytes(self._leaf_file, leaf_pem, mode=0o644)
        # Last: a client re-reading ca.pem mid-save sees the old CA or the new one, whole.
        atomic_write_bytes(self.ca_file, ca_pem, mode=0o644)
