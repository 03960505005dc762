"""Response shapes: which properties a request asked for (BaseShape plus AdditionalProperties)."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from exsync_tui.sandbox.ews.extended import ExtendedPath, parse_extended
from exsync_tui.sandbox.ews.soap import t

# The properties Exchange returns for BaseShape "Default" (besides the id).
DEFAULT_ITEM_FIELDS = frozenset(
    {
        "item:Subject",
        "item:Attachments",
        "item:HasAttachments",
        "item:ItemClass",
        "item:Sensitivity",
        "item:Size",
        "item:DateTimeReceived",
        "item:DateTimeSent",
        "item:DateTimeCreated",
        "item:Importance",
        "item:IsFromMe",
        "item:ResponseObjects",
        "message:From",
        "message:ToRecipients",
        "message:IsRead",
        "message:Sender",
        "calendar:Start",
        "calendar:End",
        "calendar:Location",
        "calendar:CalendarItemType",
        "calendar:Organizer",
        "calendar:IsAllDayEvent",
        "calendar:LegacyFreeBusyStatus",
        "calendar:UID",
        "calendar:IsRecurring",
    }
)
DEFAULT_FOLDER_FIELDS = frozenset(
    {"folder:DisplayName", "folder:TotalCount", "folder:ChildFolderCount", "folder:UnreadCount"}
)


def extended_key(property_tag: str) -> str:
    """How a MAPI property asked for by tag (``0x1090`` or ``4240``) is named in a shape."""
    try:
        return f"extended:{int(property_tag, 0):#06x}"
    except ValueError:
        return f"extended:{property_tag}"


@dataclass(frozen=True)
class Shape:
    """The properties to render; `all_properties` means every property the server has."""

    fields: frozenset[str]
    all_properties: bool = False
    body_type: str = "Best"
    extended: tuple[ExtendedPath, ...] = ()  # requested MAPI properties, in request order

    def wants(self, uri: str) -> bool:
        """Whether property `uri` (e.g. "item:Subject") is to be rendered."""
        return self.all_properties or uri in self.fields


def parse_shape(shape: etree._Element | None, defaults: frozenset[str]) -> Shape:
    """Read an `ItemShape` or `FolderShape` element."""
    if shape is None:
        return Shape(defaults)
    base = shape.findtext(t("BaseShape"), "Default")
    fields: set[str] = set()
    extended: dict[str, ExtendedPath] = {}
    if base in ("Default", "AllProperties"):
        fields |= defaults
    additional = shape.find(t("AdditionalProperties"))
    if additional is not None:
        for path in additional:
            if path.tag == t("ExtendedFieldURI"):
                found = parse_extended(path)
                extended.setdefault(found.key, found)
                continue
            uri = path.get("FieldURI")
            if uri:
                fields.add(uri)
            elif path.tag == t("ExtendedFieldURI") and path.get("PropertyTag"):
                fields.add(extended_key(path.get("PropertyTag", "")))
    if shape.findtext(t("IncludeMimeContent"), "false").strip() == "true":
        fields.add("item:MimeContent")
    all_properties = base == "AllProperties"
    return Shape(
        frozenset(fields),
        all_properties,
        shape.findtext(t("BodyType"), "Best"),
        tuple(extended.values()),
    )
