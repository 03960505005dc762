"""Reading and writing ``config.toml``: located syntax errors, atomic 0600 writes, backups.

tomli-w cannot keep comments, so a hand-edited file with comments is copied to
``config.toml.bak-YYYYmmdd-HHMMSS`` before exsync rewrites it for the first time.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import tomli_w

from exsync_tui.core import paths
from exsync_tui.core.files import FILE_MODE, atomic_write_text
from exsync_tui.core.profiles.codec import config_to_data, parse_config, validate_config
from exsync_tui.core.profiles.errors import ConfigError
from exsync_tui.core.profiles.model import Config

# tomllib (3.11) ends every message with "(at line L, column C)" or "(at end of document)".
_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_AT_END = re.compile(r"\s*\(at end of document\)$")
_STRING_WITH_BACKSLASH = re.compile(r'"([^"\\]*\\[^"]*)"')
_DECLARED_TWICE = re.compile(r"^Cannot declare \('profiles', '([^']+)'\) twice$")


@dataclass(frozen=True)
class SaveResult:
    """What :func:`save_config` did: where it wrote, and the backup it made first, if any."""

    path: Path
    backup_path: Path | None = None


def _backslash_hint(source_line: str) -> str:
    """Say how to write the ``DOMAIN\\user`` value found on the failing line."""
    found = _STRING_WITH_BACKSLASH.search(source_line)
    value = found[1] if found else "DOMAIN\\user"
    doubled = value.replace("\\", "\\\\")
    return (
        f'a backslash in a TOML "..." string starts an escape: write "{doubled}" '
        f"or the literal string '{value}'"
    )


def _syntax_error(error: tomllib.TOMLDecodeError, path: Path, text: str) -> ConfigError:
    message = str(error)
    line = column = None
    at_end = False
    if match := _POSITION.search(message):
        line, column = int(match[1]), int(match[2])
        message = message[: match.start()]
    elif match := _AT_END.search(message):
        at_end = True
        message = message[: match.start()]
    hint = None
    source_line = text.splitlines()[line - 1] if line and line <= len(text.splitlines()) else ""
    if "\\" in source_line and ("escape" in message or "hex value" in message):
        hint = _backslash_hint(source_line)
    elif twice := _DECLARED_TWICE.match(message):
        hint = f"there are two profiles named {twice[1]!r}; profile names must be unique"
    return ConfigError(
        f"TOML syntax error: {message}",
        path=path,
        line=line,
        column=column,
        hint=hint,
        at_end=at_end,
    )


def load_config(path: Path | None = None) -> Config:
    """Read the config; a missing file is an empty config. Raises :class:`ConfigError`."""
    path = path or paths.config_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=path)
    except UnicodeDecodeError as error:
        raise ConfigError(f"not UTF-8 text ({error.reason})", path=path) from None
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", path=path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(error, path, text) from None
    return parse_config(data, path)


def has_comments(text: str) -> bool:
    """Whether a (valid) TOML document holds a comment: a ``#`` outside every string."""
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char == "#":
            return True
        if char in "\"'":
            triple = text.startswith(char * 3, index)
            delimiter = char * 3 if triple else char
            index += len(delimiter)
            while index < length:
                if char == '"' and text[index] == "\\":
                    index += 2  # skip the escaped character, e.g. \" or \\
                    continue
                if text.startswith(delimiter, index):
                    index += len(delimiter)
                    # A multi-line string may end with up to two extra quotes: """a"""""
                    while triple and index < length and text[index] == char:
                        index += 1
                    break
                index += 1
            continue
        index += 1
    return False


def _backup(target: Path, content: bytes, now: datetime) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    candidate = target.with_name(f"{target.name}.bak-{stamp}")
    counter = 1
    while True:
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            break
        except FileExistsError:
            counter += 1
            candidate = target.with_name(f"{target.name}.bak-{stamp}-{counter}")
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    return candidate


def _worth_backing_up(existing: bytes) -> bool:
    """A file with comments, or one exsync cannot even read, is kept before it is replaced."""
    try:
        text = existing.decode("utf-8")
        tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return True
    return has_comments(text)


def render_config(config: Config) -> str:
    """The TOML text :func:`save_config` would write, after checking the config."""
    validate_config(config)
    text = tomli_w.dumps(config_to_data(config))
    # Belt and braces: what is written must read back as the same config.
    parse_config(tomllib.loads(text), config.path)
    return text


def save_config(config: Config, path: Path | None = None) -> SaveResult:
    """Check and write the config atomically (0600), backing up a commented file first.

    A symlinked config is written through to its target. Raises :class:`ConfigError`
    (and writes nothing) when the config is invalid or was opened read-only.
    """
    path = path or config.path or paths.config_file()
    if config.read_only:
        raise ConfigError(
            f"not saved: {config.read_only_reason or 'the config was opened read-only'}",
            path=path,
        )
    text = render_config(config)
    target = Path(os.path.realpath(path))
    backup_path = None
    try:
        existing = target.read_bytes()
    except FileNotFoundError:
        existing = None
    if existing is not None and _worth_backing_up(existing):
        backup_path = _backup(target, existing, datetime.now())
    atomic_write_text(target, text)
    config.path = path
    return SaveResult(path=target, backup_path=backup_path)
