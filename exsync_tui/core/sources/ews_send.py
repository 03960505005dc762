"""Sending through the mailbox over EWS, and asking whether a message went out already.

:class:`EwsSender` is the sync source with two more requests, so it talks through
the same account, adapter, credential grant, retry budget and cancel as a sync:

- ``CreateItem`` with the message's ``MimeContent`` and ``SendAndSaveCopy`` (the
  copy lands in Sent Items), plus ``BccRecipients`` for the envelope recipients
  that are not in To or Cc, as Thunderbird's EWS client does;
- ``FindItem`` in Sent Items and the Outbox with a restriction on the
  internet message id: on Exchange a sent message waits in the Outbox until
  transport has it, and then moves to Sent Items.

The folders are named by distinguished id, so neither request needs a folder
lookup first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from exchangelib import Message
from exchangelib.items import ID_ONLY, SEND_AND_SAVE_COPY, SEND_TO_NONE
from exchangelib.properties import DistinguishedFolderId, Mailbox
from exchangelib.services import CreateItem, FindItem
from exchangelib.util import create_element

from exsync_tui.core.sources.ews import EwsSource


class _SendCreateItem(CreateItem):  # type: ignore[misc]
    """CreateItem into a distinguished folder (exchangelib wants a folder object for it)."""

    def send(self, message: Message, saved_in: DistinguishedFolderId) -> list[Any]:
        return list(
            self._elems_to_objs(
                self._chunked_get_elements(
                    self.get_payload,
                    items=[message],
                    folder=saved_in,
                    message_disposition=SEND_AND_SAVE_COPY,
                    send_meeting_invitations=SEND_TO_NONE,
                )
            )
        )


class _MessageIdIs:
    """A FindItem restriction: the internet message id equals ``message_id``."""

    def __init__(self, message_id: str) -> None:
        self.message_id = message_id

    def to_xml(self, version: Any) -> Any:
        restriction = create_element("m:Restriction")
        equal = create_element("t:IsEqualTo")
        equal.append(create_element("t:FieldURI", attrs={"FieldURI": "message:InternetMessageId"}))
        constant = create_element("t:FieldURIOrConstant")
        constant.append(create_element("t:Constant", attrs={"Value": self.message_id}))
        equal.append(constant)
        restriction.append(equal)
        return restriction


def _raise_errors(results: Sequence[Any]) -> list[Any]:
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return list(results)


class EwsSender(EwsSource):
    """One mailbox over EWS, for sending (see the module docstring)."""

    def _folder(self, distinguished: str) -> DistinguishedFolderId:
        mailbox = Mailbox(email_address=self.settings.email)
        return DistinguishedFolderId(id=distinguished, mailbox=mailbox)

    def already_sent(self, message_id: str) -> bool:
        """Whether a message with this Message-ID is in Sent Items or the Outbox."""

        def find() -> bool:
            service = FindItem(account=self._account, page_size=10)
            found = service.call(
                folders=[self._folder("sentitems"), self._folder("outbox")],
                additional_fields=None,
                restriction=_MessageIdIs(message_id),
                order_fields=None,
                shape=ID_ONLY,
                query_string=None,
                depth="Shallow",
                calendar_view=None,
                max_items=10,
                offset=0,
            )
            return bool(_raise_errors(list(found)))

        return self._call(find)

    def send(self, mime: bytes, bcc: Sequence[str]) -> None:
        """Send ``mime`` to its To and Cc and to ``bcc``, keeping a copy in Sent Items."""

        def create() -> None:
            message = Message(
                account=self._account,
                mime_content=mime,
                bcc_recipients=[Mailbox(email_address=a) for a in bcc] or None,
            )
            service = _SendCreateItem(account=self._account)
            _raise_errors(service.send(message, self._folder("sentitems")))

        self._call(create)
