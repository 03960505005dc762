"""Running one attempt: settings checked into a network policy, work on a cancellable thread.

Shared by :func:`~exsync_tui.core.connect.connect` and the connection doctor:
:func:`run_attempt` is how both start (Microsoft 365 and an early cancel handled
alike), :func:`run_cancellable` gives the attempt its thread and network scope, and
:func:`run_stages` sets up exchangelib and the session around the stages each
of them runs, and turns any failure into a help topic.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from exsync_tui.core.connect.autodiscover import ConfirmRedirect
from exsync_tui.core.connect.pipeline import (
    ConnectContext,
    new_session,
    note_sign_in_failure,
    wait_for,
)
from exsync_tui.core.connect.recorder import StepRecorder
from exsync_tui.core.connect.request import ConnectRequest
from exsync_tui.core.connect.server_text import ServerTextError, normalise_server
from exsync_tui.core.connect.session import close_all_connections, prepare_exchangelib
from exsync_tui.core.diagnose.classify import TopicError, classify
from exsync_tui.core.diagnose.technical import technical_text
from exsync_tui.core.diagnose.topics import topic_by_id
from exsync_tui.core.net import (
    SMALL_RESPONSE_MAX_BYTES,
    ConnectToError,
    DeadlineExceededError,
    HostPolicy,
    NetScope,
    applied,
    net_scope,
    normalise_pin,
    parse_connect_to_list,
    parse_nameserver,
)
from exsync_tui.core.net.credentials import credentials_scope
from exsync_tui.core.redaction import register_secret
from exsync_tui.core.steps import Diagnosis, Step, StepStatus

T = TypeVar("T")

log = logging.getLogger(__name__)


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
    technical = technical_text(error.__cause__)
    return Diagnosis(ok=False, steps=steps, topic=topic, facts=facts, technical=technical)


def _stages_failed(recorder: StepRecorder, error: TopicError) -> StagesFailed:
    """Finish the step the failure escaped from, and log it (redacted by the log handler)."""
    recorder.fail_open(error.detail)
    # INFO, not WARNING: with no log file set up, Python would print warnings (and the
    # traceback) on stderr, unredacted.
    log.info(
        "connection check failed [%s]: %s",
        error.topic_id,
        error.detail,
        exc_info=error.__cause__ or error,
    )
    return StagesFailed(error)


@dataclass(frozen=True)
class StagesFailed:
    """Why :func:`run_stages` did not finish: the error, and whether a setting was invalid
    (then no stage ran)."""

    error: TopicError
    invalid_settings: bool = False


def _unchanged(error: TopicError) -> TopicError:
    return error


def run_stages(
    request: ConnectRequest,
    recorder: StepRecorder,
    scope: NetScope,
    confirm_redirect: ConfirmRedirect,
    budget_s: float,
    stages: Callable[[ConnectContext], T],
    *,
    enrich: Callable[[TopicError], TopicError] = _unchanged,
) -> T | StagesFailed:
    """Run ``stages`` with the request's network policy, a fresh session and clean
    exchangelib caches; return their result, or why they failed.

    Invalid settings are recorded as a failed "Settings" step. A stage's
    TopicError is passed through ``enrich`` while the policy still allows its
    hosts (e.g. to read a server certificate); anything unforeseen still ends in
    a help topic, never a traceback. The password is redacted from logs
    throughout, and no pooled connection outlives the attempt.
    """
    with register_secret(request.password):
        try:
            policy = policy_for(request)
            hosts = initial_hosts(request)
        except TopicError as error:
            recorder.record("Settings", StepStatus.FAIL, error.detail)
            return StagesFailed(error, invalid_settings=True)
        prepare_exchangelib()
        with (
            applied(policy, hosts) as policy_scope,
            credentials_scope() as credentials,
            new_session() as session,
        ):
            ctx = ConnectContext(
                request,
                recorder,
                scope,
                policy_scope,
                credentials,
                session,
                confirm_redirect,
                budget_s,
            )
            close_all_connections()
            try:
                return stages(ctx)
            except TopicError as error:
                note_sign_in_failure(recorder, error)
                return _stages_failed(recorder, enrich(error))
            except Exception as error:
                found = classify(error, cancelled=scope.cancelled)
                classified = TopicError(found.topic_id, found.detail, found.facts)
                classified.__cause__ = error
                return _stages_failed(recorder, classified)
            finally:
                close_all_connections()


@dataclass
class _Worker:
    """Runs a function on a daemon thread and keeps its result or exception."""

    name: str
    result: object = None
    error: BaseException | None = None

    def run(
        self, work: Callable[[], object], cancel: threading.Event, until: float | None = None
    ) -> bool:
        done = threading.Event()

        def target() -> None:
            try:
                self.result = work()
            except BaseException as error:  # handed to the caller's thread
                self.error = error
            finally:
                done.set()

        threading.Thread(target=target, name=self.name, daemon=True).start()
        try:
            return wait_for(done, cancel, until=until)
        except KeyboardInterrupt:
            # Ctrl-C on the command line lands on this (the main) thread: it is a cancel.
            cancel.set()
            return False


DEADLINE_GRACE_S = 2.0
"""After the deadline, how long the worker gets to report its own failure (its sockets are
already shut) before the caller returns without it."""


def deadline_error(budget_s: float | None) -> TopicError:
    """The failure of an attempt that ran out of time."""
    found = classify(DeadlineExceededError(budget_s))
    return TopicError(found.topic_id, found.detail, found.facts)


def run_cancellable(
    work: Callable[[NetScope], T],
    *,
    cancel: threading.Event,
    recorder: StepRecorder,
    cancelled_result: Callable[[tuple[Step, ...]], T],
    name: str,
    budget_s: float | None = None,
    expired_result: Callable[[tuple[Step, ...]], T] | None = None,
) -> T:
    """Run ``work`` on a worker thread in a fresh network scope; return early on cancel
    (Ctrl-C included) or, with ``budget_s``, soon after the scope's deadline.

    The scope caps every answer at the size of a small one and aborts the worker's
    connections at the deadline; the worker then normally reports the failure itself
    within :data:`DEADLINE_GRACE_S`, else ``expired_result`` stands for it.
    """
    scope = NetScope(cancel=cancel, budget_s=budget_s, max_response_bytes=SMALL_RESPONSE_MAX_BYTES)

    def scoped() -> object:
        with net_scope(scope):
            return work(scope)

    until = None if scope.deadline is None else scope.deadline + DEADLINE_GRACE_S
    worker = _Worker(name)
    if not worker.run(scoped, cancel, until):
        recorder.mute()
        scope.abort()
        if cancel.is_set() or expired_result is None:
            return cancelled_result(recorder.steps)
        return expired_result(recorder.steps)
    if worker.error is not None:
        raise worker.error
    return worker.result  # type: ignore[return-value]


OFFICE365_STEP = "Microsoft 365 sign-in"


def _nothing_more() -> None:
    pass


def run_attempt(
    request: ConnectRequest,
    recorder: StepRecorder,
    work: Callable[[NetScope], T],
    *,
    cancel: threading.Event,
    ended: Callable[[Diagnosis], T],
    name: str,
    office365_skipped: Callable[[], None] = _nothing_more,
    budget_s: float | None = None,
) -> T:
    """How :func:`~exsync_tui.core.connect.connect` and the doctor both start an attempt.

    Microsoft 365 is not supported yet: its sign-in step is reported as skipped,
    then ``office365_skipped`` (the doctor skips the rest of its steps), and the
    attempt fails with ``office365-signin-pending``. An attempt cancelled before
    it starts fails at once with ``cancelled``; otherwise ``work`` runs through
    :func:`run_cancellable`, within ``budget_s`` seconds when given. ``ended``
    turns the failure diagnosis into the caller's result type.
    """
    if request.office365:
        recorder.record(
            OFFICE365_STEP,
            StepStatus.SKIP,
            "Microsoft 365 sign-in (device code via Microsoft Graph) comes in a later version",
        )
        office365_skipped()
        error = TopicError("office365-signin-pending", "Microsoft 365 sign-in is not available yet")
        return ended(failure(recorder.steps, error))

    def cancelled(steps: tuple[Step, ...]) -> T:
        return ended(failure(steps, TopicError("cancelled", "cancelled")))

    def expired(steps: tuple[Step, ...]) -> T:
        return ended(failure(steps, deadline_error(budget_s)))

    if cancel.is_set():
        return cancelled(())
    return run_cancellable(
        work,
        cancel=cancel,
        recorder=recorder,
        cancelled_result=cancelled,
        name=name,
        budget_s=budget_s,
        expired_result=expired,
    )
