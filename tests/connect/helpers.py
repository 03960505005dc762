"""Building connect requests that reach a sandbox under its real names, through connect-to."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from exsync_tui.core.connect import ConnectOutcome, ConnectRequest, connect
from exsync_tui.core.steps import Step, StepStatus
from exsync_tui.sandbox import Sandbox, SandboxUser


def sandbox_connect_to(sb: Sandbox) -> tuple[str, ...]:
    """Map the domain, autodiscover and mail hosts (443, and 80 for the redirect) to the sandbox."""
    info = sb.info
    domain = info.domain
    rules = [f"{host}:443:127.0.0.1:{info.port}" for host in (domain, f"autodiscover.{domain}")]
    rules.append(f"mail.{domain}:443:127.0.0.1:{info.port}")
    rules.append(f"autodiscover.{domain}:80:127.0.0.1:{info.http_port}")
    return tuple(rules)


def sandbox_request(sb: Sandbox, user: int = 0, **overrides: Any) -> ConnectRequest:
    """An autodiscover request for the sandbox's ``user``-th mailbox, trusting its CA."""
    info = sb.info
    account = info.users[user]
    request = ConnectRequest(
        email=account.email,
        password=account.password,
        ca_file=info.ca_file,
        connect_to=sandbox_connect_to(sb),
        dns_server=info.dns_server,
    )
    return replace(request, **overrides)


def unroutable_request(sb: Sandbox) -> ConnectRequest:
    """A request whose mail server is mapped to a private address with no route (never dialled)."""
    from tests.loopback_guard import UNROUTABLE_PRIVATE

    server = f"mail.{sb.info.domain}"
    mapping = f"{server}:443:{UNROUTABLE_PRIVATE}:443"
    return sandbox_request(sb, server=server, connect_to=(mapping,))


class StepLog:
    """Collects the steps a connect reports, and can signal when one starts."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.started: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def __call__(self, step: Step) -> None:
        with self._lock:
            self.steps.append(step)
            for prefix, event in self.started.items():
                if step.status is StepStatus.RUNNING and step.name.startswith(prefix):
                    event.set()

    def when_started(self, prefix: str) -> threading.Event:
        """An event set when a step whose name starts with ``prefix`` starts running."""
        event = threading.Event()
        with self._lock:
            self.started[prefix] = event
        return event


def run_connect(
    request: ConnectRequest, *, confirm: bool = True, **kwargs: Any
) -> tuple[ConnectOutcome, list[str]]:
    """Connect with a fresh cancel event; returns the outcome and the redirects asked about."""
    asked: list[str] = []

    def confirm_redirect(target: str) -> bool:
        asked.append(target)
        return confirm

    outcome = connect(
        request,
        on_step=kwargs.pop("on_step", StepLog()),
        cancel=kwargs.pop("cancel", threading.Event()),
        confirm_redirect=confirm_redirect,
        **kwargs,
    )
    return outcome, asked


def statuses(outcome: ConnectOutcome) -> dict[str, str]:
    """Final status of every step, by step name (later steps of the same name win)."""
    return {step.name: step.status.value for step in outcome.diagnosis.steps}


def topic_id(outcome: ConnectOutcome) -> str | None:
    """The help topic id of an outcome (None on success)."""
    topic = outcome.diagnosis.topic
    return topic.id if topic else None


def redirected_outside_the_domain(
    fresh_sandbox: Callable[..., Sandbox], **overrides: Any
) -> tuple[Sandbox, SandboxUser, str]:
    """A fresh sandbox whose autodiscover sends its first user on to 127.0.0.1: another 'domain'."""
    sb = fresh_sandbox(**{"messages": 1, "events": 0, **overrides})
    user = sb.info.users[0]
    elsewhere = f"https://127.0.0.1:{sb.info.port}/autodiscover/autodiscover.svc"
    sb.control.set_redirect_url(user.email, elsewhere)
    return sb, user, elsewhere
