"""Looking at a server's TLS certificate directly, for the doctor and for "pin this certificate".

:func:`check_tls` verifies the way requests would (system store, a CA file,
or a pin) and, when verification fails, fetches the certificate anyway to say
why in plain words and to show its SHA-256 fingerprint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import socket
import ssl
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID

from exsync_tui.core.net.dial import open_connection
from exsync_tui.core.net.policy import format_fingerprint

DEFAULT_TLS_TIMEOUT_S = 5.0
EXPIRY_WARNING_DAYS = 14

# OpenSSL X509_V_ERR_* codes the doctor explains.
_SELF_SIGNED_LEAF = 18
_SELF_SIGNED_IN_CHAIN = 19
_UNKNOWN_ISSUER = (2, 20, 21)
_EXPIRED = (9, 10)
_NAME_MISMATCH = 62


@dataclass(frozen=True)
class CertificateInfo:
    """The facts of one certificate that a user or administrator can check."""

    sha256: str  # lowercase hex of the DER bytes
    subject: str
    issuer: str
    names: tuple[str, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    self_signed: bool
    names_issuer_url: bool  # has an AIA "CA issuers" pointer (a public CA's intermediate)

    @property
    def fingerprint(self) -> str:
        """``AB:CD:...``, as browsers show it."""
        return format_fingerprint(self.sha256)

    @classmethod
    def from_der(cls, der: bytes) -> CertificateInfo:
        """Read a DER certificate."""
        certificate = x509.load_der_x509_certificate(der)
        try:
            san = certificate.extensions.get_extension_for_oid(
                ExtensionOID.SUBJECT_ALTERNATIVE_NAME
            ).value
            names = tuple(str(name.value) for name in san)  # type: ignore[attr-defined]
        except x509.ExtensionNotFound:
            names = tuple(
                str(attribute.value)
                for attribute in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            )
        try:
            certificate.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS)
            has_aia = True
        except x509.ExtensionNotFound:
            has_aia = False
        return cls(
            sha256=hashlib.sha256(der).hexdigest(),
            subject=certificate.subject.rfc4514_string(),
            issuer=certificate.issuer.rfc4514_string(),
            names=names,
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            self_signed=certificate.issuer == certificate.subject,
            names_issuer_url=has_aia,
        )


@dataclass(frozen=True)
class TlsCheck:
    """The outcome of a TLS check; ``topic_id`` is None when the server is trusted."""

    ok: bool
    detail: str
    topic_id: str | None = None
    certificate: CertificateInfo | None = None
    version: str | None = None
    warning: str | None = None


def _wrap(sock: socket.socket, host: str, context: ssl.SSLContext) -> ssl.SSLSocket:
    try:
        return context.wrap_socket(sock, server_hostname=host)
    except BaseException:
        sock.close()
        raise


def _handshake(host: str, port: int, context: ssl.SSLContext, timeout: float) -> ssl.SSLSocket:
    return _wrap(open_connection(host, port, timeout).sock, host, context)


def _unverified_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only to read the certificate; nothing is sent
    return context


def fetch_certificate(
    host: str, port: int, timeout: float = DEFAULT_TLS_TIMEOUT_S
) -> CertificateInfo:
    """The server's leaf certificate, without verifying it (nothing is sent but the handshake)."""
    with _handshake(host, port, _unverified_context(), timeout) as tls:
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise ssl.SSLError("the server sent no certificate")
    return CertificateInfo.from_der(der)


def _explain_failure(error: ssl.SSLCertVerificationError, cert: CertificateInfo | None) -> TlsCheck:
    code = error.verify_code
    message = error.verify_message or str(error)
    issued = f" (issued by {cert.issuer})" if cert else ""
    if code == _NAME_MISMATCH:
        names = ", ".join(cert.names) if cert else "other names"
        return TlsCheck(False, f"the certificate is for {names}", "tls-name-mismatch", cert)
    if code in _EXPIRED:
        until = f" on {cert.not_after:%Y-%m-%d}" if cert else ""
        return TlsCheck(False, f"the certificate expired{until}", "tls-expired", cert)
    if code == _SELF_SIGNED_LEAF or (cert is not None and cert.self_signed):
        detail = "the certificate is self-signed"
    elif code == _SELF_SIGNED_IN_CHAIN:
        detail = f"the certificate comes from a private CA{issued}"
    elif code in _UNKNOWN_ISSUER and cert is not None and cert.names_issuer_url:
        detail = (
            f"the issuer is not known here{issued}: the server probably does not send its "
            "intermediate certificate"
        )
    elif code in _UNKNOWN_ISSUER:
        detail = f"the certificate comes from a CA this machine does not know{issued}"
    else:
        detail = f"the certificate is not trusted: {message}"
    return TlsCheck(False, detail, "tls-untrusted", cert)


def _expiry_warning(cert: CertificateInfo) -> str | None:
    """Soon to expire, or (only a pin still trusts it) already expired."""
    left = cert.not_after - dt.datetime.now(dt.UTC)
    if left < dt.timedelta(0):
        ago = -left
        when = f"{ago.days} days ago" if ago.days != 1 else "1 day ago"
        if ago.days == 0:
            when = "today"
        return f"the certificate expired {when} ({cert.not_after:%Y-%m-%d})"
    if left < dt.timedelta(days=EXPIRY_WARNING_DAYS):
        return f"the certificate expires in {left.days} days ({cert.not_after:%Y-%m-%d})"
    return None


def check_tls(
    host: str,
    port: int,
    *,
    ca_file: str | None = None,
    pin_sha256: str | None = None,
    timeout: float = DEFAULT_TLS_TIMEOUT_S,
) -> TlsCheck:
    """Verify ``host:port``'s certificate like exsync's requests do (CA file, pin, or system).

    Network errors (refused, timeout, unroutable) propagate; TLS problems are in the result.
    """
    context = _unverified_context() if pin_sha256 else ssl.create_default_context(cafile=ca_file)
    sock = open_connection(host, port, timeout).sock  # network errors propagate from here
    try:
        tls = _wrap(sock, host, context)
    except ssl.SSLCertVerificationError as error:
        try:
            cert: CertificateInfo | None = fetch_certificate(host, port, timeout)
        except (OSError, ValueError):
            cert = None
        return _explain_failure(error, cert)
    except ssl.SSLError as error:
        what = "probably plain HTTP" if "wrong version number" in str(error).lower() else "unknown"
        return TlsCheck(False, f"the answer on this port is not TLS ({what})", "tls-intercepted")
    except TimeoutError:
        return TlsCheck(
            False,
            f"the connection was accepted, but no TLS answer came within {timeout:g} s: "
            "the server is silent",
            "tls-silent",
        )
    except ConnectionResetError:
        return TlsCheck(
            False, "the connection was closed during the TLS handshake", "tls-intercepted"
        )
    with tls:
        der = tls.getpeercert(binary_form=True)
        version = tls.version()
    if not der:
        return TlsCheck(False, "the server sent no certificate", "tls-intercepted")
    cert = CertificateInfo.from_der(der)
    if pin_sha256 and cert.sha256 != pin_sha256:
        return TlsCheck(
            False,
            f"the certificate is not the pinned one (it is {cert.fingerprint})",
            "tls-pin-mismatch",
            cert,
        )
    trust = "pinned certificate" if pin_sha256 else ("CA file" if ca_file else "system CAs")
    detail = f"{version}, trusted by the {trust}"
    if cert.not_after > dt.datetime.now(dt.UTC):
        detail += f", valid until {cert.not_after:%Y-%m-%d}"
    return TlsCheck(True, detail, None, cert, version, _expiry_warning(cert))
