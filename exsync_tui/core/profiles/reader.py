"""A typed reader for one parsed TOML table that knows its key path for errors.

Every getter removes the key it reads, so whatever is left at the end are the
unknown keys: they are kept (for the next save) and reported as warnings.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from exsync_tui.core.profiles import validate
from exsync_tui.core.profiles.errors import ConfigError, ConfigWarning, key_path

_E = TypeVar("_E", bound=StrEnum)
_T = TypeVar("_T")


class TableReader:
    """One TOML table being read: typed getters that know the key path for errors."""

    def __init__(self, data: dict[str, Any], key: tuple[str, ...], warnings: list[ConfigWarning]):
        self._data = dict(data)
        self.key = key
        self._warnings = warnings

    def error(self, name: str, message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(message, key=key_path((*self.key, name)), hint=hint)

    def warn(self, name: str, message: str, path: Path | None) -> None:
        self._warnings.append(ConfigWarning(key_path((*self.key, name)), message, path))

    def names(self) -> list[str]:
        return list(self._data)

    def has(self, name: str) -> bool:
        return name in self._data

    def _take(self, name: str, kind: type | tuple[type, ...], what: str) -> Any:
        value = self._data.pop(name, None)
        if value is not None and not isinstance(value, kind):
            raise self.error(name, f"must be {what}, not {type(value).__name__} {value!r}")
        return value

    def string(self, name: str, check: Callable[[str], str] | None = None) -> str | None:
        value: str | None = self._take(name, str, "a string")
        if value is None or check is None:
            return value
        try:
            return check(value)
        except validate.InvalidValue as invalid:
            raise self.error(name, invalid.message, invalid.hint) from None

    def required_string(self, name: str, check: Callable[[str], str] | None = None) -> str:
        value = self.string(name, check)
        if value is None:
            raise self.error(name, "is missing")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self._take(name, bool, "true or false")
        return default if value is None else bool(value)

    def integer(self, name: str, default: int, maximum: int) -> int:
        value = self._take(name, int, "a whole number")
        if value is None:
            return default
        if isinstance(value, bool) or not 0 <= value <= maximum:
            raise self.error(name, f"must be a whole number from 0 to {maximum}")
        return int(value)

    def strings(self, name: str, check: Callable[[str], str] | None = None) -> tuple[str, ...]:
        value = self._take(name, list, "a list of strings")
        if value is None:
            return ()
        result = []
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise self.error(name, f"item {index + 1} must be a string, not {item!r}")
            try:
                result.append(check(item) if check else item)
            except validate.InvalidValue as invalid:
                raise self.error(name, invalid.message, invalid.hint) from None
        return tuple(result)

    def path(self, name: str) -> Path | None:
        value = self.string(name)
        if value is None:
            return None
        if not value.strip():
            raise self.error(name, "is empty")
        if not (value.startswith("~") or Path(value).is_absolute()):
            raise self.error(name, f"{value!r} is not an absolute path (it may start with ~)")
        return Path(value)

    def timestamp(self, name: str) -> datetime | None:
        value: datetime | None = self._take(name, datetime, "a date and time")
        if value is not None and value.tzinfo is None:
            raise self.error(name, "needs a UTC offset", hint="write it like 2025-01-31T12:00:00Z")
        return value

    def choice(self, name: str, enum: type[_E], default: _E) -> _E:
        value = self.string(name)
        if value is None:
            return default
        try:
            return enum(value.lower())
        except ValueError:
            allowed = ", ".join(repr(member.value) for member in enum)
            raise self.error(name, f"{value!r} is not one of {allowed}") from None

    def converted(self, name: str, convert: Callable[[Any], _T]) -> _T | None:
        value = self._data.pop(name, None)
        if value is None:
            return None
        try:
            return convert(value)
        except validate.InvalidValue as invalid:
            raise self.error(name, invalid.message, invalid.hint) from None

    def table(self, name: str) -> TableReader:
        value = self._take(name, dict, "a table")
        return TableReader(value or {}, (*self.key, name), self._warnings)

    def rest(self, path: Path | None) -> dict[str, Any]:
        """The keys nobody asked for: kept for the next save, with a warning each."""
        for name in self._data:
            self.warn(name, "unknown key (kept as is)", path)
        return self._data
