"""``connect()``: reach a mailbox, step by step, cancellable within a second.

The work runs on a worker thread with its own network scope; the caller's
thread only waits. On cancel the caller returns at once, the scope shuts the
worker's sockets (a hung server cannot hold it), and the recorder goes quiet.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from exsync_tui.core.connect.auth import scheme_label
from exsync_tui.core.connect.autodiscover import ConfirmRedirect
from exsync_tui.core.connect.pipeline import (
    ConnectContext,
    check_mailbox,
    find_endpoint,
    new_session,
    sign_in,
    wait_for,
    with_certificate_facts,
)
from exsync_tui.core.connect.recorder import StepRecorder
from exsync_tui.core.connect.request import ConnectOutcome, ConnectRequest
from exsync_tui.core.connect.server_text import ServerTextError, normalise_server
from exsync_tui.core.connect.session import (
    DEFAULT_BUDGET_S,
    close_all_connections,
    prepare_exchangelib,
)
from exsync_tui.core.diagnose.classify import TopicError, classify
from exsync_tui.core.diagnose.topics import topic_by_id
from exsync_tui.core.net import (
    ConnectToError,
    HostPolicy,
    NetScope,
    applied,
    net_scope,
    normalise_pin,
    parse_connect_to_list,
    parse_nameserver,
)
from exsync_tui.core.profiles import MailboxMetadata
from exsync_tui.core.redaction import register_secret
from exsync_tui.core.steps import Diagnosis, Step, StepCallback, StepStatus

T = TypeVar("T")


def _invalid(field: str, detail: str) -> TopicError:
    return TopicError("settings-invalid", detail, {"field": field})


def policy_for(request: ConnectRequest) -> HostPolicy:
    """The network policy a request asks for; raises TopicError(settings-invalid)."""
    try:
        rules = parse_connect_to_list(request.connect_to)
    except ConnectToError as error:
        raise _invalid("connect_to", str(error)) from error
    pin = None
    if request.pin_sha256:
        try:
            pin = normalise_pin(request.pin_sha256)
        except ValueError as error:
            raise _invalid("pin_sha256", str(error)) from error
    ca_file = None
    if request.ca_file:
        ca_path = Path(request.ca_file).expanduser()
        if not ca_path.is_file():
            raise _invalid("ca_file", f"the CA file {ca_path} does not exist")
        ca_file = str(ca_path)
    if request.dns_server:
        try:
            parse_nameserver(request.dns_server)
        except ValueError as error:
            raise _invalid("dns_server", f"{request.dns_server!r} is not ADDRESS[:PORT]") from error
    return HostPolicy(
        ca_file=ca_file, pin_sha256=pin, nameserver=request.dns_server, connect_to=rules
    )


def initial_hosts(request: ConnectRequest) -> list[str]:
    """The hosts a request talks to first (more are added as they are learned)."""
    hosts = [request.domain, f"autodiscover.{request.domain}"]
    if request.server:
        try:
            hosts.append(normalise_server(request.server).host)
        except ServerTextError as error:
            raise _invalid("server", error.reason) from error
    return hosts


def failure(steps: tuple[Step, ...], error: TopicError) -> Diagnosis:
    """A failed diagnosis for ``error``, with the field to fix when known."""
    facts = dict(error.facts)
    topic = topic_by_id(error.topic_id)
    if topic.field and "field" not in facts:
        facts["field"] = topic.field
    return Diagnosis(ok=False, steps=steps, topic=topic, facts=facts)


@dataclass
class _Worker:
    """Runs a function on a daemon thread and keeps its result or exception."""

    name: str
    result: object = None
    error: BaseException | None = None

    def run(self, work: Callable[[], object], cancel: threading.Event) -> bool:
        done = threading.Event()

        def target() -> None:
            try:
                self.result = work()
            except BaseException as error:  # handed to the caller's thread
                self.error = error
            finally:
                done.set()

        threading.Thread(target=target, name=self.name, daemon=True).start()
        return wait_for(done, cancel)


def run_cancellable(
    work: Callable[[NetScope], T],
    *,
    cancel: threading.Event,
    recorder: StepRecorder,
    cancelled_result: Callable[[tuple[Step, ...]], T],
    name: str,
) -> T:
    """Run ``work`` on a worker thread in a fresh network scope; return early on cancel."""
    scope = NetScope(cancel=cancel)

    def scoped() -> object:
        with net_scope(scope):
            return work(scope)

    worker = _Worker(name)
    if not worker.run(scoped, cancel):
        recorder.mute()
        scope.abort()
        return cancelled_result(recorder.steps)
    if worker.error is not None:
        raise worker.error
    return worker.result  # type: ignore[return-value]


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
