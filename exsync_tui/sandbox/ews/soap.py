"""SOAP envelopes, response messages and faults for EWS, written as strings for speed.

Responses are assembled from escaped text fragments instead of an element tree: `GetItem` for a
hundred MIME messages must cost well under a millisecond per item.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
MNS = "http://schemas.microsoft.com/exchange/services/2006/messages"
TNS = "http://schemas.microsoft.com/exchange/services/2006/types"
ENS = "http://schemas.microsoft.com/exchange/services/2006/errors"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# What an up-to-date Exchange Server 2019 reports; "V2017_07_11" is what such servers send.
SERVER_VERSION = {
    "MajorVersion": "15",
    "MinorVersion": "2",
    "MajorBuildNumber": "1544",
    "MinorBuildNumber": "4",
    "Version": "V2017_07_11",
}
SUPPORTED_REQUEST_VERSIONS = {
    "Exchange2007",
    "Exchange2007_SP1",
    "Exchange2010",
    "Exchange2010_SP1",
    "Exchange2010_SP2",
    "Exchange2013",
    "Exchange2013_SP1",
    "Exchange2015",
    "Exchange2016",
    "V2015_10_05",
    "V2016_01_06",
    "V2016_04_13",
    "V2016_07_13",
    "V2016_10_10",
    "V2017_01_07",
    "V2017_04_14",
    "V2017_07_11",
}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


class SoapFault(Exception):
    """A request the server rejects as a whole, answered with a SOAP fault and HTTP 500."""

    def __init__(self, code: str, message: str, back_off_ms: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.back_off_ms = back_off_ms


def t(name: str) -> str:
    """Clark name of an element in the types namespace."""
    return f"{{{TNS}}}{name}"


def m(name: str) -> str:
    """Clark name of an element in the messages namespace."""
    return f"{{{MNS}}}{name}"


def parse_envelope(body: bytes) -> tuple[etree._Element, etree._Element]:
    """The SOAP header (possibly empty) and the operation element of a request."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as error:
        raise SoapFault(
            "ErrorSchemaValidation", f"The request failed schema validation: {error}"
        ) from None
    if root.tag != f"{{{SOAP_NS}}}Envelope":
        raise SoapFault("ErrorSchemaValidation", "The request is not a SOAP envelope.")
    header = root.find(f"{{{SOAP_NS}}}Header")
    body_elem = root.find(f"{{{SOAP_NS}}}Body")
    if body_elem is None or len(body_elem) == 0:
        raise SoapFault("ErrorSchemaValidation", "The SOAP body is empty.")
    if header is None:
        header = etree.Element(f"{{{SOAP_NS}}}Header")
    return header, body_elem[0]


def check_request_version(header: etree._Element) -> None:
    """Reject a RequestServerVersion this server does not know, as Exchange does."""
    requested = header.find(t("RequestServerVersion"))
    if requested is None:
        return
    version = requested.get("Version")
    if version not in SUPPORTED_REQUEST_VERSIONS:
        raise SoapFault(
            "ErrorInvalidServerVersion",
            "The specified server version is invalid.",
        )


def text(value: object) -> str:
    """Escape a value for element text."""
    return escape(str(value))


def attr(value: object) -> str:
    """Escape and quote a value for an attribute."""
    return quoteattr(str(value))


def el(tag: str, value: object) -> str:
    """A leaf element with text content."""
    return f"<{tag}>{escape(str(value))}</{tag}>"


def ews_datetime(moment: dt.datetime) -> str:
    """A UTC timestamp as EWS writes it."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bool_text(value: bool) -> str:
    """xs:boolean."""
    return "true" if value else "false"


def server_version_header() -> str:
    """The ServerVersionInfo SOAP header every EWS response carries."""
    attrs = " ".join(f"{key}={attr(value)}" for key, value in SERVER_VERSION.items())
    return f'<h:ServerVersionInfo {attrs} xmlns:h="{TNS}" xmlns="{TNS}" xmlns:xsi="{XSI}"/>'


def envelope(operation: str, messages: Iterable[str]) -> bytes:
    """A complete EWS response: `<OperationResponse><ResponseMessages>...`."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<s:Envelope xmlns:s="{SOAP_NS}"><s:Header>{server_version_header()}</s:Header>',
        f'<s:Body xmlns:xsi="{XSI}"><m:{operation}Response xmlns:m="{MNS}" xmlns:t="{TNS}">',
        "<m:ResponseMessages>",
        *messages,
        f"</m:ResponseMessages></m:{operation}Response></s:Body></s:Envelope>",
    ]
    return "".join(parts).encode("utf-8")


def success(operation: str, content: str, response_class: str = "Success") -> str:
    """One successful response message."""
    return (
        f'<m:{operation}ResponseMessage ResponseClass="{response_class}">'
        f"<m:ResponseCode>NoError</m:ResponseCode>{content}</m:{operation}ResponseMessage>"
    )


def error(
    operation: str,
    code: str,
    message: str,
    required: str = "",
    message_xml: str = "",
    response_class: str = "Error",
) -> str:
    """One error response message; `required` holds the elements the schema still demands."""
    xml = f"<m:MessageXml>{message_xml}</m:MessageXml>" if message_xml else ""
    return (
        f'<m:{operation}ResponseMessage ResponseClass="{response_class}">'
        f"<m:MessageText>{text(message)}</m:MessageText><m:ResponseCode>{code}</m:ResponseCode>"
        f"<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>{xml}{required}"
        f"</m:{operation}ResponseMessage>"
    )


def fault(error_: SoapFault) -> bytes:
    """A SOAP fault response body (sent with HTTP 500)."""
    code = "a:" + error_.code
    message_xml = ""
    if error_.back_off_ms is not None:
        message_xml = (
            f'<t:MessageXml xmlns:t="{TNS}">'
            f'<t:Value Name="BackOffMilliseconds">{error_.back_off_ms}</t:Value></t:MessageXml>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<s:Envelope xmlns:s="{SOAP_NS}"><s:Header>{server_version_header()}</s:Header><s:Body>'
        f'<s:Fault><faultcode xmlns:a="{ENS}">{code}</faultcode>'
        f'<faultstring xml:lang="en-US">{text(error_.message)}</faultstring>'
        f'<detail><e:ResponseCode xmlns:e="{ENS}">{error_.code}</e:ResponseCode>'
        f'<e:Message xmlns:e="{ENS}">{text(error_.message)}</e:Message>{message_xml}</detail>'
        "</s:Fault></s:Body></s:Envelope>"
    ).encode()
