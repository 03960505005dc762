"""The live list of connection steps: what was tried, where, how it went and how long it took."""

from __future__ import annotations

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


class StepList(VerticalScroll):
    """Steps in the order they started, as merged by :func:`~exsync_tui.ui.messages.merge_step`.

    Colour only adds to the status word each line starts with ("✓ ok", "✗ failed"), and
    never makes a line harder to read (``NO_COLOR``).
    """

    DEFAULT_CLASSES = "step-list"

    def __init__(self, steps: tuple[Step, ...] = (), *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._steps: list[Step] = list(steps)
        self._body = Static(self._render_steps(), classes="step-lines")

    def compose(self) -> ComposeResult:
        """The one static that holds every line."""
        yield self._body

    @property
    def steps(self) -> tuple[Step, ...]:
        """The steps shown, in order."""
        return tuple(self._steps)

    def clear(self) -> None:
        """Forget every step (a new attempt starts)."""
        self._steps.clear()
        self._refresh_body()

    def show(self, steps: tuple[Step, ...]) -> None:
        """Show exactly these steps (the latest list of a running attempt)."""
        self._steps = list(steps)
        self._refresh_body()
        self.scroll_end(animate=False)

    def _refresh_body(self) -> None:
        self._body.update(self._render_steps())

    def _render_steps(self) -> Text:
        if not self._steps:
            return Text("No steps yet.", style="dim")
        styles = _NO_COLOR_STYLES if self.app.no_color else _STYLES
        text = Text()
        for index, step in enumerate(self._steps):
            if index:
                text.append("\n")
            text.append(step_line(step), style=styles[step.status])
            if step.url:
                text.append(f"\n  ↳ {step.url}", style="dim")
        return text
