"""Run exsync commands in a real pseudo-terminal, to test what a person at a terminal sees.

The parent side, :func:`start`, forks a child on a new pty and gives back a
:class:`PtySession` to wait for text and type answers. The child side (this module
run with ``python -m tests.pty_session COMMANDS_JSON``) selects an in-memory keyring,
runs each exsync command through the real entry point in one process (so the
keyring outlives a command), prints ``[exit N]`` after each, and finally the SHA-256
of every stored secret: enough to check what was stored without ever printing it.
"""

from __future__ import annotations

import hashlib
import json
import os
import pty
import select
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
KEYRING_MARK = "[keyring "
_NO_KEYRING = "EXSYNC_TEST_PTY_NO_KEYRING"
# Proxies from the developer's environment must not carry the child's traffic.
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def digest(secret: str) -> str:
    """How the child reports a stored secret: its SHA-256, never the value."""
    return hashlib.sha256(secret.encode()).hexdigest()


class PtySession:
    """A child process on a pseudo-terminal: its output so far, and a way to type into it."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self.fd = fd
        self.transcript = bytearray()
        self._seen = 0  # where the next expect() starts looking
        self.exit_code: int | None = None

    def _read_some(self, deadline: float) -> bool:
        """Append what the child printed; False at end of output."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out; the terminal showed:\n{self.text()}")
        ready, _, _ = select.select([self.fd], [], [], remaining)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:  # EIO: every process holding the pty's other end has exited
            return False
        self.transcript += chunk
        return bool(chunk)

    def expect(self, text: str, timeout_s: float = 60.0) -> None:
        """Wait until ``text`` appears after the previous match."""
        wanted = text.encode()
        deadline = time.monotonic() + timeout_s
        while (found := self.transcript.find(wanted, self._seen)) < 0:
            if not self._read_some(deadline):
                raise AssertionError(f"never showed {text!r}; the terminal showed:\n{self.text()}")
        self._seen = found + len(wanted)

    def type_line(self, line: str) -> None:
        """Type ``line`` and Enter, as a person would."""
        os.write(self.fd, line.encode() + b"\r")

    def finish(self, timeout_s: float = 120.0) -> int:
        """Read to the end of the output and return the child's exit code."""
        deadline = time.monotonic() + timeout_s
        while self._read_some(deadline):
            pass
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        self.exit_code = os.waitstatus_to_exitcode(status)
        return self.exit_code

    def text(self) -> str:
        """Everything the terminal showed, decoded."""
        return self.transcript.decode("utf-8", errors="replace")

    def exit_codes(self) -> list[int]:
        """The exit code of each command, in order."""
        return [int(line[6:-1]) for line in self.text().splitlines() if line.startswith("[exit ")]

    def stored_digests(self) -> list[str]:
        """SHA-256 of every secret in the child's keyring when it finished."""
        for line in self.text().splitlines():
            if line.startswith(KEYRING_MARK):
                return list(json.loads(line[len(KEYRING_MARK) : -1]))
        raise AssertionError(f"the child printed no keyring summary:\n{self.text()}")


def start(commands: list[list[str]], *, keyring_available: bool = True) -> PtySession:
    """Run ``commands`` (exsync argv lists) one after another in a child on a new pty
    (with ``keyring_available=False``, a keyring exsync refuses, as on a bare server)."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in _PROXY_VARIABLES}
    if not keyring_available:
        env[_NO_KEYRING] = "1"
    argv = [sys.executable, "-m", "tests.pty_session", json.dumps(commands)]
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes the session leader with the pty as its terminal
        try:
            os.chdir(REPO_ROOT)
            os.execve(sys.executable, argv, env)  # noqa: S606 - our own interpreter, fixed argv
        finally:
            os._exit(127)
    return PtySession(pid, fd)


def _child_main(commands_json: str) -> int:
    import keyring
    from keyring.backends import null

    from exsync_tui.cli import main
    from exsync_tui.core.secrets.memory import MemoryKeyring

    backend = MemoryKeyring()
    keyring.set_keyring(null.Keyring() if os.environ.get(_NO_KEYRING) else backend)
    for argv in json.loads(commands_json):
        code = main(argv)
        print(f"[exit {code}]", flush=True)
    stored = sorted(digest(value) for value in backend.entries.values())
    print(f"{KEYRING_MARK}{json.dumps(stored)}]", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1]))
