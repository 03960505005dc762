"""MAPI extended properties (`t:ExtendedFieldURI`): naming them, echoing them, writing values.

A property can be named three ways: by `PropertyTag`, by a property set plus `PropertyId`, or by
a property set plus `PropertyName`. Each is reduced to one canonical key so that "0x0E23" and
"0xe23" (or a set's GUID and its distinguished name) mean the same property; the response echoes
the name in the form clients match on: tags in lower-case hex without leading zeros, ids in
decimal, names as sent.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from lxml import etree

from exsync_tui.sandbox.ews.context import EwsError
from exsync_tui.sandbox.ews.soap import attr, bool_text, text

# The GUIDs of the distinguished property sets, so a request naming a set by GUID finds the
# same properties as one naming it by its distinguished name.
_SET_GUIDS = {
    "00062008-0000-0000-c000-000000000046": "Common",
    "00020329-0000-0000-c000-000000000046": "PublicStrings",
    "00020386-0000-0000-c000-000000000046": "InternetHeaders",
    "00062004-0000-0000-c000-000000000046": "Address",
    "00062002-0000-0000-c000-000000000046": "Appointment",
    "6ed8da90-450b-101b-98da-00aa003f1305": "Meeting",
    "00062003-0000-0000-c000-000000000046": "Task",
}
_INTEGER_TYPES = frozenset({"Integer", "Long", "Short"})
_MISSING = "ErrorInvalidExtendedProperty"


@dataclass(frozen=True)
class ExtendedPath:
    """One `t:ExtendedFieldURI`: the property's canonical `key`, its type and its echo."""

    key: str  # "tag:e23", "id:Common:34160" or "name:PublicStrings:Keywords"
    prop_type: str
    echo: str  # the `<t:ExtendedFieldURI .../>` a response carries for it

    @property
    def multi_valued(self) -> bool:
        """Array types come back as `t:Values`."""
        return self.prop_type.endswith("Array")


def tag_key(tag: int) -> str:
    """The canonical key of a property given by its tag (e.g. 0x0E23)."""
    return f"tag:{tag:x}"


def parse_extended(element: etree._Element) -> ExtendedPath:
    """Read a `t:ExtendedFieldURI` element."""
    prop_type = element.get("PropertyType", "")
    if not prop_type:
        raise EwsError(_MISSING, "An extended property needs a PropertyType.")
    tag = element.get("PropertyTag")
    typed = f" PropertyType={attr(prop_type)}"
    if tag is not None:
        try:
            number = int(tag, 0) if tag.lower().startswith("0x") else int(tag)
        except ValueError:
            raise EwsError(_MISSING, f"The property tag {tag!r} is invalid.") from None
        return ExtendedPath(
            tag_key(number), prop_type, f'<t:ExtendedFieldURI PropertyTag="0x{number:x}"{typed}/>'
        )
    distinguished = element.get("DistinguishedPropertySetId")
    guid = element.get("PropertySetId")
    property_set = distinguished or _SET_GUIDS.get((guid or "").strip("{}").lower(), guid)
    if not property_set:
        raise EwsError(_MISSING, "An extended property needs a tag or a property set.")
    named_set = (
        f"DistinguishedPropertySetId={attr(distinguished)}"
        if distinguished
        else f"PropertySetId={attr(guid)}"
    )
    name, number_text = element.get("PropertyName"), element.get("PropertyId")
    if name is not None:
        # Internet header names are case-insensitive, like the headers themselves.
        canonical = name.lower() if property_set == "InternetHeaders" else name
        return ExtendedPath(
            f"name:{property_set}:{canonical}",
            prop_type,
            f"<t:ExtendedFieldURI {named_set} PropertyName={attr(name)}{typed}/>",
        )
    if number_text is None:
        raise EwsError(_MISSING, "An extended property in a set needs a name or an id.")
    try:
        number = int(number_text, 0) if number_text.lower().startswith("0x") else int(number_text)
    except ValueError:
        raise EwsError(_MISSING, f"The property id {number_text!r} is invalid.") from None
    return ExtendedPath(
        f"id:{property_set}:{number}",
        prop_type,
        f'<t:ExtendedFieldURI {named_set} PropertyId="{number}"{typed}/>',
    )


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return bool_text(value)
    if isinstance(value, dt.datetime):
        return system_time(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return text(value)


def system_time(moment: dt.datetime) -> str:
    """A SystemTime value in whole seconds, as Exchange writes them (DavMail parses no more)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_extended(path: ExtendedPath, value: object) -> str:
    """One `t:ExtendedProperty`, or "" when the property is unset (Exchange omits those)."""
    if value is None:
        return ""
    if path.multi_valued:
        values = value if isinstance(value, list | tuple) else [value]
        if not values:
            return ""
        inner = "".join(f"<t:Value>{_value_text(v)}</t:Value>" for v in values)
        return f"<t:ExtendedProperty>{path.echo}<t:Values>{inner}</t:Values></t:ExtendedProperty>"
    if isinstance(value, list | tuple):
        value = value[0] if value else None
        if value is None:
            return ""
    single = f"<t:Value>{_value_text(value)}</t:Value>"
    return f"<t:ExtendedProperty>{path.echo}{single}</t:ExtendedProperty>"


def parse_value(path: ExtendedPath, element: etree._Element) -> object:
    """The value a `t:ExtendedProperty` in a request carries, typed by its PropertyType."""
    values = [v.text or "" for v in element.iter("{*}Value")]
    base = path.prop_type.removesuffix("Array")
    typed = [convert(base, v) for v in values]
    if path.multi_valued:
        return typed
    if len(typed) != 1:
        raise EwsError("ErrorInvalidPropertySet", "An extended property needs exactly one Value.")
    return typed[0]


def convert(prop_type: str, raw: str) -> object:
    """A request's text value as the Python value of `prop_type`."""
    try:
        if prop_type in _INTEGER_TYPES:
            return int(raw)
        if prop_type == "Boolean":
            return raw.strip().lower() in ("true", "1")
        if prop_type == "SystemTime":
            moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        if prop_type == "Binary":
            return base64.b64decode(raw)
    except ValueError:
        raise EwsError(
            "ErrorInvalidValueForProperty", f"{raw!r} is not a valid {prop_type} value."
        ) from None
    return raw
