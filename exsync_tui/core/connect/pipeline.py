"""The stages of reaching a mailbox, shared by connecting and the connection doctor.

1. find the EWS endpoint: the server the user gave, or autodiscover;
2. sign in: which schemes the server offers, then a real authenticated call;
3. mailbox access: open the inbox.

Each stage is a recorded step; a failure finishes the step and raises a
:class:`~exsync_tui.core.diagnose.classify.TopicError` naming the help topic.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from exchangelib import Account

from exsync_tui.core.connect.auth import (
    NoUsableScheme,
    choose_scheme,
    offered_schemes,
    scheme_label,
)
from exsync_tui.core.connect.autodiscover import AutodiscoverDriver, ConfirmRedirect
from exsync_tui.core.connect.autodiscover_soap import HEADERS
from exsync_tui.core.connect.recorder import RunningStep, StepRecorder
from exsync_tui.core.connect.request import ConnectRequest
from exsync_tui.core.connect.server_text import normalise_server
from exsync_tui.core.connect.session import BackOffCallback, BudgetRetryPolicy, build_account
from exsync_tui.core.diagnose.classify import TopicError, classify
from exsync_tui.core.net import ExsyncHTTPAdapter, NetScope, PolicyScope
from exsync_tui.core.net.credentials import CredentialScope
from exsync_tui.core.net.tls_probe import fetch_certificate
from exsync_tui.core.net.urls import wire_host
from exsync_tui.core.steps import StepStatus

SERVER_STEP = "Server"
SIGN_IN_STEP = "Sign-in"
MAILBOX_STEP = "Mailbox access"
PROBE_TIMEOUT = (5.0, 20.0)

SIGN_IN_TOPICS = frozenset(
    {
        "credentials-rejected",
        "username-format",
        "account-locked",
        "password-expired",
        "modern-auth-required",
        "auth-unsupported",
    }
)
"""Topics that mean the sign-in itself failed (as opposed to the mailbox behind it)."""

NETWORK_TOPICS = frozenset(
    {
        "cancelled",
        "dns-not-found",
        "private-address-vpn",
        "connection-refused",
        "connection-timeout",
        "tls-untrusted",
        "tls-name-mismatch",
        "tls-pin-mismatch",
        "tls-expired",
        "tls-intercepted",
        "tls-silent",
        "server-silent",
        "server-timeout",
        "proxy-error",
    }
)
"""Topics that mean the server was not reached properly at all."""

MAILBOX_TOPICS = frozenset({"ews-disabled", "mailbox-not-found", "access-denied"})
"""Topics the server answers with only after accepting the credentials: the mailbox behind
the sign-in refused, so the sign-in itself worked."""

_SOURCE_LABELS = {
    "host": "from the server name",
    "ews_url": "as given",
    "owa_url": "from the Outlook on the web address",
}


@dataclass
class ConnectContext:
    """What the stages share for one attempt."""

    request: ConnectRequest
    recorder: StepRecorder
    scope: NetScope
    policy_scope: PolicyScope
    credentials: CredentialScope
    session: requests.Session
    confirm_redirect: ConfirmRedirect
    budget_s: float


@dataclass(frozen=True)
class Endpoint:
    """Where EWS is and what is known about signing in there."""

    ews_url: str
    smtp_address: str
    server_version: str | None = None
    auth_type: str = ""  # exchangelib's spelling; empty until chosen
    offered: tuple[str, ...] = ()
    autodiscover_url: str | None = None  # the autodiscover URL that answered, if any


@dataclass(frozen=True)
class SignedIn:
    """The end of the sign-in stage.

    ``pending`` holds a failure the server gave *after* accepting the
    credentials (EWS disabled, no mailbox): the mailbox step reports it.
    """

    account: Account
    endpoint: Endpoint
    pending: TopicError | None = None


@dataclass(frozen=True)
class MailboxInfo:
    """What the mailbox check learned."""

    server_version: str | None
    inbox_items: int | None


def new_session() -> requests.Session:
    """A requests session that goes through exsync's adapter (proxies from the environment)."""
    session = requests.Session()
    session.mount("https://", ExsyncHTTPAdapter(max_retries=0))
    session.mount("http://", ExsyncHTTPAdapter(max_retries=0))
    session.headers["User-Agent"] = "exsync"
    return session


@contextmanager
def stage(
    ctx: ConnectContext, name: str, detail: str = "", url: str | None = None
) -> Iterator[RunningStep]:
    """Run a step: any exception finishes it as failed and becomes a TopicError."""
    step = ctx.recorder.start(name, detail, url)
    try:
        yield step
    except TopicError as error:
        if not step.finished:
            step.finish(StepStatus.FAIL, error.detail)
        raise
    except Exception as error:
        found = classify(error, cancelled=ctx.scope.cancelled)
        if not step.finished:
            step.finish(StepStatus.FAIL, found.detail)
        facts = dict(found.facts)
        if url:
            facts.setdefault("url", url)
        raise TopicError(found.topic_id, found.detail, facts) from error


CERTIFICATE_TOPICS = frozenset({"tls-untrusted", "tls-name-mismatch", "tls-expired"})


def with_certificate_facts(error: TopicError) -> TopicError:
    """Add the server certificate's fingerprint to a TLS failure, so the user can pin it.

    Only reads the certificate (an unverified handshake); nothing else is sent.
    """
    url = error.facts.get("url")
    if error.topic_id not in CERTIFICATE_TOPICS or not url or "certificate_sha256" in error.facts:
        return error
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        certificate = fetch_certificate(host, parts.port or 443)
    except (OSError, ValueError):
        return error
    facts = {**error.facts, "certificate_sha256": certificate.sha256, "host": host}
    enriched = TopicError(error.topic_id, error.detail, facts)
    enriched.__cause__ = error.__cause__
    return enriched


def note_sign_in_failure(recorder: StepRecorder, error: TopicError) -> None:
    """Show a sign-in failure autodiscover met as the Sign-in step's outcome too."""
    if error.topic_id in SIGN_IN_TOPICS and not any(
        step.name == SIGN_IN_STEP for step in recorder.steps
    ):
        recorder.record(SIGN_IN_STEP, StepStatus.FAIL, f"during autodiscover: {error.detail}")


def find_endpoint(ctx: ConnectContext) -> Endpoint:
    """The EWS endpoint: from the server text, or by autodiscover."""
    request = ctx.request
    if request.server:
        spec = normalise_server(request.server)
        ctx.policy_scope.add_hosts([spec.host])
        ctx.credentials.allow(spec.host)  # the user typed it: that is their confirmation
        ctx.recorder.record(
            SERVER_STEP,
            StepStatus.OK,
            f"EWS at {spec.ews_url} ({_SOURCE_LABELS[spec.source]})",
            url=spec.ews_url,
        )
        return Endpoint(ews_url=spec.ews_url, smtp_address=request.email)
    driver = AutodiscoverDriver(
        request, ctx.session, ctx.recorder, ctx.policy_scope, ctx.confirm_redirect, ctx.credentials
    )
    result = driver.run()
    ctx.recorder.record(
        "Autodiscover", StepStatus.OK, f"EWS at {result.ews_url} (via {result.autodiscover_url})"
    )
    return Endpoint(
        ews_url=result.ews_url,
        smtp_address=result.smtp_address,
        server_version=result.server_version,
        auth_type=result.auth_type,
        offered=result.offered_schemes,
        autodiscover_url=result.autodiscover_url,
    )


def probe_schemes(ctx: ConnectContext, ews_url: str) -> tuple[str, ...]:
    """The sign-in schemes the EWS endpoint offers to an unauthenticated request."""
    response = ctx.session.post(
        ews_url, data=b"", headers=HEADERS, allow_redirects=False, timeout=PROBE_TIMEOUT
    )
    response.close()
    if response.status_code != 401:
        return ()
    return offered_schemes(response.headers)


def _back_off_reporter(recorder: StepRecorder) -> BackOffCallback:
    def report(seconds: float) -> None:
        recorder.record("Server busy", StepStatus.WARN, f"the server asked to wait {seconds:g} s")

    return report


def _version_text(account: Account) -> str | None:
    version = account.version
    return f"{version.fullname} ({version.build})" if version.build else None


def sign_in(ctx: ConnectContext, endpoint: Endpoint) -> SignedIn:
    """Choose the scheme and make the first authenticated EWS call (server version)."""
    request = ctx.request
    ctx.policy_scope.add_hosts([wire_host(endpoint.ews_url)])
    with stage(ctx, SIGN_IN_STEP, url=endpoint.ews_url) as step:
        offered = endpoint.offered
        auth_type = endpoint.auth_type
        if not auth_type:
            offered = probe_schemes(ctx, endpoint.ews_url)
            try:
                auth_type = choose_scheme(offered, request.auth)
            except NoUsableScheme as error:
                raise TopicError(
                    error.topic_id, f"the server offers {', '.join(offered) or 'no scheme'}"
                ) from error
        policy = BudgetRetryPolicy(
            ctx.budget_s,
            ctx.scope.cancel,
            username=request.sign_in_name,
            email=request.email,
            on_back_off=_back_off_reporter(ctx.recorder),
            deadline=ctx.scope.deadline,
        )
        account = build_account(
            email=endpoint.smtp_address,
            ews_url=endpoint.ews_url,
            username=request.sign_in_name,
            password=request.password,
            auth_type=auth_type,
            retry_policy=policy,
        )
        offered_text = f" (server offers {', '.join(offered)})" if offered else ""
        accepted = f"{scheme_label(auth_type).upper()} accepted{offered_text}"
        pending: TopicError | None = None
        server_version: str | None = None
        try:
            server_version = _version_text(account)
        except Exception as error:
            found = classify(error, cancelled=ctx.scope.cancelled)
            if found.topic_id not in MAILBOX_TOPICS:
                # No answer, an unreadable one, or a refusal: the sign-in is not confirmed.
                raise
            # Signed in, but the mailbox behind it refused: that is the next step's story.
            pending = TopicError(found.topic_id, found.detail, found.facts)
            pending.__cause__ = error
        step.finish(StepStatus.OK, accepted)
    learned = Endpoint(
        ews_url=endpoint.ews_url,
        smtp_address=endpoint.smtp_address,
        server_version=server_version or endpoint.server_version,
        auth_type=auth_type,
        offered=offered,
    )
    return SignedIn(account, learned, pending)


def check_mailbox(ctx: ConnectContext, signed_in: SignedIn) -> MailboxInfo:
    """Open the inbox (a real EWS call), or report the failure sign-in already saw."""
    account = signed_in.account
    with stage(ctx, MAILBOX_STEP) as step:
        if signed_in.pending is not None:
            raise signed_in.pending
        inbox = account.inbox
        count = getattr(inbox, "total_count", None)
        detail = f"opened {inbox.name}" + (f" ({count} items)" if count is not None else "")
        step.finish(StepStatus.OK, detail)
    return MailboxInfo(server_version=_version_text(account), inbox_items=count)


def wait_for(
    done: threading.Event,
    cancel: threading.Event,
    poll_s: float = 0.05,
    *,
    until: float | None = None,
) -> bool:
    """Wait until ``done``; False as soon as ``cancel`` is set (checked every ``poll_s``)
    or once ``time.monotonic()`` reaches ``until``."""
    while not done.wait(poll_s):
        if cancel.is_set() or (until is not None and time.monotonic() >= until):
            return False
    return True
