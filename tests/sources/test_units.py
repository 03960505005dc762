"""Pure parts of the source layer: batch planning, response parsing, settings from a profile."""

from __future__ import annotations

from dataclasses import replace

import pytest
from exchangelib import BASIC, NTLM
from lxml import etree

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.profiles import AuthType, MailboxMetadata, new_profile
from exsync_tui.core.sources import ChangeType, FetchProblem, ItemKind
from exsync_tui.core.sources.ews_parse import parse_item_change
from exsync_tui.core.sources.ews_settings import server_build, settings_from_profile
from exsync_tui.core.sources.fetching import plan_batches

_T = "http://schemas.microsoft.com/exchange/services/2006/types"


def test_batches_respect_the_count_the_byte_budget_and_refuse_known_large_items() -> None:
    sizes = {"a": 10, "b": 10, "c": 500, "d": 10, "e": 60, "f": 10}
    plan = plan_batches(
        ["a", "b", "c", "d", "e", "a", "f"],
        batch_size=2,
        max_bytes=100,
        sizes=sizes,
        batch_bytes=65,
    )
    assert plan.batches == (("a", "b"), ("d",), ("e",), ("f",))
    assert [(r.item_id, r.problem) for r in plan.refused] == [("c", FetchProblem.TOO_LARGE)]
    assert "500 bytes" in plan.refused[0].detail
    unknown = plan_batches(["x", "y", "z"], batch_size=2, max_bytes=1)
    assert unknown.batches == (("x", "y"), ("z",)) and unknown.refused == ()


def _change(xml: str) -> etree._Element:
    return etree.fromstring(f'<t:Root xmlns:t="{_T}">{xml}</t:Root>')[0]


def test_a_message_change_reads_flags_verbs_and_sizes() -> None:
    change = parse_item_change(
        _change(
            '<t:Update><t:Message><t:ItemId Id="m1" ChangeKey="k1"/><t:Size>2048</t:Size>'
            "<t:ExtendedProperty>"
            '<t:ExtendedFieldURI PropertyTag="4240" PropertyType="Integer"/><t:Value>2</t:Value>'
            "</t:ExtendedProperty><t:ExtendedProperty>"
            '<t:ExtendedFieldURI PropertyTag="0x1081" PropertyType="Integer"/>'
            "<t:Value>104</t:Value>"
            "</t:ExtendedProperty>"
            "<t:InternetMessageId>&lt;a@b&gt;</t:InternetMessageId><t:IsRead>true</t:IsRead>"
            "</t:Message></t:Update>"
        )
    )
    assert change.type is ChangeType.UPDATE and change.kind is ItemKind.MESSAGE
    assert (change.item_id, change.change_key, change.size) == ("m1", "k1", 2048)
    assert (change.flagged, change.answered, change.forwarded) == (True, False, True)
    assert (change.is_read, change.message_id) == (True, "<a@b>")


def test_read_flag_changes_deletes_and_meeting_requests_parse() -> None:
    read = parse_item_change(
        _change(
            '<t:ReadFlagChange><t:ItemId Id="r1" ChangeKey="k2"/>'
            "<t:IsRead>false</t:IsRead></t:ReadFlagChange>"
        )
    )
    assert (read.type, read.item_id, read.change_key, read.is_read) == (
        ChangeType.READ_FLAG,
        "r1",
        "k2",
        False,
    )
    gone = parse_item_change(_change('<t:Delete><t:ItemId Id="d1"/></t:Delete>'))
    assert (gone.type, gone.item_id, gone.kind) == (ChangeType.DELETE, "d1", None)
    meeting = parse_item_change(
        _change(
            '<t:Create><t:MeetingRequest><t:ItemId Id="q1" ChangeKey="k"/>'
            "<t:ExtendedProperty>"
            '<t:ExtendedFieldURI PropertyTag="0x1090" PropertyType="Integer"/><t:Value>1</t:Value>'
            "</t:ExtendedProperty></t:MeetingRequest></t:Create>"
        )
    )
    assert meeting.kind is ItemKind.MESSAGE and meeting.flagged is False
    assert meeting.is_read is None and meeting.size is None


def test_server_build_comes_from_the_saved_version_text() -> None:
    assert server_build("Microsoft Exchange Server 2016 (15.1.2507.6)") == "15.1.2507.6"
    assert server_build("Exchange2019") is None
    assert server_build(None) is None


def test_settings_come_from_what_connecting_saved_and_name_what_is_missing() -> None:
    learned = MailboxMetadata(
        primary_smtp_address="Alice@Example.com",
        ews_url="https://mail.example.com/EWS/Exchange.asmx",
        server_version="Exchange 2016 (15.1.2507.6)",
        auth_type="ntlm",
    )
    profile = new_profile("work", "alice@example.com", username="EXAMPLE\\alice")
    settings = settings_from_profile(replace(profile, metadata=learned), "secret")
    assert (settings.email, settings.host, settings.auth_type) == (
        "Alice@Example.com",
        "mail.example.com",
        NTLM,
    )
    assert (settings.username, settings.server_build) == ("EXAMPLE\\alice", "15.1.2507.6")
    assert "secret" not in repr(settings)
    forced = replace(profile, metadata=learned, auth=AuthType.BASIC)
    assert settings_from_profile(forced, "secret").auth_type == BASIC

    with pytest.raises(TopicError) as unknown_url:
        settings_from_profile(profile, "secret")
    assert unknown_url.value.topic_id == "settings-invalid"
    assert unknown_url.value.facts["field"] == "ews_url"
    no_auth = replace(profile, metadata=replace(learned, auth_type=None))
    with pytest.raises(TopicError) as unknown_auth:
        settings_from_profile(no_auth, "secret")
    assert unknown_auth.value.facts["field"] == "auth"
    with pytest.raises(TopicError) as too_many:
        settings_from_profile(replace(profile, metadata=learned), "secret", max_connections=99)
    assert too_many.value.facts["field"] == "max_connections"
