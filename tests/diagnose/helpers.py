"""Running the doctor against the sandbox and reading its steps."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from exsync_tui.core.connect import ConnectRequest
from exsync_tui.core.diagnose import diagnose
from exsync_tui.core.logging_setup import PrivateRotatingFileHandler, setup_logging
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


@contextmanager
def logging_to_file(*, debug_network: bool = False) -> Iterator[Path]:
    """exsync's redacted log file, as the CLI sets it up; removed again afterwards."""
    path = setup_logging(debug_network=debug_network)
    try:
        yield path
    finally:
        root = logging.getLogger()
        for handler in list(root.handlers):
            if isinstance(handler, PrivateRotatingFileHandler):
                root.removeHandler(handler)
                handler.close()
        for name in ("exchangelib", "urllib3", "requests_ntlm", "spnego"):
            logging.getLogger(name).setLevel(logging.NOTSET)
