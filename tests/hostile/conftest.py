"""The ``hostile`` fixture: a started hostile server per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.server import HostileServer


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    """A hostile server under ``hostile.test`` names, answering 404 until told otherwise."""
    with HostileServer() as server:
        yield server
