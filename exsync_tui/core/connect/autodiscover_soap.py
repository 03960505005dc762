"""The SOAP GetUserSettings exchange of Autodiscover: the request body and reading the answer.

Only the settings exsync uses are requested. The answer is parsed by local
element names so that the namespace prefixes servers choose do not matter,
with defusedxml because the document comes from the network: any DTD is
refused (the adapter already refuses one before it gets here; this is the
second lock), and is reported as a bad answer, never an unexpected error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

AUTODISCOVER_PATH = "/autodiscover/autodiscover.svc"
ACTION = "http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettings"
REQUESTED_SETTINGS = (
    "AutoDiscoverSMTPAddress",
    "UserDisplayName",
    "ExternalEwsUrl",
    "InternalEwsUrl",
    "CasVersion",
    "EwsSupportedSchemas",
)
HEADERS = {"Content-Type": "text/xml; charset=utf-8", "Accept": "text/xml"}


def build_request(email: str, url: str) -> bytes:
    """The GetUserSettings SOAP envelope asking about ``email``, addressed to ``url``."""
    settings = "".join(f"<a:Setting>{name}</a:Setting>" for name in REQUESTED_SETTINGS)
    envelope = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:a="http://schemas.microsoft.com/exchange/2010/Autodiscover" '
        'xmlns:wsa="http://www.w3.org/2005/08/addressing" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<s:Header>"
        "<a:RequestedServerVersion>Exchange2013</a:RequestedServerVersion>"
        f"<wsa:Action>{ACTION}</wsa:Action>"
        f"<wsa:To>{escape(url)}</wsa:To>"
        "</s:Header>"
        "<s:Body><a:GetUserSettingsRequestMessage><a:Request>"
        f"<a:Users><a:User><a:Mailbox>{escape(email)}</a:Mailbox></a:User></a:Users>"
        f"<a:RequestedSettings>{settings}</a:RequestedSettings>"
        "</a:Request></a:GetUserSettingsRequestMessage></s:Body></s:Envelope>"
    )
    return envelope.encode("utf-8")


class AutodiscoverResponseError(ValueError):
    """The answer was not a GetUserSettings response."""


class UnsafeAnswerError(AutodiscoverResponseError):
    """The answer declares a DTD or entities, which no Exchange server sends."""


@dataclass(frozen=True)
class UserSettingsResponse:
    """What one GetUserSettings answer said about the user.

    ``error_code`` is ``NoError``, ``RedirectAddress`` (``redirect_target`` is
    an email address), ``RedirectUrl`` (a URL) or an error such as
    ``InvalidUser``.
    """

    error_code: str
    error_message: str = ""
    redirect_target: str | None = None
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def ews_url(self) -> str | None:
        """The external EWS URL, else the internal one."""
        return self.settings.get("ExternalEwsUrl") or self.settings.get("InternalEwsUrl")

    @property
    def smtp_address(self) -> str | None:
        """The mailbox's primary SMTP address, when the server says."""
        return self.settings.get("AutoDiscoverSMTPAddress")

    @property
    def server_version(self) -> str | None:
        """The CAS version (e.g. ``15.1.2507.0``) or the newest EWS schema offered."""
        if self.settings.get("CasVersion"):
            return self.settings["CasVersion"]
        schemas = [s.strip() for s in self.settings.get("EwsSupportedSchemas", "").split(",")]
        schemas = [s for s in schemas if s]
        return max(schemas) if schemas else None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element, name: str) -> Element | None:
    return next((child for child in element if _local(child.tag) == name), None)


def _text(element: Element | None, name: str) -> str:
    if element is None:
        return ""
    child = _child(element, name)
    return (child.text or "").strip() if child is not None else ""


def _find(element: Element, name: str) -> Element | None:
    return next((node for node in element.iter() if _local(node.tag) == name), None)


def parse_response(body: bytes) -> UserSettingsResponse:
    """Read a GetUserSettings answer (the first user's response)."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except SafeET.ParseError as error:
        raise AutodiscoverResponseError(f"not XML: {error}") from error
    except DefusedXmlException as error:
        raise UnsafeAnswerError(
            f"the answer declares a DTD or entities, which exsync refuses ({error})"
        ) from error
    fault = _find(root, "Fault")
    if fault is not None:
        raise AutodiscoverResponseError(f"SOAP fault: {_text(fault, 'faultstring')}")
    response = _find(root, "Response")
    if response is None:
        raise AutodiscoverResponseError("no GetUserSettings response in the answer")
    outer_code = _text(response, "ErrorCode") or "NoError"
    user = _find(response, "UserResponse")
    if outer_code != "NoError" or user is None:
        return UserSettingsResponse(outer_code, _text(response, "ErrorMessage"))
    settings: dict[str, str] = {}
    settings_element = _child(user, "UserSettings")
    for setting in settings_element if settings_element is not None else ():
        name = _text(setting, "Name")
        if name:
            settings[name] = _text(setting, "Value")
    target = _text(user, "RedirectTarget") or None
    return UserSettingsResponse(
        error_code=_text(user, "ErrorCode") or "NoError",
        error_message=_text(user, "ErrorMessage"),
        redirect_target=target,
        settings=settings,
    )
