"""A safety net for every test (a plugin of tests/conftest.py): nothing may leave loopback,
not even a DNS query (this machine's resolver is on a private address).

Every socket connect/sendto and every name lookup is checked; anything aimed
outside 127.0.0.0/8 and ::1 is refused *and* recorded, and the test fails at
teardown even if the code under test swallowed the error. Python children of a
test (subprocess, pty, tmux) get the same refusal through
``tests/child_guard/sitecustomize.py`` and report to a file the test reads at
teardown; the refusal itself lives once, in ``tests/child_guard/loopback_refusal.py``.
The routing view is pinned to a typical machine (a default route and one local subnet), so that
whether an internal address "has a route" never depends on the machine the
tests run on.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsync_tui.core.net import set_route_table_source
from exsync_tui.core.net.routes import RouteTable, route_table_from_text
from tests.child_guard.loopback_refusal import (
    VIOLATIONS_FILE_ENV,
    LoopbackGuard,
    socket_replacements,
)

CHILD_GUARD_DIR = str(Path(__file__).resolve().parent / "child_guard")
"""On every child's PYTHONPATH: its sitecustomize installs the same refusal there."""

UNROUTABLE_PRIVATE = "10.255.255.1"
"""A private address the pinned route table has no route to: exsync must never dial it."""

# A machine on 192.0.2.0/24 (TEST-NET-1) with a default gateway and no VPN.
TYPICAL_IPV4_ROUTES = """\
Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
eth0	00000000	010200C0	0003	0	0	0	00000000	0	0	0
eth0	000200C0	00000000	0001	0	0	0	00FFFFFF	0	0	0
"""


def typical_route_table() -> RouteTable:
    """The pinned routing view (no route to 10/8, 172.16/12, 192.168/16, 100.64/10)."""
    return route_table_from_text(TYPICAL_IPV4_ROUTES, "", interfaces=("lo", "eth0"))


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[LoopbackGuard]:
    """Refuse and record non-loopback traffic, here and in Python children; pin the routes."""
    guard = LoopbackGuard()
    for owner, name, replacement in socket_replacements(guard):
        monkeypatch.setattr(owner, name, replacement)
    child_violations = tmp_path / "child-network-violations.log"
    guard_children(monkeypatch, child_violations)
    set_route_table_source(typical_route_table)
    try:
        yield guard
    finally:
        set_route_table_source(None)
    assert guard.violations == [], f"traffic outside loopback: {guard.violations}"
    reported = child_violations.read_text("utf-8") if child_violations.exists() else ""
    assert reported == "", f"a child process tried traffic outside loopback:\n{reported}"


def guard_children(monkeypatch: pytest.MonkeyPatch, violations_file: Path) -> None:
    """Make every Python child of this test load the guard (children inherit os.environ).

    A child given its own environment must copy these two variables (see child_env).
    """
    existing = os.environ.get("PYTHONPATH")
    path = CHILD_GUARD_DIR if not existing else f"{CHILD_GUARD_DIR}{os.pathsep}{existing}"
    monkeypatch.setenv("PYTHONPATH", path)
    monkeypatch.setenv(VIOLATIONS_FILE_ENV, str(violations_file))


def child_env() -> dict[str, str]:
    """The variables that put the guard in a child, for launchers that do not pass os.environ
    through (tmux's server, ``env -i``): ``{"PYTHONPATH": ..., VIOLATIONS_FILE_ENV: ...}``."""
    return {name: os.environ[name] for name in ("PYTHONPATH", VIOLATIONS_FILE_ENV)}
