"""Every test here runs inside the loopback guard (see tests/net/loopback_guard.py)."""

from tests.net.loopback_guard import loopback_only

__all__ = ["loopback_only"]
