"""The sandbox's OAuth authority, driven by unpatched msal (raw requests where msal hides it)."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msal
import pytest
import requests

from exsync_tui.sandbox import Sandbox
from exsync_tui.sandbox.oauth_errors import AADSTS

SCOPES = ["Mail.ReadWrite", "Calendars.Read", "User.Read"]


def _session(sandbox: Sandbox) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify=
    session.verify = sandbox.info.ca_file or True
    return session


def _app(sandbox: Sandbox, client_id: str = "test-client") -> msal.PublicClientApplication:
    return msal.PublicClientApplication(
        client_id,
        authority=sandbox.info.authority_url,
        instance_discovery=False,
        http_client=_session(sandbox),
    )


def _answer_when_polled(sandbox: Sandbox, user_code: str, answer: Callable[[str], Any]) -> None:
    """Answer the device code once msal has polled it at least once (pending seen)."""

    def run() -> None:
        sandbox.control.wait_for_request(lambda e: e["path"].endswith("/token"), timeout=20)
        answer(user_code)

    threading.Thread(target=run, daemon=True).start()


def _device_sign_in(sandbox: Sandbox, app: msal.PublicClientApplication, answer: str) -> Any:
    flow = app.initiate_device_flow(scopes=SCOPES)
    assert flow["user_code"] in sandbox.control.pending_device_codes()
    sandbox.control.clear_request_log()
    _answer_when_polled(sandbox, flow["user_code"], getattr(sandbox.control, answer))
    return app.acquire_token_by_device_flow(flow)


def test_openid_configuration_names_the_device_endpoint(sandbox: Sandbox) -> None:
    url = f"{sandbox.info.authority_url}/v2.0/.well-known/openid-configuration"
    config = _session(sandbox).get(url, timeout=10).json()
    assert config["device_authorization_endpoint"].endswith("/organizations/oauth2/v2.0/devicecode")
    assert config["token_endpoint"].startswith(sandbox.info.base_url)


def test_an_unknown_tenant_is_aadsts90002(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="tenant name") as raised:
        msal.PublicClientApplication(
            "c", authority=f"{sandbox.info.base_url}/nosuchtenant", instance_discovery=False,
            http_client=_session(sandbox),
        )  # fmt: skip
    assert "AADSTS90002" in str(raised.value.__context__)  # msal keeps Entra's answer there


def test_approved_device_code_gives_tokens_for_the_mailbox(sandbox: Sandbox) -> None:
    app = _app(sandbox)
    flow = app.initiate_device_flow(scopes=SCOPES)
    email = sandbox.info.users[1].email
    answer = requests.post(  # the HTTP control API, as `exsync sandbox` users drive it
        f"{sandbox.info.control_url}/approve_device_code",
        json={"user_code": flow["user_code"], "email": email},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == email
    grant = sandbox.tokens.resolve(result["access_token"])
    assert grant is not None and grant.email == email
    assert set(SCOPES) <= set(result["scope"].split())


def test_declined_and_expired_device_codes_stop_the_poll(sandbox: Sandbox) -> None:
    declined = _device_sign_in(sandbox, _app(sandbox), "decline_device_code")
    assert declined["error"] == "authorization_declined"
    expired = _device_sign_in(sandbox, _app(sandbox), "expire_device_code")
    assert expired["error"] == "expired_token"
    assert expired["error_codes"] == [70019]


def test_polling_faster_than_the_interval_is_slowed_down(sandbox: Sandbox) -> None:
    session = _session(sandbox)
    base = f"{sandbox.info.authority_url}/oauth2/v2.0"
    flow = session.post(f"{base}/devicecode", data={"client_id": "c", "scope": "User.Read"}).json()
    form = {
        "client_id": "c",
        "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
        "device_code": flow["device_code"],
    }
    first = session.post(f"{base}/token", data=form).json()
    second = session.post(f"{base}/token", data=form).json()
    assert first["error"] == "authorization_pending"
    assert second["error"] == "slow_down"


def test_refresh_tokens_rotate_and_the_old_one_is_spent(fresh_sandbox: Any) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    app = _app(sandbox)
    first = _device_sign_in(sandbox, app, "approve_device_code")
    account = app.get_accounts()[0]
    refreshed = app.acquire_token_silent_with_error(SCOPES, account, force_refresh=True)
    assert refreshed is not None and refreshed["token_source"] == "identity_provider"
    assert refreshed["refresh_token"] != first["refresh_token"]
    raw = _session(sandbox).post(
        f"{sandbox.info.authority_url}/oauth2/v2.0/token",
        data={"client_id": "test-client", "grant_type": "refresh_token",
              "refresh_token": first["refresh_token"], "scope": "User.Read"},
    ).json()  # fmt: skip
    assert raw["error_codes"] == [70043]


def test_revoked_refresh_tokens_need_a_new_sign_in(fresh_sandbox: Any) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    app = _app(sandbox)
    _device_sign_in(sandbox, app, "approve_device_code")
    account = app.get_accounts()[0]
    assert sandbox.control.revoke_refresh_tokens(account["username"]) == 1
    result = app.acquire_token_silent_with_error(SCOPES, account, force_refresh=True)
    assert result is not None and result["error_codes"] == [50173]


@pytest.mark.parametrize("code", [65001, 53003, 7000218])
def test_an_armed_aadsts_error_answers_the_next_token_request(
    fresh_sandbox: Any, code: int
) -> None:
    sandbox = fresh_sandbox(messages=1, events=0)
    sandbox.control.arm_oauth_error(code)
    result = _device_sign_in(sandbox, _app(sandbox), "approve_device_code")
    assert result["error"] == AADSTS[code][0]
    assert result["error_description"].startswith(f"AADSTS{code}:")
    again = _device_sign_in(sandbox, _app(sandbox), "approve_device_code")
    assert "access_token" in again  # armed for one request only


def _authorize(sandbox: Sandbox, challenge: str, redirect: str) -> str:
    answer = _session(sandbox).get(
        f"{sandbox.info.authority_url}/oauth2/v2.0/authorize",
        params={"client_id": "c", "response_type": "code", "redirect_uri": redirect,
                "scope": "User.Read offline_access", "state": "s1",
                "code_challenge": challenge, "code_challenge_method": "S256"},
        allow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(redirect)
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["s1"]
    return query["code"][0]


def test_authorization_code_needs_the_pkce_verifier(sandbox: Sandbox) -> None:
    verifier = "v" * 50
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    redirect = "http://localhost:8400/"
    token_url = f"{sandbox.info.authority_url}/oauth2/v2.0/token"
    form = {"client_id": "c", "grant_type": "authorization_code", "redirect_uri": redirect}
    session = _session(sandbox)
    code = _authorize(sandbox, challenge, redirect)
    wrong = session.post(token_url, data=form | {"code": code, "code_verifier": "w" * 50}).json()
    assert wrong["error"] == "invalid_grant"
    # A code is single use: the wrong verifier spent it.
    again = session.post(token_url, data=form | {"code": code, "code_verifier": verifier}).json()
    assert again["error"] == "invalid_grant"
    code = _authorize(sandbox, challenge, redirect)
    right = session.post(token_url, data=form | {"code": code, "code_verifier": verifier}).json()
    assert sandbox.tokens.resolve(right["access_token"]) is not None
