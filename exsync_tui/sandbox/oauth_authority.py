"""The sandbox's OAuth authority: enough of Entra ID for unpatched msal.

Paths, as ``https://login.microsoftonline.com`` serves them, under the sandbox's
base URL (msal's ``authority=`` is ``{base}/organizations`` and it runs with
``instance_discovery=False``):

- ``/{tenant}/v2.0/.well-known/openid-configuration`` (with the
  ``device_authorization_endpoint``); an unknown tenant answers AADSTS90002;
- ``/{tenant}/oauth2/v2.0/devicecode``: a device code, polled at
  ``/{tenant}/oauth2/v2.0/token`` with ``authorization_pending``,
  ``slow_down``, ``expired_token`` and ``authorization_declined`` until the
  control API approves or declines its user code;
- the token endpoint's ``refresh_token`` grant (rotating refresh tokens) and
  ``authorization_code`` grant with PKCE (S256), whose code comes from
  ``/{tenant}/oauth2/v2.0/authorize``: it signs in ``login_hint`` (or the
  first mailbox) at once and redirects to the loopback ``redirect_uri``.

Tokens are opaque; the ID token is an unsigned JWT (msal does not validate it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

from exsync_tui.sandbox.httpserver import Request, Response
from exsync_tui.sandbox.oauth_errors import aadsts_body, error_body, error_response, json_response
from exsync_tui.sandbox.oauth_grants import (
    AUTH_CODE_LIFETIME_S,
    AuthCode,
    DeviceCode,
    DeviceState,
    OAuthGrants,
)
from exsync_tui.sandbox.oauth_tokens import TokenRegistry
from exsync_tui.sandbox.store import MailboxStore

_PATH = re.compile(
    r"^/(?P<tenant>[^/]+)/(?:v2\.0/\.well-known/openid-configuration|oauth2/v2\.0/"
    r"(?P<endpoint>devicecode|token|authorize))$"
)
DEVICE_LOGIN_PATH = "/devicelogin"
RESERVED_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
_GRAPH_PREFIX = "https://graph.microsoft.com/"
_DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_TENANTS_FOR_ANYONE = ("organizations", "common")


def is_authority_path(path: str) -> bool:
    """True for a path the authority answers (``Request.path``: lower case, no slash at the end)."""
    return path == DEVICE_LOGIN_PATH or _PATH.match(path) is not None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def short_scopes(text: str) -> tuple[str, ...]:
    """Requested scopes without the OpenID ones, Graph's resource prefix dropped."""
    names = (s.removeprefix(_GRAPH_PREFIX) for s in text.split())
    return tuple(dict.fromkeys(s for s in names if s and s.lower() not in RESERVED_SCOPES))


@dataclass
class Authority:
    """Answers the authority's paths on the main listener."""

    store: MailboxStore
    tokens: TokenRegistry
    grants: OAuthGrants

    @property
    def tenant_id(self) -> str:
        """The sandbox tenant's id: a GUID derived from its domain, stable across restarts."""
        return str(uuid.uuid5(uuid.NAMESPACE_DNS, self.store.domain))

    def _tenant_known(self, tenant: str) -> bool:
        return tenant in (*_TENANTS_FOR_ANYONE, self.store.domain.lower(), self.tenant_id)

    def __call__(self, request: Request) -> Response:
        if request.path == DEVICE_LOGIN_PATH:
            page = "<html><body><h1>Enter code</h1><p>Sandbox: approve through the control API."
            return Response(200, (page + "</p></body></html>").encode(), "text/html")
        match = _PATH.match(request.path)
        assert match is not None
        tenant, endpoint = match.group("tenant"), match.group("endpoint")
        if not self._tenant_known(tenant):
            return error_response(aadsts_body(90002))
        base = f"https://{request.headers.get('Host', '')}/{tenant}"
        if endpoint is None:
            return json_response(200, self._openid_configuration(base))
        if endpoint == "authorize":
            return self._authorize(request)
        if request.method != "POST":
            return error_response(error_body("invalid_request", "POST is required.", (900561,)))
        form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
        if endpoint == "devicecode":
            return self._device_code(form, request)
        return self._token(form)

    def _openid_configuration(self, base: str) -> dict[str, object]:
        return {
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "response_types_supported": ["code", "id_token", "code id_token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "grant_types_supported": [
                "authorization_code", "refresh_token", _DEVICE_GRANT,
            ],
            "code_challenge_methods_supported": ["S256"],
            "tenant_region_scope": "EU",
        }  # fmt: skip

    def _device_code(self, form: dict[str, str], request: Request) -> Response:
        client_id = form.get("client_id", "")
        if not client_id:
            return error_response(error_body(
                "invalid_request", "The request body must contain the following parameter: "
                "'client_id'.", (900144,),
            ))  # fmt: skip
        device = self.grants.new_device_code(client_id, short_scopes(form.get("scope", "")))
        uri = f"https://{request.headers.get('Host', '')}{DEVICE_LOGIN_PATH}"
        return json_response(200, {
            "user_code": device.user_code,
            "device_code": device.device_code,
            "verification_uri": uri,
            "expires_in": int(device.expires_at - time.time()),
            "interval": device.interval_s,
            "message": f"To sign in, use a web browser to open the page {uri} and enter the "
                       f"code {device.user_code} to authenticate.",
        })  # fmt: skip

    def _token(self, form: dict[str, str]) -> Response:
        grant_type = form.get("grant_type", "")
        client_id = form.get("client_id", "")
        if grant_type == _DEVICE_GRANT:
            return self._device_token(form, client_id)
        if grant_type == "refresh_token":
            outcome = self.grants.use_refresh(form.get("refresh_token", ""), client_id)
            if outcome.grant is None:
                return error_response(aadsts_body(outcome.refused_code or 70043))
            wanted = short_scopes(form.get("scope", "")) or outcome.grant.scopes
            return self._issue(outcome.grant.email, client_id, wanted)
        if grant_type == "authorization_code":
            return self._code_token(form, client_id)
        return error_response(error_body(
            "unsupported_grant_type", f"The grant type {grant_type!r} is not supported.",
            (70003,),
        ))  # fmt: skip

    def _device_token(self, form: dict[str, str], client_id: str) -> Response:
        device = self.grants.device(form.get("device_code", ""))
        if device is None or device.client_id != client_id:
            return error_response(error_body(
                "invalid_grant", "The provided value for the input parameter 'device_code' "
                "is not valid.", (70000,),
            ))  # fmt: skip
        since = self.grants.poll(device)
        if device.expires_at <= time.time() or device.state is DeviceState.REDEEMED:
            return error_response(aadsts_body(70019))
        if device.state is DeviceState.DECLINED:
            return error_response(
                error_body("authorization_declined", "The end user denied the request.")
            )
        if device.state is DeviceState.PENDING:
            if since < device.interval_s / 2:
                return error_response(error_body("slow_down", "Polling too fast.", (70016,)))
            return error_response(aadsts_body(70016))
        return self._issue_for_device(device, client_id)

    def _issue_for_device(self, device: DeviceCode, client_id: str) -> Response:
        self.grants.redeem(device)
        email = device.email or self.store.mailboxes[0].email
        return self._issue(email, client_id, device.scopes)

    def _code_token(self, form: dict[str, str], client_id: str) -> Response:
        code = self.grants.take_auth_code(form.get("code", ""))
        verifier = form.get("code_verifier", "")
        challenge = _b64(hashlib.sha256(verifier.encode()).digest())
        if (
            code is None
            or code.client_id != client_id
            or code.redirect_uri != form.get("redirect_uri")
            or code.code_challenge != challenge
        ):
            return error_response(error_body(
                "invalid_grant", "The provided authorization code or PKCE code verifier is "
                "invalid, expired or was issued to another client.", (70008,),
            ))  # fmt: skip
        return self._issue(code.email, client_id, code.scopes, nonce=code.nonce)

    def _authorize(self, request: Request) -> Response:
        query = {k: v[-1] for k, v in parse_qs(request.query).items()}
        redirect_uri = query.get("redirect_uri", "")
        host = urlsplit(redirect_uri).hostname or ""
        if urlsplit(redirect_uri).scheme != "http" or host not in ("localhost", "127.0.0.1"):
            return error_response(error_body(
                "invalid_request", "The redirect URI must be a loopback http address.", (50011,)
            ))  # fmt: skip
        if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256":
            pkce = "Proof Key for Code Exchange is required."
            return error_response(error_body("invalid_request", pkce, (9002325,)))
        hint = query.get("login_hint")
        mailbox = self.store.by_email(hint) if hint else self.store.mailboxes[0]
        if mailbox is None:
            return error_response(aadsts_body(50034))
        value = self.grants.new_auth_code(AuthCode(
            mailbox.email, query.get("client_id", ""), short_scopes(query.get("scope", "")),
            redirect_uri, query.get("code_challenge", ""), query.get("nonce", ""),
            time.time() + AUTH_CODE_LIFETIME_S,
        ))  # fmt: skip
        back = {"code": value, "state": query.get("state", "")}
        return Response(302, b"", "text/html", [("Location", f"{redirect_uri}?{urlencode(back)}")])

    def _issue(
        self, email: str, client_id: str, scopes: tuple[str, ...], nonce: str = ""
    ) -> Response:
        armed = self.grants.take_armed()
        if armed is not None:
            return error_response(aadsts_body(armed))
        mailbox = self.store.by_email(email)
        if mailbox is None:
            return error_response(aadsts_body(50034))
        lifetime = self.grants.access_lifetime_s
        access = self.tokens.issue_access(mailbox.email, scopes, lifetime_s=lifetime)
        oid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"mailto:{mailbox.email.lower()}"))
        now = int(time.time())
        claims = {
            "aud": client_id, "iss": f"https://sandbox/{self.tenant_id}/v2.0", "iat": now,
            "nbf": now, "exp": now + 3600, "name": mailbox.display_name, "oid": oid,
            "preferred_username": mailbox.email, "sub": oid, "tid": self.tenant_id, "ver": "2.0",
        }  # fmt: skip
        if nonce:
            claims["nonce"] = nonce
        header = _b64(json.dumps({"typ": "JWT", "alg": "none"}).encode())
        client_info = _b64(json.dumps({"uid": oid, "utid": self.tenant_id}).encode())
        return json_response(200, {
            "token_type": "Bearer",
            "scope": " ".join((*scopes, "openid", "profile", "email")),
            "expires_in": int(lifetime),
            "ext_expires_in": int(lifetime),
            "access_token": access,
            "refresh_token": self.grants.new_refresh(mailbox.email, client_id, scopes),
            "id_token": f"{header}.{_b64(json.dumps(claims).encode())}.",
            "client_info": client_info,
        })  # fmt: skip
