"""Why a send failed, and whether waiting could help: sendmail's exit codes decided once.

A failure that may pass by itself (the server down or busy, the network gone,
an answer that never came) means *queue it*: the message may even have gone
out, which is checked before it is sent again. Anything the server or the
profile will say again (a wrong password, an untrusted certificate, a refused
recipient or message) means *give it back* to the caller with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from exchangelib.errors import (
    ErrorInvalidRecipients,
    ErrorMessageSizeExceeded,
    ErrorMimeContentConversionFailed,
    ErrorSendAsDenied,
)

from exsync_tui.core.diagnose.classify import classify, exception_chain
from exsync_tui.core.sources.graph_http import GraphStatusError

# sysexits.h, as sendmail uses them
EX_OK = 0
EX_USAGE = 64
EX_DATAERR = 65
EX_NOUSER = 67
EX_UNAVAILABLE = 69
EX_SOFTWARE = 70
EX_TEMPFAIL = 75
EX_NOPERM = 77
EX_CONFIG = 78

_SIGN_IN = {
    "credentials-rejected", "username-format", "account-locked", "password-expired",
    "modern-auth-required", "auth-unsupported", "access-denied",
}  # fmt: skip
_CONFIG = {"settings-invalid", "keyring-unavailable", "office365-signin-pending"}
_REFUSED = {
    "tls-untrusted", "tls-name-mismatch", "tls-pin-mismatch", "tls-expired", "tls-intercepted",
    "redirect-declined", "ews-disabled", "mailbox-not-found", "response-rejected",
}  # fmt: skip
_MESSAGE_ERRORS: dict[type[Exception], tuple[str, int]] = {
    ErrorInvalidRecipients: ("a recipient was refused", EX_NOUSER),
    ErrorMessageSizeExceeded: ("the message is larger than the server allows", EX_DATAERR),
    ErrorMimeContentConversionFailed: ("the server could not read the message", EX_DATAERR),
    ErrorSendAsDenied: ("this mailbox may not send as the From address", EX_NOPERM),
}


_GRAPH_REFUSALS: dict[int, tuple[str, int]] = {
    400: ("Microsoft Graph refused the message", EX_DATAERR),
    403: ("this mailbox may not send this message", EX_NOPERM),
    413: ("the message is larger than the server allows", EX_DATAERR),
}


@dataclass(frozen=True)
class Failure:
    """One failed attempt: help topic, detail, sendmail exit code, and whether to queue."""

    topic: str
    detail: str
    exit_code: int
    temporary: bool

    @property
    def about_message(self) -> bool:
        """The server refused this message itself (others in a queue may still go)."""
        return not self.temporary and self.exit_code in (EX_NOUSER, EX_DATAERR)


def failure_of(error: BaseException) -> Failure:
    """The :class:`Failure` for an exception raised while sending (see the module docstring)."""
    for link in exception_chain(error):
        for kind, (what, code) in _MESSAGE_ERRORS.items():
            if isinstance(link, kind):
                return Failure("message-refused", f"{what}: {link}", code, temporary=False)
        refused = _graph_refusal(link)
        if refused is not None:
            return refused
    found = classify(error)
    topic, detail = found.topic_id, found.detail
    if topic in _SIGN_IN:
        return Failure(topic, detail, EX_NOPERM, temporary=False)
    if topic in _CONFIG:
        return Failure(topic, detail, EX_CONFIG, temporary=False)
    if topic in _REFUSED:
        return Failure(topic, detail, EX_UNAVAILABLE, temporary=False)
    return Failure(topic, detail, EX_TEMPFAIL, temporary=True)


def _graph_refusal(error: BaseException) -> Failure | None:
    """A Graph error answer about the message itself (what ``sendMail`` says again if asked)."""
    if not isinstance(error, GraphStatusError) or error.status not in _GRAPH_REFUSALS:
        return None
    what, code = _GRAPH_REFUSALS[error.status]
    if error.code == "ErrorInvalidRecipients":
        what, code = "a recipient was refused", EX_NOUSER
    return Failure("message-refused", f"{what}: {error.detail}", code, temporary=False)
