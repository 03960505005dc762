"""Autodiscover: the SOAP `GetUserSettings` service and the unauthenticated HTTP redirect.

Settings and error codes follow [MS-OXWSADISC]: unknown mailboxes get `InvalidUser`, a mailbox
with a redirect set gets `RedirectAddress` or `RedirectUrl`, unknown setting names are reported
per setting with `InvalidSetting`.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape

from exsync_tui.sandbox.ews.soap import SERVER_VERSION, SOAP_NS, SoapFault, parse_envelope
from exsync_tui.sandbox.model import Mailbox
from exsync_tui.sandbox.store import MailboxStore

ANS = "http://schemas.microsoft.com/exchange/2010/Autodiscover"
WSA = "http://www.w3.org/2005/08/addressing"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
EWS_SUPPORTED_SCHEMAS = (
    "Exchange2007, Exchange2007_SP1, Exchange2010, Exchange2010_SP1, Exchange2010_SP2, "
    "Exchange2013, Exchange2013_SP1, Exchange2015, Exchange2016"
)


def _settings(mailbox: Mailbox, domain: str, ews_url: str) -> dict[str, str]:
    org = domain.split(".")[0]
    admin_group = f"/o={org}/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)"
    local = mailbox.email.split("@")[0]
    build = ".".join(
        SERVER_VERSION[k]
        for k in ("MajorVersion", "MinorVersion", "MajorBuildNumber", "MinorBuildNumber")
    )
    return {
        "UserDisplayName": mailbox.display_name,
        "UserDN": f"{admin_group}/cn=Recipients/cn={local}",
        "UserDeploymentId": "3f4b3c2e-6b0e-4c47-9c1e-5a1a2b3c4d5e",
        "InternalMailboxServer": f"mail.{domain}",
        "InternalRpcClientServer": f"mail.{domain}",
        "MailboxDN": (
            f"{admin_group}/cn=Configuration/cn=Servers/cn=mail/cn=Microsoft Private MDB"
        ),
        "ActiveDirectoryServer": f"dc1.{domain}",
        "CasVersion": build,
        "EwsSupportedSchemas": EWS_SUPPORTED_SCHEMAS,
        "InternalEwsUrl": ews_url,
        "ExternalEwsUrl": ews_url,
        "InternalEcpUrl": f"https://mail.{domain}/ecp/",
        "ExternalEcpUrl": f"https://mail.{domain}/ecp/",
        "InternalOABUrl": f"https://mail.{domain}/OAB/",
        "ExternalOABUrl": f"https://mail.{domain}/OAB/",
        "ExternalMailboxServer": f"mail.{domain}",
        "ExternalMailboxServerRequiresSSL": "true",
        "ExternalMailboxServerAuthenticationMethods": "Basic, Ntlm, Negotiate",
        "AutoDiscoverSMTPAddress": mailbox.email,
        "MapiHttpEnabled": "true",
        "GroupingInformation": "Default-First-Site-Name",
        "CrossOrganizationSharingEnabled": "false",
        "ShowGalAsDefaultView": "true",
    }


# Real settings this server does not have (reported per setting as SettingIsNotAvailable).
_UNAVAILABLE = frozenset(
    {
        "InternalMailboxServerDN",
        "InternalEcpVoicemailUrl",
        "InternalUMUrl",
        "InternalWebClientUrls",
        "ExternalWebClientUrls",
        "PublicFolderServer",
        "ExternalUMUrl",
        "AlternateMailboxes",
        "InternalPop3Connections",
        "ExternalPop3Connections",
        "InternalImap4Connections",
        "ExternalImap4Connections",
        "InternalSmtpConnections",
        "ExternalSmtpConnections",
        "ExchangeRpcUrl",
        "InteropExternalEwsUrl",
        "ExternalEwsVersion",
        "InteropExternalEwsVersion",
        "MobileMailboxPolicyInterop",
        "UserMSOnline",
        "InternalServerExclusiveConnect",
        "ExternalServerExclusiveConnect",
    }
)


def _user_response(
    store: MailboxStore, address: str, requested: list[str], ews_url: Callable[[Mailbox], str]
) -> str:
    mailbox = store.by_email(address)
    if mailbox is None:
        return _user_error("InvalidUser", f"Invalid user: '{address}'")
    if mailbox.redirect_address:
        return _user_error("RedirectAddress", "Redirection address.", mailbox.redirect_address)
    if mailbox.redirect_url:
        return _user_error("RedirectUrl", "Redirection URL.", mailbox.redirect_url)
    values = _settings(mailbox, store.domain, ews_url(mailbox))
    settings, errors = [], []
    for name in requested:
        if name in values:
            settings.append(
                f'<UserSetting i:type="StringSetting"><Name>{name}</Name>'
                f"<Value>{escape(values[name])}</Value></UserSetting>"
            )
        else:
            code = "SettingIsNotAvailable" if name in _UNAVAILABLE else "InvalidSetting"
            errors.append(
                f"<UserSettingError><ErrorCode>{code}</ErrorCode>"
                f"<ErrorMessage>{code}</ErrorMessage><SettingName>{escape(name)}</SettingName>"
                "</UserSettingError>"
            )
    return (
        "<UserResponse><ErrorCode>NoError</ErrorCode><ErrorMessage>No error.</ErrorMessage>"
        f'<RedirectTarget i:nil="true"/><UserSettingErrors>{"".join(errors)}</UserSettingErrors>'
        f"<UserSettings>{''.join(settings)}</UserSettings></UserResponse>"
    )


def _user_error(code: str, message: str, target: str | None = None) -> str:
    redirect = (
        f"<RedirectTarget>{escape(target)}</RedirectTarget>"
        if target
        else ('<RedirectTarget i:nil="true"/>')
    )
    return (
        f"<UserResponse><ErrorCode>{code}</ErrorCode><ErrorMessage>{escape(message)}</ErrorMessage>"
        f"{redirect}<UserSettingErrors/><UserSettings/></UserResponse>"
    )


def _version_header() -> str:
    fields = "".join(
        f"<h:{key}>{value}</h:{key}>"
        for key, value in (
            ("MajorVersion", SERVER_VERSION["MajorVersion"]),
            ("MinorVersion", SERVER_VERSION["MinorVersion"]),
            ("MajorBuildNumber", SERVER_VERSION["MajorBuildNumber"]),
            ("MinorBuildNumber", SERVER_VERSION["MinorBuildNumber"]),
            ("Version", "Exchange2015"),
        )
    )
    return f'<h:ServerVersionInfo xmlns:h="{ANS}" xmlns:i="{XSI}">{fields}</h:ServerVersionInfo>'


def get_user_settings(store: MailboxStore, body: bytes, ews_url: Callable[[Mailbox], str]) -> bytes:
    """Answer a GetUserSettings SOAP request."""
    _, operation = parse_envelope(body)
    if operation.tag != f"{{{ANS}}}GetUserSettingsRequestMessage":
        raise SoapFault("ErrorInvalidRequest", "Only GetUserSettings is supported.")
    request = operation.find(f"{{{ANS}}}Request")
    if request is None:
        raise SoapFault("ErrorInvalidRequest", "The request is missing.")
    addresses = [
        (user.findtext(f"{{{ANS}}}Mailbox") or "").strip()
        for user in request.iterfind(f"{{{ANS}}}Users/{{{ANS}}}User")
    ]
    requested = [
        (s.text or "").strip()
        for s in request.iterfind(f"{{{ANS}}}RequestedSettings/{{{ANS}}}Setting")
    ]
    with store.lock:
        responses = "".join(_user_response(store, a, requested, ews_url) for a in addresses)
    action = f"{ANS}/Autodiscover/GetUserSettingsResponse"
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<s:Envelope xmlns:s="{SOAP_NS}" xmlns:a="{WSA}"><s:Header>'
        f'<a:Action s:mustUnderstand="1">{action}</a:Action>{_version_header()}</s:Header>'
        f'<s:Body><GetUserSettingsResponseMessage xmlns="{ANS}"><Response xmlns:i="{XSI}">'
        "<ErrorCode>NoError</ErrorCode><ErrorMessage/>"
        f"<UserResponses>{responses}</UserResponses></Response></GetUserSettingsResponseMessage>"
        "</s:Body></s:Envelope>"
    ).encode()


def redirect_location(path: str, host: str, scheme: str = "https") -> str | None:
    """Where the unauthenticated HTTP endpoint redirects a GET for `path` (lower-cased)."""
    if path in ("/autodiscover/autodiscover.xml", "/autodiscover/autodiscover.svc"):
        name = path.rsplit("/", 1)[1]
        return f"{scheme}://{host}/autodiscover/{name}"
    return None
