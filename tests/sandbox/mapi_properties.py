"""MAPI properties as exchangelib ExtendedProperty classes, and a fixture registering them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from exchangelib import ExtendedProperty, Message


class ImapUid(ExtendedProperty):
    """PR_INTERNET_ARTICLE_NUMBER."""

    property_tag = 0x0E23
    property_type = "Integer"


class MessageSize(ExtendedProperty):
    """PR_MESSAGE_SIZE."""

    property_tag = 0x0E08
    property_type = "Integer"


class MessageFlags(ExtendedProperty):
    """PR_MESSAGE_FLAGS."""

    property_tag = 0x0E07
    property_type = "Integer"


class FlagStatus(ExtendedProperty):
    """PR_FLAG_STATUS."""

    property_tag = 0x1090
    property_type = "Integer"


class LastVerb(ExtendedProperty):
    """PR_LAST_VERB_EXECUTED."""

    property_tag = 0x1081
    property_type = "Integer"


class DeliveryTime(ExtendedProperty):
    """PR_MESSAGE_DELIVERY_TIME."""

    property_tag = 0x0E06
    property_type = "SystemTime"


class LastModified(ExtendedProperty):
    """PR_LAST_MODIFICATION_TIME."""

    property_tag = 0x3008
    property_type = "SystemTime"


class ImapDeleted(ExtendedProperty):
    """PidLidImapDeleted, by property set and id."""

    distinguished_property_set_id = "Common"
    property_id = 0x8570
    property_type = "Integer"


class Keywords(ExtendedProperty):
    """The categories, by property set and name."""

    distinguished_property_set_id = "PublicStrings"
    property_name = "Keywords"
    property_type = "StringArray"


PROPERTIES: dict[str, type[ExtendedProperty]] = {
    "imap_uid": ImapUid,
    "mapi_size": MessageSize,
    "mapi_flags": MessageFlags,
    "flag_status": FlagStatus,
    "last_verb": LastVerb,
    "delivery_time": DeliveryTime,
    "last_modified": LastModified,
    "imap_deleted": ImapDeleted,
    "keywords": Keywords,
}


@pytest.fixture
def registered() -> Iterator[None]:
    """The properties above as fields of exchangelib's Message, for one test."""
    for name, cls in PROPERTIES.items():
        Message.register(name, cls)
    yield
    for name in PROPERTIES:
        Message.deregister(name)
