"""Errors and warnings about the config file, located the way an editor would.

A syntax error names the file, line and column; a meaning error names the key
path (``profiles.work.ews_url``). Both render as one line a user can act on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def key_path(parts: Sequence[str]) -> str:
    """Join key parts the way TOML writes them, quoting parts that are not bare keys."""
    return ".".join(part if _BARE_KEY.match(part) else f'"{part}"' for part in parts)


def _location(
    path: Path | None, line: int | None, column: int | None, key: str | None, at_end: bool
) -> str:
    pieces: list[str] = []
    if path is not None:
        where = str(path)
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        pieces.append(where)
    if at_end:
        pieces.append("at end of file")
    if key:
        pieces.append(key)
    return ": ".join(pieces)


class ConfigError(Exception):
    """The config (or a profile being built) is wrong; nothing was written.

    ``key`` is the dotted key path for meaning errors, ``line``/``column`` are
    1-based positions for TOML syntax errors. ``hint`` says what to write
    instead when the mistake is a common one.
    """

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        line: int | None = None,
        column: int | None = None,
        key: str | None = None,
        hint: str | None = None,
        at_end: bool = False,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.key = key
        self.hint = hint
        self.at_end = at_end
        super().__init__(str(self))

    @property
    def field(self) -> str | None:
        """The last part of the key path (``ews_url``), handy for naming a form field or flag."""
        if not self.key:
            return None
        return self.key.rsplit(".", 1)[-1].strip('"')

    def with_path(self, path: Path | None) -> ConfigError:
        """The same error, located in ``path``."""
        return ConfigError(
            self.message,
            path=path,
            line=self.line,
            column=self.column,
            key=self.key,
            hint=self.hint,
            at_end=self.at_end,
        )

    def __str__(self) -> str:
        location = _location(self.path, self.line, self.column, self.key, self.at_end)
        text = f"{location}: {self.message}" if location else self.message
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


@dataclass(frozen=True)
class ConfigWarning:
    """Something odd but harmless in the config, e.g. an unknown key that is kept."""

    key: str
    message: str
    path: Path | None = None

    def __str__(self) -> str:
        location = _location(self.path, None, None, self.key, False)
        return f"{location}: {self.message}"
