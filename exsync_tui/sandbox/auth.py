"""Sign-in as IIS in front of Exchange does it: Basic and NTLM (connection-based), challenges.

A mailbox switched to "modern auth only" answers like Exchange Online with Basic and NTLM
turned off: 401 with a Bearer challenge only.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass, field

from exsync_tui.sandbox.model import Mailbox
from exsync_tui.sandbox.ntlm import NtlmAcceptor, message_type
from exsync_tui.sandbox.store import MailboxStore

BEARER_CHALLENGE = (
    'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", '
    'trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserting_user", '
    'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    'error="invalid_token"'
)


@dataclass
class ConnectionAuth:
    """Per-connection sign-in state: NTLM authenticates the connection, not each request."""

    acceptor: NtlmAcceptor | None = None
    scheme: str | None = None
    mailbox: Mailbox | None = None


@dataclass
class AuthOutcome:
    """The result of checking one request's credentials."""

    mailbox: Mailbox | None
    scheme: str | None
    challenges: list[str] = field(default_factory=list)
    expired: bool = False

    @property
    def ok(self) -> bool:
        """Whether the request is signed in."""
        return self.mailbox is not None


class Authenticator:
    """Checks credentials against the store's current passwords."""

    def __init__(self, store: MailboxStore, server_name: str = "mail") -> None:
        self._store = store
        self._netbios = store.domain.split(".")[0].upper()
        self._server_name = server_name

    def challenges(self, host: str) -> list[str]:
        """The WWW-Authenticate values of an unauthenticated 401, as Exchange sends them."""
        return ["Negotiate", "NTLM", f'Basic realm="{host}"']

    def _password_for(self, domain: str, user: str) -> str | None:
        login = f"{domain}\\{user}" if domain else user
        with self._store.lock:
            mailbox = self._store.by_login(login)
            return mailbox.password if mailbox is not None else None

    def check(
        self, authorization: str | None, connection: ConnectionAuth, host: str
    ) -> AuthOutcome:
        """Sign in a request; an NTLM handshake in progress yields a 401 with the next token."""
        if not authorization:
            if connection.mailbox is not None and connection.scheme in ("NTLM", "Negotiate"):
                return self._finish(connection.mailbox, connection.scheme, host)
            return AuthOutcome(None, None, self.challenges(host))
        scheme, _, token = authorization.partition(" ")
        scheme_key = scheme.lower()
        if scheme_key == "basic":
            return self._basic(token.strip(), host)
        if scheme_key in ("ntlm", "negotiate"):
            return self._ntlm(
                "NTLM" if scheme_key == "ntlm" else "Negotiate", token, connection, host
            )
        return AuthOutcome(None, scheme, self.challenges(host))

    def _finish(self, mailbox: Mailbox, scheme: str, host: str) -> AuthOutcome:
        if mailbox.modern_auth_only:
            return AuthOutcome(None, scheme, [BEARER_CHALLENGE])
        if mailbox.password_expired:
            return AuthOutcome(None, scheme, self.challenges(host), expired=True)
        return AuthOutcome(mailbox, scheme)

    def _basic(self, token: str, host: str) -> AuthOutcome:
        try:
            login, _, password = (
                base64.b64decode(token, validate=True).decode("utf-8").partition(":")
            )
        except (binascii.Error, UnicodeDecodeError):
            return AuthOutcome(None, "Basic", self.challenges(host))
        with self._store.lock:
            mailbox = self._store.by_login(login)
        if mailbox is not None and mailbox.modern_auth_only:
            # Exchange Online rejects Basic before looking at the password.
            return AuthOutcome(None, "Basic", [BEARER_CHALLENGE])
        if mailbox is None or not hmac.compare_digest(mailbox.password.encode(), password.encode()):
            return AuthOutcome(None, "Basic", self.challenges(host))
        return self._finish(mailbox, "Basic", host)

    def _ntlm(self, scheme: str, token: str, connection: ConnectionAuth, host: str) -> AuthOutcome:
        try:
            raw = base64.b64decode(token.strip(), validate=True)
        except binascii.Error:
            return AuthOutcome(None, scheme, self.challenges(host))
        kind = message_type(raw)
        if kind == 1:
            connection.acceptor = NtlmAcceptor(self._netbios, self._store.domain, self._server_name)
            connection.mailbox = None
            challenge = connection.acceptor.challenge(raw)
            return AuthOutcome(None, scheme, [f"{scheme} {base64.b64encode(challenge).decode()}"])
        if kind == 3 and connection.acceptor is not None:
            verified = connection.acceptor.authenticate(raw, self._password_for)
            connection.acceptor = None
            if verified is not None:
                domain, user = verified
                with self._store.lock:
                    mailbox = self._store.by_login(f"{domain}\\{user}" if domain else user)
                if mailbox is not None:
                    connection.mailbox, connection.scheme = mailbox, scheme
                    return self._finish(mailbox, scheme, host)
        # Kerberos inside Negotiate, a broken handshake, or wrong credentials.
        return AuthOutcome(None, scheme, self.challenges(host))
