"""A throwaway certificate authority and the server certificate it signs.

Keys are elliptic-curve (P-256) because generating them takes about a millisecond, which keeps a
fresh sandbox per test cheap; every client this project uses speaks ECDSA.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import ssl
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_VALIDITY = dt.timedelta(days=825)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "exsync sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


class CertificateAuthority:
    """A CA key and self-signed certificate, able to issue server certificates."""

    def __init__(self, label: str) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        public_key = self.key.public_key()
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(f"exsync sandbox CA {label}"))
            .issuer_name(_name(f"exsync sandbox CA {label}"))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .sign(self.key, hashes.SHA256())
        )

    def pem(self) -> bytes:
        """The CA certificate, PEM encoded (what clients trust)."""
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def issue(self, hostnames: list[str]) -> tuple[bytes, bytes]:
        """A new server key and certificate for `hostnames` (names or IP addresses), as PEM."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        alt_names: list[x509.GeneralName] = []
        for name in hostnames:
            try:
                alt_names.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alt_names.append(x509.DNSName(name))
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(hostnames[0]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


class ServerTLS:
    """The CA file on disk and the server context, replaceable while serving (rotation)."""

    def __init__(self, directory: Path, hostnames: list[str]) -> None:
        self._directory = directory
        self._hostnames = hostnames
        self._lock = threading.Lock()
        self._generation = 0
        self.ca = CertificateAuthority("0")
        self.ca_file = directory / "sandbox-ca.pem"
        self.context: ssl.SSLContext
        self.leaf_pem = b""
        self.rotate(new_ca=False)

    def rotate(self, new_ca: bool) -> None:
        """Issue a new leaf key and certificate (and with `new_ca`, a new CA too)."""
        with self._lock:
            self._generation += 1
            if new_ca:
                self.ca = CertificateAuthority(str(self._generation))
            self.ca_file.write_bytes(self.ca.pem())
            key_pem, cert_pem = self.ca.issue(self._hostnames)
            key_file = self._directory / f"server-{self._generation}.key"
            cert_file = self._directory / f"server-{self._generation}.pem"
            key_file.touch(mode=0o600)
            key_file.write_bytes(key_pem)
            # The chain includes the CA so clients that only trust the CA can build the path.
            cert_file.write_bytes(cert_pem + self.ca.pem())
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert_file, key_file)
            self.leaf_pem = cert_pem
            self.context = context

    def leaf_sha256(self) -> str:
        """SHA-256 of the current leaf certificate's DER bytes, hex (what a pin compares)."""
        der = x509.load_pem_x509_certificate(self.leaf_pem).public_bytes(serialization.Encoding.DER)
        return hashlib.sha256(der).hexdigest()
