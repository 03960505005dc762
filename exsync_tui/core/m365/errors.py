"""msal's answers and exceptions as help topics (AADSTS codes first, then the OAuth error).

msal returns the authority's error object as a dict (``error``,
``error_description`` starting ``AADSTS<code>:``, ``error_codes``); some
failures, such as an unknown tenant during discovery, come as exceptions that
carry the same text further down their chain.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from typing import Any

from exsync_tui.core.diagnose.classify import TopicError, classify, exception_chain

AADSTS_TOPICS: dict[int, str] = {
    65001: "m365-consent-required",
    90094: "m365-consent-required",
    65004: "m365-consent-declined",
    53003: "m365-conditional-access",
    53000: "m365-conditional-access",
    50076: "m365-mfa-required",
    50078: "m365-mfa-required",
    70043: "m365-signin-expired",
    700082: "m365-signin-expired",
    50173: "m365-grant-revoked",
    50057: "m365-account-unavailable",
    50034: "m365-account-unavailable",
    90002: "m365-tenant-not-found",
    700016: "m365-app-not-found",
    7000112: "m365-app-not-found",
    7000218: "m365-public-client-off",
    50194: "m365-single-tenant-app",
}
_OAUTH_ERRORS = {
    "authorization_declined": "m365-device-code-declined",
    "access_denied": "m365-device-code-declined",  # RFC 8628's name for the same answer
    "expired_token": "m365-device-code-expired",
    "invalid_grant": "m365-signin-needed",
    "interaction_required": "m365-signin-needed",
}
_AADSTS = re.compile(r"AADSTS(\d+)")
_NOISE = re.compile(r"\s*(Trace ID|Correlation ID|Timestamp):.*$", re.DOTALL)


def aadsts_codes(text: str) -> list[int]:
    """Every ``AADSTS<code>`` in ``text``, in order."""
    return [int(code) for code in _AADSTS.findall(text)]


def _detail(result: Mapping[str, Any]) -> str:
    """The description without its trace ids (they are for Microsoft support, not the user)."""
    description = str(result.get("error_description") or result.get("error") or "")
    return _NOISE.sub("", description).strip()


def classify_result(result: Mapping[str, Any]) -> TopicError:
    """The help topic for an msal error result (a dict with ``error``)."""
    codes = [int(c) for c in result.get("error_codes") or () if str(c).isdigit()]
    codes += aadsts_codes(str(result.get("error_description") or ""))
    detail = _detail(result)
    for code in codes:
        if code in AADSTS_TOPICS:
            return TopicError(AADSTS_TOPICS[code], detail, {"aadsts": str(code)})
    topic = _OAUTH_ERRORS.get(str(result.get("error")), "m365-signin-failed")
    facts = {"aadsts": str(codes[0])} if codes else {}
    return TopicError(topic, detail or str(result.get("error")), facts)


def classify_failure(error: BaseException, *, cancelled: bool = False) -> TopicError:
    """The help topic for an exception raised while talking to the authority."""
    if not cancelled:
        for link in exception_chain(error):
            text = str(link)
            if not aadsts_codes(text):
                continue
            with contextlib.suppress(ValueError):
                body = json.loads(text[text.find("{") :])
                if isinstance(body, dict) and "error" in body:
                    return classify_result(body)
            return classify_result({"error": "", "error_description": text})
    found = classify(error, cancelled=cancelled)
    return TopicError(found.topic_id, found.detail, found.facts)
