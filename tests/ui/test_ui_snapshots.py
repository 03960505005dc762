"""How every screen looks, at 80x24 and 120x40, from the same scenarios as ``make screenshots``.

Update the pictures after a deliberate change with
``pytest tests/ui/test_ui_snapshots.py --snapshot-update`` and look at them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from exsync_tui.ui.scenarios import SCENARIOS, SIZES, Scenario


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("item", SCENARIOS, ids=lambda item: item.name)
def test_screen_looks_as_recorded(
    item: Scenario, size: tuple[int, int], snap_compare: Callable[..., bool]
) -> None:
    assert snap_compare(item.build(), terminal_size=size, run_before=item.run_before)
