"""Running the doctor against the sandbox and reading its steps."""

from __future__ import annotations

import threading
from typing import Any

from exsync_tui.core.connect import ConnectRequest
from exsync_tui.core.diagnose import diagnose
from exsync_tui.core.steps import Diagnosis, Step

MAIN_STEPS = (
    "Name resolution",
    "TCP connection",
    "TLS",
    "Autodiscover",
    "Sign-in",
    "Mailbox access",
)


def run_doctor(request: ConnectRequest, **kwargs: Any) -> tuple[Diagnosis, list[Step]]:
    """Diagnose ``request``; returns the diagnosis and every step reported live."""
    seen: list[Step] = []
    diagnosis = diagnose(request, on_step=seen.append, cancel=threading.Event(), **kwargs)
    return diagnosis, seen


def main_statuses(diagnosis: Diagnosis) -> dict[str, str]:
    """The status of each of the six main steps."""
    found = {step.name: step.status.value for step in diagnosis.steps}
    return {name: found.get(name, "missing") for name in MAIN_STEPS}


def topic_id(diagnosis: Diagnosis) -> str | None:
    """The help topic id (None when every step passed)."""
    return diagnosis.topic.id if diagnosis.topic else None
