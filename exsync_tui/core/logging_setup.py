"""Log files: under ``log_dir()``, mode 0600, and redacted at the handler.

exchangelib's DEBUG records contain request headers (Authorization with NTLM
or Basic credentials) and XML bodies; requests and urllib3 log URLs that may
carry user info. Redaction therefore happens on the *formatted* text of every
record that reaches exsync's handlers, tracebacks included, not in the code
that logs.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from exsync_tui.core.paths import log_dir
from exsync_tui.core.redaction import redact

LOG_FILE_NAME = "exsync.log"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
MAX_LOG_BYTES = 5 * 1024 * 1024
LOG_BACKUPS = 3

_NOISY_LOGGERS = ("exchangelib", "urllib3", "requests_ntlm", "spnego")


class RedactingFilter(logging.Filter):
    """Replaces a record's message by its redacted text (args merged in first)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        return True


class RedactingFormatter(logging.Formatter):
    """A formatter whose whole output (message, traceback, stack) is redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file handler whose files are created with mode 0600."""

    def _open(self):  # type: ignore[no-untyped-def]
        path = Path(self.baseFilename)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.chmod(path, 0o600)  # an existing file made by an older version keeps its mode otherwise
        return os.fdopen(descriptor, self.mode.replace("w", "a"), encoding=self.encoding)


def log_file_path() -> Path:
    """Where the log file goes."""
    return log_dir() / LOG_FILE_NAME


def make_file_handler(
    path: Path | None = None, level: int = logging.INFO
) -> PrivateRotatingFileHandler:
    """A redacting, 0600, rotating file handler (the directory is created 0700)."""
    target = path or log_file_path()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = PrivateRotatingFileHandler(
        target, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler.setLevel(level)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(RedactingFormatter(LOG_FORMAT))
    return handler


def setup_logging(level: int = logging.INFO, *, debug_network: bool = False) -> Path:
    """Send exsync's (and its libraries') logs to the redacted log file; returns its path.

    ``debug_network`` also records exchangelib/urllib3 DEBUG output (still redacted).
    Calling it again replaces the previous handler instead of adding a second one.
    """
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing, PrivateRotatingFileHandler):
            root.removeHandler(existing)
            existing.close()
    handler_level = logging.DEBUG if debug_network else level
    handler = make_file_handler(level=handler_level)
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.WARNING, handler_level))
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if debug_network else logging.WARNING)
    return Path(handler.baseFilename)
