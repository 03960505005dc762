"""``password_command``: ask a password manager (``pass``, ``gopass``, ``secret-tool``...).

The command is an argv list run without a shell. Whoever can write the config
file chooses the program exsync runs with the user's rights, so a config that
the group or everyone may write is refused.
"""

from __future__ import annotations

import os
import stat
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from exsync_tui.core.secrets.errors import PasswordCommandError
from exsync_tui.core.secrets.secret import Secret

DEFAULT_COMMAND_TIMEOUT_S = 30.0
# How often a running command checks the cancel event.
_CANCEL_POLL_S = 0.1
_STDERR_SHOWN = 300


def check_config_not_writable_by_others(config_path: Path) -> None:
    """Refuse when the config (or its symlink target) is group- or world-writable."""
    try:
        mode = os.stat(config_path).st_mode
    except FileNotFoundError:
        return
    writable_by = [
        who for who, bit in (("its group", stat.S_IWGRP), ("everyone", stat.S_IWOTH)) if mode & bit
    ]
    if writable_by:
        raise PasswordCommandError(
            f"password_command refused: {config_path} can be written by "
            f"{' and '.join(writable_by)} (mode {stat.S_IMODE(mode):04o}), so someone else "
            f"could choose the program exsync runs; fix it with: chmod 600 {config_path}"
        )


def run_password_command(
    argv: Sequence[str],
    *,
    config_path: Path,
    timeout_s: float = DEFAULT_COMMAND_TIMEOUT_S,
    cancel: threading.Event | None = None,
) -> Secret:
    """Run ``argv`` (no shell) and return the first line it prints as the password.

    Raises :class:`PasswordCommandError` when the config is writable by others,
    the program is missing, fails, times out, is cancelled or prints nothing.
    """
    if not argv:
        raise PasswordCommandError("password_command is empty")
    check_config_not_writable_by_others(config_path)
    program = argv[0]
    try:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # a terminal Ctrl-C should reach exsync, not the helper
        )
    except FileNotFoundError:
        raise PasswordCommandError(f"password_command: program not found: {program}") from None
    except PermissionError:
        raise PasswordCommandError(
            f"password_command: cannot run {program}: permission denied"
        ) from None
    stdout, stderr = _wait(process, program, timeout_s, cancel)
    text = stdout.decode("utf-8", errors="replace")
    first_line = text.splitlines()[0] if text else ""
    if process.returncode != 0:
        # stderr may echo what the helper printed on stdout; never show that.
        detail = stderr.decode("utf-8", errors="replace").strip()
        if first_line:
            detail = detail.replace(first_line, "***")
        detail = detail[-_STDERR_SHOWN:]
        raise PasswordCommandError(
            f"password_command: {program} exited with status {process.returncode}"
            + (f": {detail}" if detail else "")
        )
    if not first_line:
        raise PasswordCommandError(f"password_command: {program} printed no password")
    return Secret(first_line)


def _wait(
    process: subprocess.Popen[bytes],
    program: str,
    timeout_s: float,
    cancel: threading.Event | None,
) -> tuple[bytes, bytes]:
    """Collect the output, killing the command on timeout or cancel."""
    deadline = time.monotonic() + timeout_s
    while True:
        remaining = max(0.0, deadline - time.monotonic())
        slice_s = min(_CANCEL_POLL_S, remaining) if cancel is not None else remaining
        try:
            return process.communicate(timeout=slice_s)
        except subprocess.TimeoutExpired:
            cancelled = cancel is not None and cancel.is_set()
            if cancelled or time.monotonic() >= deadline:
                process.kill()
                process.communicate()
                if cancelled:
                    raise PasswordCommandError("password_command: cancelled") from None
                raise PasswordCommandError(
                    f"password_command: {program} did not finish within {timeout_s:g} s"
                ) from None
