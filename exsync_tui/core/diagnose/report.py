"""The doctor's results as JSON (for scripts) and as a readable report (for an administrator).

Both are redacted: user name and server stay (an administrator needs them),
passwords, tokens and authorization headers never appear. The password of
the request is removed by value as well as by pattern.
"""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from typing import Any

from exsync_tui import __version__
from exsync_tui.core.connect.request import ConnectRequest
from exsync_tui.core.redaction import redact, register_secret
from exsync_tui.core.steps import Diagnosis, Step, StepStatus

_STATUS_MARKS = {
    StepStatus.OK: "ok  ",
    StepStatus.WARN: "warn",
    StepStatus.FAIL: "FAIL",
    StepStatus.SKIP: "skip",
    StepStatus.RUNNING: "... ",
}


def _is_attempt(step: Step) -> bool:
    """One try within a step (``Autodiscover: https://...``); a failed try is not a failure
    when a later one worked, exactly as when connecting."""
    return ": " in step.name


def report_json(diagnosis: Diagnosis) -> dict[str, Any]:
    """``{"ok", "steps": [{"name", "status", "detail"}], "topic": {...} | null, "technical"}``.

    ``ok`` is True only when every step passed (warnings count as passed; a failed
    attempt within a step, such as one autodiscover URL, does not count).
    ``technical`` is the raw error text ("" when there is none).
    """
    steps = [
        {"name": step.name, "status": step.status.value, "detail": redact(step.shown_detail)}
        for step in diagnosis.steps
    ]
    topic = diagnosis.topic
    passed = diagnosis.ok and all(
        step.status in (StepStatus.OK, StepStatus.WARN, StepStatus.SKIP)
        for step in diagnosis.steps
        if not _is_attempt(step)
    )
    return {
        "ok": passed,
        "steps": steps,
        "topic": (
            {"id": topic.id, "title": topic.title, "advice": list(topic.advice)}
            if topic is not None
            else None
        ),
        "technical": redact(diagnosis.technical),
    }


def _settings_lines(request: ConnectRequest) -> list[str]:
    lines = [
        f"  email:       {request.email}",
        f"  user name:   {request.sign_in_name}",
        f"  server:      {request.server or '(autodiscover)'}",
        f"  auth:        {request.auth}",
        "  TLS trust:   "
        + (
            f"pinned SHA-256 {request.pin_sha256}"
            if request.pin_sha256
            else (f"CA file {request.ca_file}" if request.ca_file else "system CAs")
        ),
    ]
    if request.connect_to:
        lines.append(f"  connect-to:  {', '.join(request.connect_to)}")
    if request.dns_server:
        lines.append(f"  nameserver:  {request.dns_server}")
    lines.append("  password:    (not included)")
    return lines


def _details_once(steps: tuple[Step, ...]) -> list[str]:
    """Each step's detail, with a failure already told by an earlier step named, not repeated.

    One refusal ends an autodiscover attempt, the autodiscover step ("stopped: …") and the
    sign-in ("during autodiscover: …"); an administrator reads it once, then where it struck.
    """
    told: list[str] = []
    details = []
    for step in steps:
        detail = step.shown_detail
        if step.status is StepStatus.FAIL and detail:
            earlier = next((d for d in told if detail == d or detail.endswith(f": {d}")), None)
            if earlier is None:
                told.append(detail)
            else:
                detail = detail[: len(detail) - len(earlier)] + "the failure above"
        details.append(detail)
    return details


def render_report(diagnosis: Diagnosis, request: ConnectRequest) -> str:
    """A plain-text report to hand to an Exchange administrator or support."""
    with register_secret(request.password):
        lines = [
            "exsync connection report",
            "========================",
            f"created:  {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC",
            f"exsync:   {__version__} on {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}",
            f"result:   {'connected' if diagnosis.ok else 'failed'}",
            "",
            "Settings",
            "--------",
            *_settings_lines(request),
            "",
            "Steps",
            "-----",
        ]
        for step, detail in zip(diagnosis.steps, _details_once(diagnosis.steps), strict=True):
            elapsed = f" ({step.elapsed_s:.2f} s)" if step.elapsed_s is not None else ""
            lines.append(f"  [{_STATUS_MARKS[step.status]}] {step.name}{elapsed}")
            if detail:
                lines.append(f"         {detail}")
        topic = diagnosis.topic
        if topic is not None:
            lines += [
                "",
                f"Problem: {topic.title} [{topic.id}]",
                "-" * (len(topic.title) + len(topic.id) + 12),
                topic.explanation,
                "",
                "What to try:",
                *(f"  - {advice}" for advice in topic.advice),
                "",
                f"For the Exchange administrator: {topic.admin}",
            ]
        if diagnosis.facts:
            lines += ["", "Facts"]
            lines += [f"  {key}: {value}" for key, value in sorted(diagnosis.facts.items())]
        if diagnosis.technical:
            lines += ["", "Technical details", "-----------------"]
            lines += [f"  {line}" for line in diagnosis.technical.splitlines()]
        return redact("\n".join(lines) + "\n")
