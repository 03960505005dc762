"""The connection doctor: six steps, from name resolution to opening the inbox.

1. Name resolution  2. TCP connection  3. TLS  4. Autodiscover  5. Sign-in
6. Mailbox access. Each step says what it found; the first failure names a
help topic and the steps after it are reported as skipped. Steps 4-6 are the
very stages :func:`~exsync_tui.core.connect.connect` runs, so the doctor and
connecting never disagree.

With a server set, the network steps look at that server first. In
autodiscover mode the doctor walks connect's path: autodiscover first (a bare
domain refusing port 443 is one failed attempt, not a failure, exactly as when
connecting), then the network steps for the hosts actually used — the
autodiscover host that answered and the EWS host — then sign-in. When
autodiscover fails, the network steps look at the host it failed on, to tell
why in detail; the help topic stays the one connecting would name.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from exsync_tui.core.connect.autodiscover import STEP_PREFIX as AUTODISCOVER_STEP
from exsync_tui.core.connect.pipeline import (
    MAILBOX_STEP,
    SIGN_IN_STEP,
    ConnectContext,
    Endpoint,
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
    Candidate,
    resolve_step,
    target_of,
    tcp_step,
    tls_step,
)
from exsync_tui.core.diagnose.classify import TopicError
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


def _network_steps(
    recorder: StepRecorder, request: ConnectRequest, candidates: list[Candidate] | None = None
) -> dict[str, str]:
    target = resolve_step(recorder, request, candidates)
    tcp_step(recorder, target)
    tls_step(recorder, request, target)
    return target.facts


def _hosts_used(endpoint: Endpoint) -> list[Candidate]:
    """The autodiscover host that answered, then the EWS host (each once)."""
    urls = [endpoint.autodiscover_url, endpoint.ews_url]
    used: list[Candidate] = []
    for url in urls:
        if url and target_of(url) not in used:
            used.append(target_of(url))
    return used


def _failed_on(recorder: StepRecorder, error: TopicError) -> list[Candidate] | None:
    """Where autodiscover failed: the telling attempt's host, else the https hosts it tried,
    latest first (name resolution takes the first that resolves, and lists the others);
    None when it tried none (then the usual candidates are looked at)."""
    url = error.facts.get("url")
    if url:
        return [target_of(url)]
    tried: list[Candidate] = []
    for step in reversed(recorder.steps):
        attempt = step.name.startswith(f"{AUTODISCOVER_STEP}: ")
        if attempt and step.url and step.url.startswith("https://"):
            host = target_of(step.url)
            if host not in tried:
                tried.append(host)
    return tried or None


def _explain_autodiscover_failure(
    recorder: StepRecorder, request: ConnectRequest, error: TopicError
) -> TopicError:
    """Run the network steps where autodiscover failed; a network step failing for the same
    reason tells it in more detail (and offers the certificate to pin)."""
    if error.topic_id == "cancelled":
        return error  # nobody is waiting for the answer any more
    try:
        _network_steps(recorder, request, _failed_on(recorder, error))
    except TopicError as found:
        if found.topic_id == error.topic_id:
            return found
    return error


def _autodiscover_path(ctx: ConnectContext, recorder: StepRecorder) -> dict[str, str]:
    """Connect's path in autodiscover mode, with the network steps for the hosts it used."""
    try:
        endpoint = find_endpoint(ctx)
    except TopicError as error:
        raise _explain_autodiscover_failure(recorder, ctx.request, error) from error.__cause__
    facts: dict[str, str] = {}
    for host in _hosts_used(endpoint):
        facts.update(_network_steps(recorder, ctx.request, [host]))
    check_mailbox(ctx, sign_in(ctx, endpoint))
    return facts


def _doctor_in_scope(
    request: ConnectRequest,
    recorder: StepRecorder,
    scope: NetScope,
    confirm_redirect: Callable[[str], bool],
    budget_s: float,
) -> Diagnosis:
    def stages(ctx: ConnectContext) -> dict[str, str]:
        if not request.server:
            return _autodiscover_path(ctx, recorder)
        facts = _network_steps(recorder, request)
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
