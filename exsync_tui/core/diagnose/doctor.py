"""The connection doctor: six steps, from name resolution to opening the inbox.

1. Name resolution  2. TCP connection  3. TLS  4. Autodiscover  5. Sign-in
6. Mailbox access. Each step says what it found; the first failure names a
help topic and the steps after it are reported as skipped. Steps 4-6 are the
very stages :func:`~exsync_tui.core.connect.connect` runs, so the doctor and
connecting never disagree.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from exsync_tui.core.connect.autodiscover import STEP_PREFIX as AUTODISCOVER_STEP
from exsync_tui.core.connect.pipeline import (
    MAILBOX_STEP,
    SIGN_IN_STEP,
    ConnectContext,
    check_mailbox,
    find_endpoint,
    sign_in,
)
from exsync_tui.core.connect.recorder import StepRecorder
from exsync_tui.core.connect.request import ConnectRequest
from exsync_tui.core.connect.runner import StagesFailed, failure, run_attempt, run_stages
from exsync_tui.core.diagnose.checks import (
    NAME_STEP,
    TCP_STEP,
    TLS_STEP,
    resolve_step,
    tcp_step,
    tls_step,
)
from exsync_tui.core.net import NetScope
from exsync_tui.core.steps import Diagnosis, StepCallback, StepStatus

DOCTOR_STEPS = (NAME_STEP, TCP_STEP, TLS_STEP, AUTODISCOVER_STEP, SIGN_IN_STEP, MAILBOX_STEP)
"""The six steps, in order; every run reports each of them (some as skipped)."""

DOCTOR_BUDGET_S = 30.0


def _decline(_target: str) -> bool:
    return False


def _skip_rest(recorder: StepRecorder, reason: str) -> None:
    done = {step.name for step in recorder.steps}
    for name in DOCTOR_STEPS:
        if name not in done:
            recorder.record(name, StepStatus.SKIP, reason)


def _network_steps(recorder: StepRecorder, request: ConnectRequest) -> dict[str, str]:
    target = resolve_step(recorder, request)
    tcp_step(recorder, target)
    tls_step(recorder, request, target)
    return target.facts


def _doctor_in_scope(
    request: ConnectRequest,
    recorder: StepRecorder,
    scope: NetScope,
    confirm_redirect: Callable[[str], bool],
    budget_s: float,
) -> Diagnosis:
    def stages(ctx: ConnectContext) -> dict[str, str]:
        facts = _network_steps(recorder, request)
        if request.server:
            recorder.record(AUTODISCOVER_STEP, StepStatus.SKIP, "a server is set: not needed")
        check_mailbox(ctx, sign_in(ctx, find_endpoint(ctx)))
        return facts

    result = run_stages(request, recorder, scope, confirm_redirect, budget_s, stages)
    if isinstance(result, StagesFailed):
        why = "a setting is invalid" if result.invalid_settings else "an earlier step failed"
        _skip_rest(recorder, f"not run: {why}")
        return failure(recorder.steps, result.error)
    return Diagnosis(ok=True, steps=recorder.steps, facts=result)


def diagnose(
    request: ConnectRequest,
    *,
    on_step: StepCallback,
    cancel: threading.Event,
    confirm_redirect: Callable[[str], bool] = _decline,
    budget_s: float = DOCTOR_BUDGET_S,
) -> Diagnosis:
    """Run the six steps for ``request``, stopping at the first failure.

    Cross-domain autodiscover redirects are declined unless ``confirm_redirect``
    says otherwise (the doctor never sends a password somewhere new unasked).
    """
    recorder = StepRecorder(on_step)
    return run_attempt(
        request,
        recorder,
        lambda scope: _doctor_in_scope(request, recorder, scope, confirm_redirect, budget_s),
        cancel=cancel,
        ended=_as_diagnosis,
        name="exsync-doctor",
        office365_skipped=lambda: _skip_rest(recorder, "not run for Microsoft 365 accounts yet"),
        budget_s=budget_s,
    )


def _as_diagnosis(diagnosis: Diagnosis) -> Diagnosis:
    return diagnosis
