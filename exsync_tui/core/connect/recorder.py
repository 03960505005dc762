"""Recording steps as they happen and passing them to the front end's callback.

A step is reported twice: once ``running`` when it starts (so a screen can show
what is being tried right now), then with its outcome and duration. After a
cancel the recorder goes quiet, so a worker thread finishing late cannot paint
steps onto a screen that has moved on.

Identical steps in a row (a busy server asking to wait again and again) are
kept as one step with a count: the repeated step is reported again with the
new count, and a front end replaces the line it showed.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace

from exsync_tui.core.redaction import redact
from exsync_tui.core.steps import Step, StepCallback, StepStatus

log = logging.getLogger(__name__)


@dataclass(eq=False)  # told apart by identity: two attempts at one URL are two steps
class RunningStep:
    """A step that has started; call :meth:`finish` exactly once."""

    recorder: StepRecorder
    name: str
    url: str | None
    started: float
    finished: bool = False

    def finish(self, status: StepStatus, detail: str) -> Step:
        """Record the outcome with the time since the step started."""
        self.finished = True
        self.recorder.closed(self)
        return self.recorder.record(
            self.name, status, detail, url=self.url, elapsed_s=time.monotonic() - self.started
        )


class StepRecorder:
    """Collects finished steps and forwards every step to ``on_step``."""

    def __init__(self, on_step: StepCallback | None = None) -> None:
        self._on_step = on_step
        self._steps: list[Step] = []
        self._open: list[RunningStep] = []
        self._lock = threading.Lock()
        self._muted = False

    @property
    def steps(self) -> tuple[Step, ...]:
        """The finished steps so far, in order."""
        with self._lock:
            return tuple(self._steps)

    def mute(self) -> None:
        """Stop recording and forwarding (after a cancel)."""
        with self._lock:
            self._muted = True

    def _emit(self, step: Step) -> None:
        if self._on_step is None:
            return
        try:
            self._on_step(step)
        except Exception:  # a broken screen must not break connecting
            log.exception("step callback failed")

    def start(self, name: str, detail: str = "", url: str | None = None) -> RunningStep:
        """Announce a step as running."""
        with self._lock:
            muted = self._muted
        if not muted:
            self._emit(Step(name=name, status=StepStatus.RUNNING, detail=redact(detail), url=url))
        running = RunningStep(self, name, url, time.monotonic())
        with self._lock:
            self._open.append(running)
        return running

    def closed(self, running: RunningStep) -> None:
        """``running`` has its outcome (called by :meth:`RunningStep.finish`)."""
        with self._lock:
            if running in self._open:
                self._open.remove(running)

    def fail_open(self, detail: str) -> None:
        """Finish every step still running as failed with ``detail``: a failure that escaped
        a step must not leave it unfinished (it would be reported as not run)."""
        with self._lock:
            still_open = list(reversed(self._open))
        for running in still_open:
            if not running.finished:
                running.finish(StepStatus.FAIL, detail)

    def record(
        self,
        name: str,
        status: StepStatus,
        detail: str,
        *,
        url: str | None = None,
        elapsed_s: float | None = None,
    ) -> Step:
        """Record a finished step (details are redacted: they may quote server answers)."""
        step = Step(
            name=name,
            status=status,
            detail=redact(detail),
            url=url,
            elapsed_s=round(elapsed_s, 3) if elapsed_s is not None else None,
        )
        with self._lock:
            if self._muted:
                return step
            last = self._steps[-1] if self._steps else None
            if last is not None and (last.name, last.status, last.detail, last.url) == (
                step.name,
                step.status,
                step.detail,
                step.url,
            ):
                step = replace(step, repeats=last.repeats + 1)
                self._steps[-1] = step
            else:
                self._steps.append(step)
        self._emit(step)
        return step
