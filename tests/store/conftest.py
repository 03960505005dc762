"""Store tests: property-based tests run deterministically (same examples every run).

No example database is written: a property that fails must fail the same way on every
machine, not depend on what an earlier run remembered.
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("exsync-store", derandomize=True, database=None, deadline=None)
settings.load_profile("exsync-store")
