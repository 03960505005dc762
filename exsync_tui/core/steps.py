"""The vocabulary shared by connecting, the connection doctor and every front end.

Connecting and diagnosing report progress as a stream of :class:`Step` objects
through a callback, and end in a :class:`Diagnosis`. The CLI prints them, the
TUI shows them live; neither adds logic of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class StepStatus(StrEnum):
    """Outcome of one step. ``running`` only appears in live progress."""

    RUNNING = "running"
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class Step:
    """One thing that was tried, e.g. a DNS lookup or one autodiscover URL.

    ``repeats`` counts identical steps in a row (a busy server asking to wait 29
    times is one step with ``repeats=29``); ``elapsed_s`` is then the last one's.
    """

    name: str
    status: StepStatus
    detail: str
    url: str | None = None
    elapsed_s: float | None = None
    repeats: int = 1

    @property
    def shown_detail(self) -> str:
        """The detail as front ends show it, with the count of repeats."""
        if self.repeats < 2:
            return self.detail
        return f"{self.detail} ({self.repeats} times)" if self.detail else f"{self.repeats} times"


@dataclass(frozen=True)
class HelpTopic:
    """A plain-language explanation of a failure, with a stable id.

    ``field`` names the advanced-settings field the user most likely needs to
    change (``username``, ``server``, ``auth``, ``ca_file``, ``pin_sha256``,
    ``connect_to``, ``password``, ``office365``) or is None.
    """

    id: str
    title: str
    explanation: str
    advice: tuple[str, ...]
    admin: str
    field: str | None = None


@dataclass(frozen=True)
class Diagnosis:
    """The end of a connect attempt or a doctor run.

    ``facts`` holds what a front end may offer to act on, e.g.
    ``{"certificate_sha256": "AB:CD:..."}`` for a certificate the user may pin.
    ``technical`` is the raw, redacted text of the failure (exception types and
    library messages) for the report's technical section; steps speak plain words.
    """

    ok: bool
    steps: tuple[Step, ...]
    topic: HelpTopic | None = None
    facts: Mapping[str, str] = field(default_factory=dict)
    technical: str = ""


StepCallback = Callable[[Step], None]
