"""The sandbox authority's error answers, shaped as Entra ID's (``AADSTS`` codes and all).

Entra ID answers a failed token request with HTTP 400 and a JSON body whose
``error`` is the OAuth error, ``error_description`` starts with ``AADSTS<code>:``
and ``error_codes`` lists the code; clients (msal included) hand that body back
as it is. The sandbox produces the same shape, so exsync's classifier is tested
against what it will meet.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from exsync_tui.sandbox.httpserver import Response

# code: (OAuth error, suberror, description as Entra words it, shortened)
AADSTS: dict[int, tuple[str, str, str]] = {
    65001: ("invalid_grant", "consent_required",
            "The user or administrator has not consented to use the application."),
    90094: ("invalid_grant", "consent_required",
            "Admin consent is required for the permissions requested by this application."),
    65004: ("invalid_grant", "", "User declined to consent to access the app."),
    53003: ("invalid_grant", "basic_action",
            "Access has been blocked by Conditional Access policies."),
    53000: ("invalid_grant", "basic_action",
            "Device is not in required device state: compliant."),
    50076: ("invalid_grant", "basic_action",
            "Due to a configuration change made by your administrator, or because you moved "
            "to a new location, you must use multi-factor authentication."),
    50078: ("invalid_grant", "basic_action", "Presented multi-factor authentication has expired."),
    70043: ("invalid_grant", "bad_token",
            "The refresh token has expired or is invalid due to sign-in frequency checks by "
            "Conditional Access."),
    700082: ("invalid_grant", "bad_token",
             "The refresh token has expired due to inactivity. The token was issued and was "
             "inactive for 90.00:00:00."),
    50173: ("invalid_grant", "bad_token",
            "The provided grant has expired due to it being revoked, a fresh auth token is "
            "needed."),
    50057: ("invalid_grant", "user_account_disabled", "The user account is disabled."),
    50034: ("invalid_grant", "", "The user account does not exist in the directory."),
    90002: ("invalid_request", "", "Tenant not found."),
    700016: ("unauthorized_client", "",
             "Application was not found in the directory. This can happen if the application "
             "has not been installed by the administrator of the tenant."),
    7000112: ("unauthorized_client", "", "Application is disabled."),
    7000218: ("invalid_client", "",
              "The request body must contain the following parameter: 'client_assertion' or "
              "'client_secret'."),
    50194: ("invalid_request", "",
            "Application is not configured as a multi-tenant application. Usage of the "
            "/common endpoint is not supported for such applications."),
    70016: ("authorization_pending", "",
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling."),
    70019: ("expired_token", "", "Verification code expired."),
    50059: ("invalid_request", "", "No tenant-identifying information found in the request."),
}  # fmt: skip
"""The codes the sandbox can answer with, armed through the control API or met naturally."""


def error_body(
    error: str, description: str, codes: tuple[int, ...] = (), suberror: str = ""
) -> dict[str, object]:
    """An Entra-shaped error object (what the token and device-code endpoints return)."""
    now = dt.datetime.now(dt.UTC)
    prefix = "".join(f"AADSTS{code}: " for code in codes[:1])
    body: dict[str, object] = {
        "error": error,
        "error_description": (
            f"{prefix}{description} Trace ID: {uuid.uuid4()} Correlation ID: {uuid.uuid4()} "
            f"Timestamp: {now:%Y-%m-%d %H:%M:%SZ}"
        ),
        "error_codes": list(codes),
        "timestamp": f"{now:%Y-%m-%d %H:%M:%SZ}",
        "trace_id": str(uuid.uuid4()),
        "correlation_id": str(uuid.uuid4()),
    }
    if suberror:
        body["suberror"] = suberror
    return body


def aadsts_body(code: int) -> dict[str, object]:
    """The error object Entra returns for AADSTS ``code`` (KeyError for an unknown code)."""
    error, suberror, description = AADSTS[code]
    return error_body(error, description, (code,), suberror)


def json_response(status: int, payload: dict[str, object]) -> Response:
    """A JSON answer, never cached (tokens must not sit in a proxy)."""
    return Response(
        status,
        json.dumps(payload).encode(),
        "application/json; charset=utf-8",
        [("Cache-Control", "no-store"), ("Pragma", "no-cache")],
    )


def error_response(payload: dict[str, object], status: int = 400) -> Response:
    """An error object as Entra sends it (400 unless told otherwise)."""
    return json_response(status, payload)
