"""Pure functions: naming MAPI properties, echoing them, typed values; the shared evaluator."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from exsync_tui.sandbox.ews.context import EwsError
from exsync_tui.sandbox.ews.extended import parse_extended, parse_value, render_extended
from exsync_tui.sandbox.ews.fields import item_field
from exsync_tui.sandbox.ews.restrictions import compile_restriction
from exsync_tui.sandbox.model import MessageItem

_NS = 'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"'


def _wrap(text: str) -> etree._Element:
    """Parse `text` (one element and its children, `t:` prefixed) with the types namespace."""
    head, _, rest = text.partition(">")
    closing = "/" if head.endswith("/") else ""
    return etree.fromstring(f"{head.rstrip('/')} {_NS}{closing}>{rest}")


@pytest.mark.parametrize(
    ("uri", "key", "echo"),
    [
        ('PropertyTag="0x0E23"', "tag:e23", 'PropertyTag="0xe23"'),
        ('PropertyTag="3619"', "tag:e23", 'PropertyTag="0xe23"'),
        (
            'DistinguishedPropertySetId="Common" PropertyId="0x8570"',
            "id:Common:34160",
            'DistinguishedPropertySetId="Common" PropertyId="34160"',
        ),
        (
            'PropertySetId="{00062008-0000-0000-C000-000000000046}" PropertyId="34160"',
            "id:Common:34160",
            'PropertySetId="{00062008-0000-0000-C000-000000000046}" PropertyId="34160"',
        ),
        (
            'DistinguishedPropertySetId="InternetHeaders" PropertyName="Content-Class"',
            "name:InternetHeaders:content-class",
            'DistinguishedPropertySetId="InternetHeaders" PropertyName="Content-Class"',
        ),
    ],
)
def test_every_way_of_naming_a_property_has_one_key_and_the_echo_clients_match(
    uri: str, key: str, echo: str
) -> None:
    path = parse_extended(_wrap(f'<t:ExtendedFieldURI {uri} PropertyType="Integer"/>'))
    assert path.key == key
    assert path.echo == f'<t:ExtendedFieldURI {echo} PropertyType="Integer"/>'


@pytest.mark.parametrize(
    "uri",
    [
        'PropertyTag="0x0E23"',
        'PropertyTag="zz" PropertyType="Integer"',
        'PropertyId="5" PropertyType="Integer"',
    ],
)
def test_incomplete_or_malformed_names_are_refused(uri: str) -> None:
    with pytest.raises(EwsError):
        parse_extended(_wrap(f"<t:ExtendedFieldURI {uri}/>"))


def test_values_are_typed_and_rendered_as_exchange_writes_them() -> None:
    keywords = parse_extended(
        _wrap(
            '<t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" '
            'PropertyName="Keywords" PropertyType="StringArray"/>'
        )
    )
    sent = _wrap(
        "<t:ExtendedProperty><t:Values><t:Value>a &amp; b</t:Value><t:Value>c</t:Value>"
        "</t:Values></t:ExtendedProperty>"
    )
    assert parse_value(keywords, sent) == ["a & b", "c"]
    assert "<t:Values><t:Value>a &amp; b</t:Value><t:Value>c</t:Value></t:Values>" in (
        render_extended(keywords, ["a & b", "c"])
    )
    assert render_extended(keywords, []) == "" and render_extended(keywords, None) == ""
    when = parse_extended(
        _wrap('<t:ExtendedFieldURI PropertyTag="0x3008" PropertyType="SystemTime"/>')
    )
    moment = dt.datetime(2026, 11, 2, 9, 30, 1, 123000, tzinfo=dt.UTC)
    assert "<t:Value>2026-11-02T09:30:01Z</t:Value>" in render_extended(when, moment)
    number = parse_extended(
        _wrap('<t:ExtendedFieldURI PropertyTag="0x1090" PropertyType="Integer"/>')
    )
    with pytest.raises(EwsError):
        parse_value(
            number, _wrap("<t:ExtendedProperty><t:Value>two</t:Value></t:ExtendedProperty>")
        )


def _message(**fields: object) -> MessageItem:
    base = MessageItem(
        id="x",
        serial=1,
        folder_id="f",
        subject="Quarterly report",
        created_seq=1,
        changed_seq=1,
        read_seq=1,
    )
    for name, value in fields.items():
        setattr(base, name, value)
    return base


_FLAG = '<t:ExtendedFieldURI PropertyTag="0x1090" PropertyType="Integer"/>'
_KEYWORDS = (
    '<t:ExtendedFieldURI DistinguishedPropertySetId="PublicStrings" PropertyName="Keywords" '
    'PropertyType="StringArray"/>'
)


@pytest.mark.parametrize(
    ("restriction", "matching"),
    [
        (f"<t:Exists>{_FLAG}</t:Exists>", [1, 2]),
        (f"<t:Not><t:Exists>{_FLAG}</t:Exists></t:Not>", [0]),
        (
            f'<t:IsEqualTo>{_FLAG}<t:FieldURIOrConstant><t:Constant Value="2"/>'
            "</t:FieldURIOrConstant></t:IsEqualTo>",
            [2],
        ),
        (
            f'<t:IsGreaterThanOrEqualTo>{_FLAG}<t:FieldURIOrConstant><t:Constant Value="1"/>'
            "</t:FieldURIOrConstant></t:IsGreaterThanOrEqualTo>",
            [1, 2],
        ),
        (
            '<t:Contains ContainmentMode="FullString" ContainmentComparison="IgnoreCase">'
            f'{_KEYWORDS}<t:Constant Value="follow up"/></t:Contains>',
            [1],
        ),
        (
            f'<t:Contains ContainmentMode="Prefixed" ContainmentComparison="Exact">{_KEYWORDS}'
            '<t:Constant Value="Pro"/></t:Contains>',
            [2],
        ),
        (
            '<t:Contains ContainmentMode="PrefixOnWords" ContainmentComparison="IgnoreCase">'
            '<t:FieldURI FieldURI="item:Subject"/><t:Constant Value="rep"/></t:Contains>',
            [0, 1, 2],
        ),
    ],
)
def test_restrictions_on_extended_properties(restriction: str, matching: list[int]) -> None:
    messages = [
        _message(),
        _message(flag_status=1, categories=["Follow up"]),
        _message(flag_status=2, categories=["Projekt", "Blue"]),
    ]
    keep = compile_restriction(_wrap(restriction), item_field)
    assert [n for n, message in enumerate(messages) if keep(message)] == matching
