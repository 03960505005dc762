"""How connect() and the doctor start: one shared run_attempt, so both answer alike."""

from __future__ import annotations

import threading
import time

from exsync_tui.core.connect import ConnectRequest, connect
from exsync_tui.core.connect.recorder import StepRecorder
from exsync_tui.core.connect.runner import DEADLINE_GRACE_S, run_attempt
from exsync_tui.core.diagnose import diagnose
from exsync_tui.core.diagnose.classify import DEADLINE_TOPIC
from exsync_tui.core.steps import Diagnosis, Step
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


def test_an_attempt_stuck_past_its_deadline_returns_soon_after_it() -> None:
    released = threading.Event()  # work that ignores its scope (no socket to abort)
    recorder = StepRecorder()
    started = time.monotonic()

    diagnosis = run_attempt(
        _request(),
        recorder,
        lambda scope: released.wait(60),
        cancel=threading.Event(),
        ended=lambda result: result,
        name="stuck",
        budget_s=1.0,
    )
    released.set()

    elapsed = time.monotonic() - started
    assert isinstance(diagnosis, Diagnosis)
    assert diagnosis.topic is not None and diagnosis.topic.id == DEADLINE_TOPIC
    assert 1.0 + DEADLINE_GRACE_S <= elapsed < 1.0 + DEADLINE_GRACE_S + 2.0
