"""What a failure looked like to the libraries, for the report's technical section.

Step details speak plain words ("the server's answer is not an EWS answer");
the raw text (exception types, library messages, the start of an HTML page a
proxy sent) is what an administrator or support needs, so it is kept here,
redacted and clipped, never shown as a step's detail.
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree.ElementTree import ParseError as StdlibParseError

from exchangelib import errors as ews_errors
from lxml.etree import ParseError as LxmlParseError

from exsync_tui.core.redaction import redact

MAX_LINK_CHARS = 1500
MAX_TECHNICAL_CHARS = 6000

# Library errors that mean "the answer could not be read as Exchange's": HTML from a proxy,
# a cut-off body, XML that is not SOAP.
_UNREADABLE_ANSWERS = (ews_errors.TransportError, LxmlParseError, StdlibParseError)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def technical_text(error: BaseException | None) -> str:
    """``error`` and what it wraps, one ``Type: message`` line each, redacted and clipped."""
    if error is None:
        return ""
    from exsync_tui.core.diagnose.classify import exception_chain  # classify imports this module

    lines: list[str] = []
    for link in exception_chain(error):
        name = f"{type(link).__module__}.{type(link).__qualname__}".removeprefix("builtins.")
        line = _clip(f"{name}: {link}".replace("\r", " ").replace("\n", " "), MAX_LINK_CHARS)
        if line not in lines:
            lines.append(line)
    return redact(_clip("\n".join(lines), MAX_TECHNICAL_CHARS))


def plain_unexpected(chain: Iterable[BaseException]) -> str:
    """Plain words for a failure no help topic explains (the raw text goes to the report)."""
    if any(
        isinstance(link, _UNREADABLE_ANSWERS)
        # an error message the server sent is an answer, just not one exsync knows
        and not isinstance(link, ews_errors.ResponseMessageError)
        for link in chain
    ):
        return (
            "the server's answer is not a valid Exchange (EWS) answer; the report's "
            "technical section shows what came back"
        )
    return "something unexpected went wrong; the report's technical section has the details"
