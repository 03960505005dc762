"""The live list of connection steps: what was tried, where, how it went and how long it took."""

from __future__ import annotations

import time
from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from exsync_tui.core.steps import Step, StepStatus
from exsync_tui.ui.presenters import step_line

_STYLES = {
    StepStatus.RUNNING: "bold",
    StepStatus.OK: "green",
    StepStatus.WARN: "yellow",
    StepStatus.FAIL: "bold red",
    StepStatus.SKIP: "dim",
}
# NO_COLOR turns colours into greys by brightness, and red becomes dark grey on near-black:
# there a failure is the plain, brightest text, in bold.
_NO_COLOR_STYLES = {**_STYLES, StepStatus.FAIL: "bold"}
TICK_S = 1.0
"""How often a running step's elapsed time is redrawn."""


class StepList(VerticalScroll):
    """Steps in the order they started, as merged by :func:`~exsync_tui.ui.messages.merge_step`.

    Colour only adds to the status word each line starts with ("✓ ok", "✗ failed"), and
    never makes a line harder to read (``NO_COLOR``). A running step shows how long it has
    been running, counted from when it was first shown.
    """

    DEFAULT_CLASSES = "step-list"

    def __init__(self, steps: tuple[Step, ...] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._steps: list[Step] = list(steps)
        self._started: dict[tuple[str, str | None], float] = {}
        self._body = Static(Text(""), classes="step-lines")

    def compose(self) -> ComposeResult:
        """The one static that holds every line."""
        yield self._body

    def on_mount(self) -> None:
        """Draw the steps given, and keep running steps' times moving."""
        self._refresh_body()
        self.set_interval(TICK_S, self._tick)

    @property
    def steps(self) -> tuple[Step, ...]:
        """The steps shown, in order."""
        return tuple(self._steps)

    def clear(self) -> None:
        """Forget every step (a new attempt starts)."""
        self._steps.clear()
        self._started.clear()
        self._refresh_body()

    def show(self, steps: tuple[Step, ...]) -> None:
        """Show exactly these steps (the latest list of a running attempt)."""
        self._steps = list(steps)
        now = self._now()
        for step in steps:
            if step.status is StepStatus.RUNNING:
                self._started.setdefault((step.name, step.url), now)
        self._refresh_body()
        self.scroll_end(animate=False)

    def stop_running(self, why: str) -> None:
        """The attempt ended (cancelled): no step may still claim to be running."""
        self._steps = [
            replace(
                step,
                status=StepStatus.SKIP,
                detail=why,
                elapsed_s=self._running_for(step),
            )
            if step.status is StepStatus.RUNNING
            else step
            for step in self._steps
        ]
        self._refresh_body()

    def _now(self) -> float:
        """Seconds on the app's clock (fixed in pictures and tests), else the monotonic one."""
        context = getattr(self.app, "context", None)
        clock = getattr(context, "clock", None)
        return clock().timestamp() if clock is not None else time.monotonic()

    def _running_for(self, step: Step) -> float:
        started = self._started.get((step.name, step.url))
        return max(0.0, self._now() - started) if started is not None else 0.0

    def _tick(self) -> None:
        if any(step.status is StepStatus.RUNNING for step in self._steps):
            self._refresh_body()

    def _refresh_body(self) -> None:
        if self.is_attached:
            self._body.update(self._render_steps())

    def _render_steps(self) -> Text:
        if not self._steps:
            return Text("No steps yet.", style="dim")
        styles = _NO_COLOR_STYLES if self.app.no_color else _STYLES
        text = Text()
        for index, step in enumerate(self._steps):
            if index:
                text.append("\n")
            running = self._running_for(step) if step.status is StepStatus.RUNNING else None
            text.append(step_line(step, running_for=running), style=styles[step.status])
            if step.url:
                text.append(f"\n  ↳ {step.url}", style="dim")
        return text
