"""Asking for a password on the terminal, hidden, the same way in every command.

``exsync profiles add``, ``profiles edit --password-prompt`` and ``exsync diagnose``
ask only when stdin is a terminal: from a pipe, cron or a script there is nobody
to answer, so they say how to pass the password instead (``--password-stdin``).
"""

from __future__ import annotations

import getpass
import sys

from exsync_tui.core.secrets import Secret

PROMPT = "Password for {who} (an app password if the account uses two-factor sign-in): "
NOT_A_TERMINAL = "stdin is not a terminal, so exsync could not ask for the password"


def can_prompt() -> bool:
    """Whether someone can answer a prompt: stdin is an interactive terminal."""
    return sys.stdin.isatty()


def prompt_password(who: str) -> Secret | None:
    """Ask for ``who``'s password with echo off; None when nothing was typed.

    Raises EOFError when the terminal is closed (Ctrl-D) and KeyboardInterrupt on
    Ctrl-C; the caller decides what that means. The typed text is never printed.
    """
    typed = getpass.getpass(PROMPT.format(who=who))
    return Secret(typed) if typed else None
