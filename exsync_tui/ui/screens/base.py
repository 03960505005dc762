"""The base of every dialog, and the one route from a failed worker to the error help."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.worker import Worker, WorkerState

from exsync_tui.ui import binding_ids as ids
from exsync_tui.ui.background import Cancelled

if TYPE_CHECKING:
    from exsync_tui.ui.app import ExsyncApp

ResultT = TypeVar("ResultT")


class ReportsWorkerFailures:
    """Mixin for screens: a worker that fails opens the error help instead of killing the app.

    Workers are started with ``exit_on_error=False``; their state changes are
    not bubbled, so every screen forwards them to :meth:`ExsyncApp.show_failure`.
    """

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Hand a failed worker's exception to the app (cancellations are not failures)."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            if isinstance(event.worker.error, Cancelled):
                return
            app: ExsyncApp = self.app  # type: ignore[attr-defined]
            app.show_failure(event.worker.error)


class Dialog(ReportsWorkerFailures, ModalScreen[ResultT]):
    """A modal dialog: ``escape`` closes it with ``None``; results come back through dismiss."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id=ids.CLOSE),
    ]
    DEFAULT_CLASSES = "dialog"

    def action_close(self) -> None:
        """Close without a result."""
        self.dismiss(None)
