"""An in-memory keyring backend, for tests and demos: nothing leaves the process.

It is never picked automatically (its ``priority`` says it is not viable);
select it explicitly with ``keyring.set_keyring(MemoryKeyring())``.
"""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """Secrets in a dict, per instance. ``calls`` counts operations, for tests."""

    @properties.classproperty
    def priority(cls) -> float:
        # Raising makes keyring treat the class as not viable, so auto-detection and
        # the chainer never choose it just because exsync's package was imported.
        raise RuntimeError("the in-memory keyring is only used when selected explicitly")

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.entries: dict[tuple[str, str], str] = {}
        self.calls = 0

    def __str__(self) -> str:
        return "exsync_tui.core.secrets.memory.MemoryKeyring"

    def get_password(self, service: str, username: str) -> str | None:
        self.calls += 1
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.calls += 1
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.calls += 1
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such entry")
