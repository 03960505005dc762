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

from exsync_tui.sandbox.tls_state import StoredLeaf, TlsState

_VALIDITY = dt.timedelta(days=825)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "exsync sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


class CertificateAuthority:
    """A CA key and self-signed certificate, able to issue server certificates.

    ``stored`` reuses a key and certificate kept from an earlier run.
    """

    def __init__(
        self,
        label: str,
        stored: tuple[ec.EllipticCurvePrivateKey, x509.Certificate] | None = None,
    ) -> None:
        if stored is not None:
            self.key, self.certificate = stored
            return
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

    def key_pem(self) -> bytes:
        """The CA's private key, PEM (PKCS#8, unencrypted: keep it 0600)."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

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
    """The CA file on disk and the server context, replaceable while serving (rotation).

    With ``state_dir`` the CA and server certificate are kept there and reused by the
    next start (and ``ca_file`` is a path there, the same every run), so trusting the
    CA or pinning the certificate survives a restart; rotations are kept too.
    """

    def __init__(
        self, directory: Path, hostnames: list[str], state_dir: Path | None = None
    ) -> None:
        self._directory = directory
        self._hostnames = hostnames
        self._lock = threading.Lock()
        self._generation = 0
        self._state = TlsState(state_dir) if state_dir is not None else None
        stored_ca = self._state.load_ca() if self._state else None
        self.ca = CertificateAuthority("0", stored_ca)
        self.ca_file = self._state.ca_file if self._state else directory / "sandbox-ca.pem"
        self.context: ssl.SSLContext
        self.leaf_pem = b""
        leaf = self._state.load_leaf(self.ca.certificate, hostnames) if self._state else None
        self._install(new_ca=False, leaf=leaf)

    def rotate(self, new_ca: bool) -> None:
        """Issue a new leaf key and certificate (and with `new_ca`, a new CA too)."""
        self._install(new_ca=new_ca, leaf=None)

    def _install(self, new_ca: bool, leaf: StoredLeaf | None) -> None:
        """Serve ``leaf`` (or a freshly issued one) and, with a state directory, keep it."""
        with self._lock:
            self._generation += 1
            if new_ca:
                self.ca = CertificateAuthority(str(self._generation))
            if leaf is None:
                key_pem, cert_pem = self.ca.issue(self._hostnames)
            else:
                key_pem, cert_pem = leaf.key_pem, leaf.cert_pem
            if self._state is not None:
                self._state.save(self.ca.key_pem(), self.ca.pem(), key_pem, cert_pem)
            else:
                self.ca_file.write_bytes(self.ca.pem())
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
