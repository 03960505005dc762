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
    check_mailbox,
    find_endpoint,
    new_session,
    note_sign_in_failure,
    sign_in,
    with_certificate_facts,
)
from exsync_tui.core.connect.recorder import StepRecorder
from exsync_tui.core.connect.request import ConnectOutcome, ConnectRequest
from exsync_tui.core.connect.runner import failure, initial_hosts, policy_for, run_cancellable
from exsync_tui.core.connect.session import (
    DEFAULT_BUDGET_S,
    close_all_connections,
    prepare_exchangelib,
)
from exsync_tui.core.diagnose.classify import TopicError, classify
from exsync_tui.core.net import NetScope, applied
from exsync_tui.core.profiles import MailboxMetadata
from exsync_tui.core.redaction import register_secret
from exsync_tui.core.steps import Diagnosis, Step, StepCallback, StepStatus


def _cancelled(steps: tuple[Step, ...]) -> ConnectOutcome:
    return ConnectOutcome(failure(steps, TopicError("cancelled", "cancelled")))


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
    with register_secret(request.password):
        try:
            policy = policy_for(request)
            hosts = initial_hosts(request)
        except TopicError as error:
            recorder.record("Settings", StepStatus.FAIL, error.detail)
            return ConnectOutcome(failure(recorder.steps, error))
        prepare_exchangelib()
        with applied(policy, hosts) as policy_scope, new_session() as session:
            ctx = ConnectContext(
                request, recorder, scope, policy_scope, session, confirm_redirect, budget_s
            )
            close_all_connections()
            try:
                endpoint = find_endpoint(ctx)
                signed_in = sign_in(ctx, endpoint)
                info = check_mailbox(ctx, signed_in)
            except TopicError as error:
                note_sign_in_failure(recorder, error)
                return ConnectOutcome(failure(recorder.steps, with_certificate_facts(error)))
            except Exception as error:  # anything unforeseen still ends in a help topic
                found = classify(error, cancelled=scope.cancelled)
                topic_error = TopicError(found.topic_id, found.detail, found.facts)
                return ConnectOutcome(failure(recorder.steps, topic_error))
            finally:
                close_all_connections()
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
    credentials go to another domain. ``budget_s`` bounds the time spent
    waiting for a busy server. Returns within about 50 ms of ``cancel`` being set.
    """
    recorder = StepRecorder(on_step)
    if request.office365:
        recorder.record(
            "Microsoft 365 sign-in",
            StepStatus.SKIP,
            "Microsoft 365 sign-in (device code via Microsoft Graph) comes in a later version",
        )
        topic = TopicError("office365-signin-pending", "Microsoft 365 sign-in is not available yet")
        return ConnectOutcome(failure(recorder.steps, topic))
    if cancel.is_set():
        return _cancelled(())
    return run_cancellable(
        lambda scope: _connect_in_scope(request, recorder, scope, confirm_redirect, budget_s),
        cancel=cancel,
        recorder=recorder,
        cancelled_result=_cancelled,
        name="exsync-connect",
    )
