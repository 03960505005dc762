"""The one base error of the local store, so callers can catch every store failure at once."""

from __future__ import annotations


class StoreError(Exception):
    """A local store operation that cannot be done (bad path, conflict, size cap, bad state)."""
