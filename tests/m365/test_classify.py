"""msal error answers to help topics: every AADSTS code the issue lists, in Entra's shapes."""

from __future__ import annotations

import pytest

from exsync_tui.core.diagnose.topics import HELP_TOPICS
from exsync_tui.core.m365 import classify_failure, classify_result
from exsync_tui.sandbox.oauth_errors import aadsts_body, error_body

# The issue's list: "AADSTS errors map to help topics".
ISSUE_MAPPING = {
    65001: "m365-consent-required", 90094: "m365-consent-required",
    65004: "m365-consent-declined",
    53003: "m365-conditional-access", 53000: "m365-conditional-access",
    50076: "m365-mfa-required", 50078: "m365-mfa-required",
    70043: "m365-signin-expired", 700082: "m365-signin-expired",
    50173: "m365-grant-revoked",
    50057: "m365-account-unavailable", 50034: "m365-account-unavailable",
    90002: "m365-tenant-not-found",
    700016: "m365-app-not-found", 7000112: "m365-app-not-found",
    7000218: "m365-public-client-off",
    50194: "m365-single-tenant-app",
}  # fmt: skip


@pytest.mark.parametrize(("code", "topic"), sorted(ISSUE_MAPPING.items()))
def test_each_listed_code_has_its_topic(code: int, topic: str) -> None:
    found = classify_result(aadsts_body(code))
    assert found.topic_id == topic
    assert found.topic_id in HELP_TOPICS
    assert found.facts == {"aadsts": str(code)}
    assert found.detail.startswith(f"AADSTS{code}:") and "Correlation ID" not in found.detail


def test_the_code_is_found_in_the_description_alone() -> None:
    body = {"error": "invalid_grant", "error_description": "AADSTS50076: Due to a change..."}
    assert classify_result(body).topic_id == "m365-mfa-required"


@pytest.mark.parametrize(
    ("error", "topic"),
    [("authorization_declined", "m365-device-code-declined"),
     ("access_denied", "m365-device-code-declined"),
     ("expired_token", "m365-device-code-expired"),
     ("invalid_grant", "m365-signin-needed"),
     ("temporarily_unavailable", "m365-signin-failed")],
)  # fmt: skip
def test_oauth_errors_without_a_known_code(error: str, topic: str) -> None:
    assert classify_result(error_body(error, "something")).topic_id == topic


def test_an_unknown_code_is_a_generic_failure_that_keeps_the_code() -> None:
    found = classify_result(error_body("invalid_request", "Odd.", (123456,)))
    assert found.topic_id == "m365-signin-failed"
    assert found.facts == {"aadsts": "123456"}


def test_an_exception_quoting_the_answer_is_classified_by_its_body() -> None:
    import json

    inner = ValueError(f"OIDC Discovery failed. Error: {json.dumps(aadsts_body(90002))}")
    try:
        try:
            raise inner
        except ValueError:
            raise ValueError("Unable to get authority configuration") from None
    except ValueError as outer:
        outer.__context__ = inner
        assert classify_failure(outer).topic_id == "m365-tenant-not-found"


def test_a_cancel_wins() -> None:
    assert classify_failure(OSError("reset"), cancelled=True).topic_id == "cancelled"
