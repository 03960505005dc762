"""Sending through Microsoft Graph, and asking whether a message went out already.

:class:`GraphSender` is the Graph source with two more requests, so it talks through
the same client, token provider, credential grant, retry budget and cancel as a sync:

- ``POST /me/sendMail`` with the message as base64 MIME (``Content-Type: text/plain``);
  Graph saves the copy in Sent Items. Graph takes the recipients of a MIME message
  from its header, so the envelope recipients that are not in To or Cc go in a Bcc
  field added here (Exchange delivers to them and strips it from what it transmits;
  the copy in Sent Items lists them, as Outlook's own copies do). A 5xx or a broken
  connection is not repeated (the mail may have gone): the queue checks first.
- ``messages?$filter=internetMessageId eq '...'`` in Sent Items and the Outbox, both in
  one ``$batch``: a sent message waits in the Outbox until transport has it.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from exsync_tui.core.send.headers import RawMessage
from exsync_tui.core.sources.graph import GraphSource
from exsync_tui.core.sources.graph_batch import SubRequest, run_batch
from exsync_tui.core.sources.graph_http import GraphStatusError
from exsync_tui.core.sources.graph_push import PREFER

if TYPE_CHECKING:
    from exsync_tui.core.profiles import Profile
    from exsync_tui.core.send.deliver import Sender

_HEADERS = {"Prefer": PREFER}
_LOOKED_IN = ("sentitems", "outbox")


def with_bcc(mime: bytes, bcc: Sequence[str]) -> bytes:
    """``mime`` with a Bcc field naming ``bcc`` (unchanged when there is none)."""
    if not bcc:
        return mime
    message = RawMessage.parse(mime)
    folded = ("," + message.line_end.decode() + " ").join(bcc)
    return message.without("Bcc").with_field("Bcc", folded).to_bytes()


def message_id_filter(message_id: str) -> str:
    """The OData filter for one internet message id (quotes doubled, as OData escapes them)."""
    return "internetMessageId eq '" + message_id.replace("'", "''") + "'"


class GraphSender(GraphSource):
    """One Microsoft 365 mailbox, for sending (see the module docstring)."""

    def already_sent(self, message_id: str) -> bool:
        """Whether a message with this Message-ID is in Sent Items or the Outbox."""
        query = urlencode({"$filter": message_id_filter(message_id), "$select": "id"})
        requests = [
            SubRequest("GET", f"/me/mailFolders/{name}/messages?{query}", None, _HEADERS)
            for name in _LOOKED_IN
        ]
        answers = self._call(lambda: run_batch(self._client, requests, _HEADERS))
        for answer in answers:
            if answer.status != 200:
                raise GraphStatusError(answer.status, answer.error_code, answer.detail)
        return any(answer.body.get("value") for answer in answers)

    def send(self, mime: bytes, bcc: Sequence[str]) -> None:
        """Send ``mime`` to its To and Cc and to ``bcc``, keeping a copy in Sent Items."""
        data = base64.b64encode(with_bcc(mime, bcc))
        url = self._client.url("me/sendMail")
        headers = {"Content-Type": "text/plain"}
        self._call(
            lambda: self._client.request("POST", url, data=data, headers=headers, idempotent=False)
        )


def graph_sender_factory(
    tokens: Callable[[], str], graph_url: str, **settings: object
) -> Callable[[Profile, str, threading.Event], Sender]:
    """A :data:`~exsync_tui.core.send.deliver.SenderFactory` for Microsoft 365 profiles:
    ``tokens`` hands out bearer tokens (the password argument is not used)."""

    def build(profile: Profile, _password: str, cancel: threading.Event) -> Sender:
        from exsync_tui.core.send.deliver import SEND_BUDGET_S
        from exsync_tui.core.sources.graph_settings import graph_settings_from_profile

        base: dict[str, object] = {"max_connections": 1, "budget_s": SEND_BUDGET_S}
        found = graph_settings_from_profile(profile, graph_url, **{**base, **settings})
        return GraphSender(found, tokens, cancel=cancel)

    return build
