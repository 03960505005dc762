"""``python -m exsync_tui.ui.screenshots DIR``: an SVG of every scenario at every size.

The same :mod:`exsync_tui.ui.scenarios` drive the snapshot tests, so the
pictures in ``screenshots/`` are what the tests check.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from exsync_tui.ui.scenarios import SCENARIOS, SIZES, Scenario


def render(item: Scenario, size: tuple[int, int]) -> str:
    """The SVG of one scenario at one terminal size."""
    app = item.build()
    svg: list[str] = []

    async def auto_pilot(pilot) -> None:  # type: ignore[no-untyped-def]
        if item.run_before is not None:
            await item.run_before(pilot)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        svg.append(app.export_screenshot(title=f"exsync — {item.description}"))
        app.exit()

    app.run(headless=True, size=size, auto_pilot=auto_pilot)
    # Rich gives every export a random id; without it the files only change with the UI.
    return re.sub(r"\bterminal-\d+-", "terminal-", svg[0])


def main(argv: list[str] | None = None) -> int:
    """Write ``DIR/<scenario>-<cols>x<rows>.svg`` for every scenario and size."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0] if args else "screenshots")
    target.mkdir(parents=True, exist_ok=True)
    for item in SCENARIOS:
        for size in SIZES:
            path = target / f"{item.name}-{size[0]}x{size[1]}.svg"
            path.write_text(render(item, size), encoding="utf-8")
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
