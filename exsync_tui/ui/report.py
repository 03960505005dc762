"""The error help's background jobs: running the doctor, and saving the redacted report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Input, Label, Static

from exsync_tui.core.redaction import redact
from exsync_tui.core.steps import Diagnosis, Step
from exsync_tui.ui.background import Cancelled, run_abandonable
from exsync_tui.ui.failures import diagnosis_for_exception
from exsync_tui.ui.messages import StepsUpdated, merge_step
from exsync_tui.ui.presenters import step_line
from exsync_tui.ui.screens.base import Dialog

if TYPE_CHECKING:
    from exsync_tui.ui.app import ExsyncApp
    from exsync_tui.ui.screens.error_help import ErrorHelpScreen


def report_text(diagnosis: Diagnosis, request: Any) -> str:
    """The core's redacted report; for failures inside exsync (no request), a plain summary."""
    if request is not None:
        from exsync_tui.core.diagnose import render_report

        return render_report(diagnosis, request)
    topic = diagnosis.topic
    lines = ["exsync report"]
    if topic is not None:
        lines += [f"topic: {topic.id}", topic.title, "", topic.explanation]
    lines += ["", "steps:"] + [f"  {step_line(step)}" for step in diagnosis.steps]
    # Same safety net as the core report: whatever an exception message carried.
    return redact("\n".join(lines) + "\n")


def default_report_path(diagnosis: Diagnosis) -> str:
    """Where the save dialog suggests writing the report (in the home directory)."""
    topic = diagnosis.topic.id if diagnosis.topic else ("ok" if diagnosis.ok else "failure")
    return f"~/exsync-report-{topic}.txt"


class SaveReportDialog(Dialog[str]):
    """Asks for the file to write the report (or the sync log) to; returns the path as typed."""

    def __init__(
        self,
        suggestion: str,
        title: str = "Save the report",
        body: str = "The report holds the steps and the help topic, never passwords or tokens.",
    ) -> None:
        super().__init__()
        self._suggestion = suggestion
        self._title = title
        self._body = body

    def compose(self) -> ComposeResult:
        """The path field and the two buttons."""
        with Vertical(classes="dialog-box"):
            yield Label(self._title, classes="dialog-title")
            yield Static(self._body, classes="dialog-body")
            yield Input(self._suggestion, id="report-path", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Save", id="save", variant="primary", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Start in the path field."""
        self.query_one("#report-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """``enter`` saves."""
        self._finish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Save or cancel."""
        if event.button.id == "save":
            self._finish()
        else:
            self.dismiss(None)

    def _finish(self) -> None:
        path = self.query_one("#report-path", Input).value.strip()
        self.dismiss(path or None)


def save_report_interactively(screen: ErrorHelpScreen, diagnosis: Diagnosis, request: Any) -> None:
    """Ask for a path, then write the report there in a worker thread."""

    def chosen(path: str | None) -> None:
        if path:
            screen.run_worker(
                lambda: _write_report(screen, path, report_text(diagnosis, request)),
                name="save-report",
                group="save-report",
                thread=True,
                exit_on_error=False,
            )

    screen.app.push_screen(SaveReportDialog(default_report_path(diagnosis)), chosen)


def _write_report(screen: ErrorHelpScreen, path_text: str, text: str) -> None:
    from exsync_tui.core.files import atomic_write_text

    target = Path(path_text).expanduser()
    atomic_write_text(target, text)
    screen.app.call_from_thread(screen.notify, f"Report saved to {target}", title="Saved")


def run_doctor(screen: ErrorHelpScreen) -> None:
    """Run the screen's doctor in a worker, relaying steps; cancellable at any moment."""
    app: ExsyncApp = screen.app  # type: ignore[assignment]
    runner = screen.runner
    if runner is None:
        return
    screen.doctor_runs += 1
    run = screen.doctor_runs
    cancel = app.cancels.new()
    screen.doctor_cancel = cancel

    def work() -> None:
        steps: tuple[Step, ...] = ()

        def on_step(step: Step) -> None:
            nonlocal steps
            steps = merge_step(steps, step)
            screen.post_message(StepsUpdated(run, steps))

        try:
            diagnosis, request = run_abandonable(lambda: runner(on_step, cancel), cancel)
        except Cancelled:
            return
        except Exception as error:  # shown in this screen rather than in a second one
            diagnosis, request = diagnosis_for_exception(error), None
        finally:
            app.cancels.release(cancel)
        app.call_from_thread(_finished, screen, run, diagnosis, request)

    screen.run_worker(
        work, name="diagnose", group="diagnose", thread=True, exclusive=True, exit_on_error=False
    )


def _finished(screen: ErrorHelpScreen, run: int, diagnosis: Diagnosis, request: Any) -> None:
    if run == screen.doctor_runs and screen.is_attached:
        screen.request = request
        screen.show_diagnosis(diagnosis)


def cancel_doctor(screen: ErrorHelpScreen) -> None:
    """Stop a doctor run still in progress (the worker returns at once)."""
    if screen.doctor_cancel is not None:
        screen.doctor_cancel.set()
