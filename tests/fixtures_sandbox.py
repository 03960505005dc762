"""Reusable sandbox fixtures (registered from tests/conftest.py through `pytest_plugins`).

- `sandbox`: one shared sandbox per xdist worker; read it, never change it.
- `fresh_sandbox`: a factory, `fresh_sandbox(**config_overrides) -> Sandbox`, for tests that
  mutate mailboxes or inject faults; each is stopped when the test ends.
- `sandbox_trust`: makes exchangelib (and only it) trust the CAs of the sandboxes above.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests.adapters
from exchangelib.protocol import BaseProtocol, close_connections

from exsync_tui.sandbox import Sandbox, SandboxConfig

_ca_files: set[str] = set()
_ca_lock = threading.Lock()
_bundle = Path(tempfile.mkdtemp(prefix="exsync-test-ca-")) / "bundle.pem"


def _trust(sandbox: Sandbox) -> Sandbox:
    if sandbox.info.ca_file:
        with _ca_lock:
            _ca_files.add(sandbox.info.ca_file)
    return sandbox


def _current_bundle() -> str:
    """One PEM file with every registered sandbox CA (re-read: rotation may replace a CA)."""
    with _ca_lock:
        pem = b"".join(Path(f).read_bytes() for f in sorted(_ca_files) if Path(f).exists())
        if not _bundle.exists() or _bundle.read_bytes() != pem:
            _bundle.write_bytes(pem)
    return str(_bundle)


class SandboxTrustAdapter(requests.adapters.HTTPAdapter):
    """Verifies TLS against the sandbox CAs instead of the system store."""

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs["verify"] = _current_bundle()
        return super().send(request, *args, **kwargs)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """A shared, read-only sandbox for this worker."""
    with Sandbox(SandboxConfig()) as shared:
        yield _trust(shared)


@pytest.fixture
def fresh_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Start a private sandbox: `fresh_sandbox(messages=5, faults="503*1")`."""
    started: list[Sandbox] = []

    def start(**overrides: Any) -> Sandbox:
        instance = Sandbox(SandboxConfig(**overrides)).start()
        started.append(instance)
        return _trust(instance)

    yield start
    for instance in started:
        instance.stop()


@pytest.fixture
def sandbox_trust() -> Iterator[None]:
    """Point exchangelib at an adapter trusting the sandbox CAs; restore it afterwards."""
    previous = BaseProtocol.HTTP_ADAPTER_CLS
    close_connections()
    BaseProtocol.HTTP_ADAPTER_CLS = SandboxTrustAdapter
    yield
    close_connections()
    BaseProtocol.HTTP_ADAPTER_CLS = previous


@pytest.fixture(autouse=True)
def _exchangelib_adapter_restored() -> Iterator[None]:
    """Undo exsync's process-wide adapter after each test.

    Connecting or syncing in-process installs exsync's adapter as exchangelib's
    (it refuses passwords to unconfirmed servers); a later test in the same worker
    that drives plain exchangelib must not depend on which tests ran before it.
    """
    previous = BaseProtocol.HTTP_ADAPTER_CLS
    yield
    BaseProtocol.HTTP_ADAPTER_CLS = previous
