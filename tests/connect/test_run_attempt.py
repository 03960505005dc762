"""How connect() and the doctor start: one shared run_attempt, so both answer alike."""

from __future__ import annotations

import threading

from exsync_tui.core.connect import ConnectRequest, connect
from exsync_tui.core.diagnose import diagnose
from exsync_tui.core.steps import Step
from tests.loopback_guard import LoopbackGuard


def _request() -> ConnectRequest:
    return ConnectRequest(email="jane@example.com", password="pw", server="mail.example.com")


def test_an_attempt_cancelled_before_it_starts_does_nothing_and_says_cancelled(
    loopback_only: LoopbackGuard,
) -> None:
    cancel = threading.Event()
    cancel.set()
    seen: list[Step] = []

    outcome = connect(
        _request(), on_step=seen.append, cancel=cancel, confirm_redirect=lambda target: False
    )
    diagnosis = diagnose(_request(), on_step=seen.append, cancel=cancel)

    for result in (outcome.diagnosis, diagnosis):
        assert result.ok is False
        assert result.topic is not None and result.topic.id == "cancelled"
        assert result.steps == ()
    assert seen == []
    assert loopback_only.connect_attempts == []
