"""``connect()``: reach a mailbox, step by step, cancellable within a second.

The work runs on a worker thread with its own network scope; the caller's
thread only waits. On cancel the caller returns at once, the scope shuts the
worker's sockets (a hung server cannot hold it), and the recorder goes quiet.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from exsync_tui.core.connect.auth import scheme_label
from exsync_tui.core.connect.autodiscover import ConfirmRedirect
from exsync_tui.core.connect.pipeline import (
    ConnectContext,
    MailboxInfo,
    SignedIn,
    check_mailbox,
    find_endpoint,
    sign_in,
    with_certificate_facts,
)
from exsync_tui.core.connect.recorder import StepRecorder
from exsync_tui.core.connect.request import ConnectOutcome, ConnectRequest
from exsync_tui.core.connect.runner import StagesFailed, failure, run_attempt, run_stages
from exsync_tui.core.connect.session import DEFAULT_BUDGET_S
from exsync_tui.core.net import NetScope
from exsync_tui.core.profiles import MailboxMetadata
from exsync_tui.core.steps import Diagnosis, StepCallback


def _metadata(email: str, ews_url: str, version: str | None, auth_type: str) -> MailboxMetadata:
    return MailboxMetadata(
        primary_smtp_address=email,
        ews_url=ews_url,
        server_version=version,
        auth_type=scheme_label(auth_type),
        last_verified=datetime.now(UTC),
        last_error_topic=None,
    )


def _connect_in_scope(
    request: ConnectRequest,
    recorder: StepRecorder,
    scope: NetScope,
    confirm_redirect: ConfirmRedirect,
    budget_s: float,
) -> ConnectOutcome:
    def stages(ctx: ConnectContext) -> tuple[SignedIn, MailboxInfo]:
        signed_in = sign_in(ctx, find_endpoint(ctx))
        return signed_in, check_mailbox(ctx, signed_in)

    result = run_stages(
        request, recorder, scope, confirm_redirect, budget_s, stages, enrich=with_certificate_facts
    )
    if isinstance(result, StagesFailed):
        return ConnectOutcome(failure(recorder.steps, result.error))
    signed_in, info = result
    learned = signed_in.endpoint
    metadata = _metadata(
        learned.smtp_address,
        learned.ews_url,
        info.server_version or learned.server_version,
        learned.auth_type,
    )
    return ConnectOutcome(Diagnosis(ok=True, steps=recorder.steps), metadata)


def connect(
    request: ConnectRequest,
    *,
    on_step: StepCallback,
    cancel: threading.Event,
    confirm_redirect: ConfirmRedirect,
    budget_s: float = DEFAULT_BUDGET_S,
) -> ConnectOutcome:
    """Reach the mailbox ``request`` describes; every attempt is reported through ``on_step``.

    ``confirm_redirect(host_or_address)`` is called (on a worker thread) before
    credentials go to another domain. ``budget_s`` bounds the whole attempt (slow
    answers and waits for a busy server alike): it ends within a few seconds of it
    whatever the server does. Returns within about 50 ms of ``cancel`` being set.
    """
    recorder = StepRecorder(on_step)
    return run_attempt(
        request,
        recorder,
        lambda scope: _connect_in_scope(request, recorder, scope, confirm_redirect, budget_s),
        cancel=cancel,
        ended=ConnectOutcome,
        name="exsync-connect",
        budget_s=budget_s,
    )
