"""The vdir writer: one ``.ics`` file per event in a calendar directory (vdirsyncer's layout).

``<root>/<calendar>/<name>.ics`` where ``<name>`` is the event's UID when that is
safe as a file name (vdirsyncer's rule: letters, digits and ``_.-+@``), else a hash of
the UID; the series master and its modified and cancelled occurrences share one UID
and so one file. ``displayname`` and ``color`` files name and colour the calendar,
as khal and vdirsyncer read them. Every file is written to a temporary name in the
same directory and renamed into place; every write is parsed with ``icalendar``
first, and garbage is refused. Files 0600, directories 0700.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

import icalendar

from exsync_tui.core.files import atomic_write_bytes, ensure_private_directory
from exsync_tui.core.store.errors import StoreError
from exsync_tui.core.store.folder_ops import (
    STAGING,
    apply_folder_moves,
    checked_relpath,
    delete_folder_tree,
    finish_folder_moves,
    fsync_touched,
)

ICS_SUFFIX = ".ics"
_SAFE_UID = re.compile(r"^[A-Za-z0-9_+@-][A-Za-z0-9_.+@-]{0,199}$")
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$")
_ITEM_COMPONENTS = ("VEVENT", "VTODO", "VJOURNAL")


class InvalidEvent(StoreError):
    """iCalendar data that exsync refuses to write (it would break khal or vdirsyncer)."""


def event_filename(uid: str) -> str:
    """The file name for the event with ``uid``: the UID itself when safe, else its hash."""
    if _SAFE_UID.match(uid):
        return uid + ICS_SUFFIX
    return hashlib.sha256(uid.encode("utf-8", "surrogatepass")).hexdigest() + ICS_SUFFIX


def validate_ics(data: bytes, uid: str) -> icalendar.Calendar:
    """Parse ``data``: :class:`InvalidEvent` unless one VCALENDAR whose items all carry ``uid``."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, KeyError, IndexError) as exc:
        raise InvalidEvent(f"event {uid!r}: not valid iCalendar data ({exc})") from None
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise InvalidEvent(f"event {uid!r}: the data is not a VCALENDAR")
    items = [c for c in calendar.walk() if c.name in _ITEM_COMPONENTS]
    if not items:
        raise InvalidEvent(f"event {uid!r}: the calendar holds no event, task or journal")
    for component in calendar.walk():
        for prop, problem in getattr(component, "errors", []):
            raise InvalidEvent(f"event {uid!r}: {component.name} {prop}: {problem}")
    for item in items:
        if str(item.get("UID", "")) != uid:
            raise InvalidEvent(
                f"event {uid!r}: a {item.name} has UID {str(item.get('UID', ''))!r}; "
                "every component in one file must share the event's UID"
            )
        if item.name == "VEVENT" and "DTSTART" not in item:
            raise InvalidEvent(f"event {uid!r}: a VEVENT has no DTSTART")
    return calendar


class VdirStore:
    """The calendar collections of one profile under ``root``. Use from one thread."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._dirty: set[Path] = set()

    def calendar_dir(self, relpath: str) -> Path:
        """The directory of calendar ``relpath`` (refusing paths that leave the root)."""
        return self.root / checked_relpath(relpath)

    def create_calendar(
        self, relpath: str, displayname: str | None = None, color: str | None = None
    ) -> Path:
        """Create calendar ``relpath`` (0700) and write its metadata; idempotent."""
        directory = self.calendar_dir(relpath)
        if not directory.is_dir():
            ensure_private_directory(directory)
            self._dirty.add(directory.parent)
        self.set_metadata(relpath, displayname=displayname, color=color)
        return directory

    def set_metadata(
        self, relpath: str, *, displayname: str | None = None, color: str | None = None
    ) -> None:
        """Write the ``displayname`` and ``color`` files (None leaves a file as it is)."""
        directory = self.calendar_dir(relpath)
        if displayname is not None:
            # One line: khal shows the file's content as the calendar's name.
            text = " ".join(displayname.split())
            self._write_if_changed(directory / "displayname", text.encode("utf-8"))
        if color is not None:
            if not _COLOR.match(color):
                raise StoreError(f"color: {color!r} is not a colour like #1a2b3c")
            self._write_if_changed(directory / "color", color.encode("ascii"))

    def _write_if_changed(self, path: Path, data: bytes) -> None:
        if path.is_file() and path.read_bytes() == data:
            return
        atomic_write_bytes(path, data, sync_directory=False)
        self._dirty.add(path.parent)

    def write_event(
        self, relpath: str, uid: str, ics: bytes | str, *, name: str | None = None
    ) -> str:
        """Write (or replace) the event ``uid``; returns its file name.

        ``name`` overrides the file name (for a second item that shares a UID).
        Raises :class:`InvalidEvent` (and writes nothing) if ``ics`` does not parse or
        its components do not all carry ``uid``.
        """
        data = ics.encode("utf-8") if isinstance(ics, str) else bytes(ics)
        validate_ics(data, uid)
        name = name or event_filename(uid)
        if "/" in name or not name.endswith(ICS_SUFFIX) or name.startswith("."):
            raise StoreError(f"{name!r} is not an event file name")
        directory = self.calendar_dir(relpath)
        if not directory.is_dir():
            raise StoreError(f"calendar {relpath!r} does not exist; create it first")
        atomic_write_bytes(directory / name, data, sync_directory=False)
        self._dirty.add(directory)
        return name

    def delete_event(self, relpath: str, name: str) -> bool:
        """Delete event file ``name``; False when it was already gone."""
        if "/" in name or not name.endswith(ICS_SUFFIX) or name.startswith("."):
            raise StoreError(f"{name!r} is not an event file name")
        path = self.calendar_dir(relpath) / name
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        self._dirty.add(path.parent)
        return True

    def events(self, relpath: str) -> list[str]:
        """The event file names in calendar ``relpath``, sorted."""
        directory = self.calendar_dir(relpath)
        if not directory.is_dir():
            return []
        return sorted(
            p.name for p in directory.iterdir() if p.suffix == ICS_SUFFIX and p.name[0] != "."
        )

    def delete_calendar(self, relpath: str) -> bool:
        """Delete calendar ``relpath`` and its events."""
        return delete_folder_tree(self.root, relpath)

    def move_folders(self, moves: Mapping[str, str]) -> None:
        """Rename calendars ``{old path: new path}`` at once; resumable (see :mod:`folder_ops`)."""
        apply_folder_moves(self.root, moves)

    def finish_folder_moves(self) -> None:
        """Drop the finished move plan, once the state has recorded the moves as done."""
        finish_folder_moves(self.root)

    def sync_dirs(self) -> None:
        """fsync every directory touched since the last call."""
        fsync_touched(self._dirty)

    def recover(self) -> list[Path]:
        """Remove the temporary files a crash left (folder moves: see :mod:`recovery`)."""
        removed: list[Path] = []
        if not self.root.is_dir():
            return removed
        calendars = (p for p in self.root.iterdir() if p.is_dir() and p.name != STAGING)
        for directory in sorted(calendars):
            for leftover in directory.glob(".*.tmp"):
                leftover.unlink()
                removed.append(leftover)
                self._dirty.add(directory)
        self.sync_dirs()
        return removed
