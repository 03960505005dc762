"""A real NTLMv2 acceptor built on pyspnego's NTLM message and crypto primitives.

pyspnego's own acceptor reads credentials from a process-wide file named by `NTLM_USER_FILE`;
the sandbox needs per-instance passwords that change at runtime, so it verifies the
NTLMv2 response itself with the same primitives.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable

from spnego._ntlm_raw.crypto import compute_response_v2, ntowfv1, ntowfv2
from spnego._ntlm_raw.messages import Authenticate as AuthenticateMessage
from spnego._ntlm_raw.messages import (
    AvId,
    Challenge,
    FileTime,
    MessageType,
    Negotiate,
    NegotiateFlags,
    NTClientChallengeV2,
    TargetInfo,
    Version,
)

_SIGNATURE = b"NTLMSSP\x00"


def message_type(token: bytes) -> int | None:
    """The NTLM message type of a token (1, 2 or 3), or None if it is not NTLM."""
    if len(token) < 12 or not token.startswith(_SIGNATURE):
        return None
    return int.from_bytes(token[8:12], "little")


class NtlmAcceptor:
    """One NTLM handshake on one connection: negotiate -> challenge -> authenticate."""

    def __init__(self, netbios_domain: str, dns_domain: str, server_name: str) -> None:
        self._netbios_domain = netbios_domain
        self._dns_domain = dns_domain
        self._server_name = server_name
        self._server_challenge: bytes | None = None

    def challenge(self, negotiate_token: bytes) -> bytes:
        """Answer a NEGOTIATE message with a CHALLENGE."""
        negotiate = Negotiate.unpack(negotiate_token)
        flags = (
            negotiate.flags
            | NegotiateFlags.request_target
            | NegotiateFlags.ntlm
            | NegotiateFlags.always_sign
            | NegotiateFlags.target_info
            | NegotiateFlags.target_type_domain
        )
        if flags & NegotiateFlags.unicode:
            flags &= ~NegotiateFlags.oem
        if flags & NegotiateFlags.extended_session_security:
            flags &= ~NegotiateFlags.lm_key
        self._server_challenge = os.urandom(8)
        info = TargetInfo()
        info[AvId.nb_domain_name] = self._netbios_domain
        info[AvId.nb_computer_name] = self._server_name.upper()
        info[AvId.dns_domain_name] = self._dns_domain
        info[AvId.dns_computer_name] = f"{self._server_name}.{self._dns_domain}"
        info[AvId.timestamp] = FileTime.now()
        # The Version field only when negotiated: strict decoders reject it otherwise.
        version = Version.get_current() if flags & NegotiateFlags.version else None
        message = Challenge(
            flags,
            self._server_challenge,
            target_name=self._netbios_domain,
            target_info=info,
            version=version,
        )
        return bytes(message.pack())

    def authenticate(
        self, token: bytes, password_for: Callable[[str, str], str | None]
    ) -> tuple[str, str] | None:
        """Verify an AUTHENTICATE message; (domain, user) when the NTLMv2 response is right.

        `password_for(domain, user)` returns the account's current password, or None.
        """
        if self._server_challenge is None or message_type(token) != MessageType.authenticate:
            return None
        auth = AuthenticateMessage.unpack(token)
        user, domain = auth.user_name or "", auth.domain_name or ""
        response = auth.nt_challenge_response or b""
        if not user or len(response) <= 24:
            return None  # anonymous or NTLMv1: refused, as a hardened Exchange does
        password = password_for(domain, user)
        if password is None:
            return None
        key = ntowfv2(user, ntowfv1(password), domain)
        client = NTClientChallengeV2.unpack(response[16:])
        expected, _, _ = compute_response_v2(
            key,
            self._server_challenge,
            client.challenge_from_client,
            client.time_stamp,
            client.av_pairs,
        )
        self._server_challenge = None  # one use only
        if not hmac.compare_digest(expected, response):
            return None
        return domain, user
