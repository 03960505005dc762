"""The help-topic catalogue, the JSON shape, the text report, and the README's troubleshooting."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from exsync_tui.core.connect import ConnectRequest
from exsync_tui.core.diagnose import (
    HELP_TOPICS,
    for_profile,
    render_report,
    report_json,
    topic_by_id,
)
from exsync_tui.core.steps import Diagnosis, Step, StepStatus
from exsync_tui.sandbox import Sandbox

REQUIRED = (
    "dns-not-found",
    "private-address-vpn",
    "connection-refused",
    "connection-timeout",
    "tls-untrusted",
    "tls-name-mismatch",
    "tls-pin-mismatch",
    "autodiscover-failed",
    "credentials-rejected",
    "username-format",
    "modern-auth-required",
    "ews-disabled",
    "mailbox-not-found",
    "server-busy",
    "keyring-unavailable",
    "office365-signin-pending",
)
README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_required_topic_exists_and_is_complete() -> None:
    for topic_id in REQUIRED:
        topic = topic_by_id(topic_id)
        assert topic.title and topic.explanation and topic.advice and topic.admin
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", topic_id) for topic_id in HELP_TOPICS)


def test_the_readme_has_one_troubleshooting_subsection_per_topic() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Troubleshooting", 1)[1].split("\n## ", 1)[0]
    headings = re.findall(r"^### .*?`([a-z0-9-]+)`", section, flags=re.MULTILINE)
    assert sorted(headings) == sorted(HELP_TOPICS)


# Where the terminal UI offers what a flag does: advice naming a flag names one of these too.
TUI_PLACES = (
    "advanced settings",
    "Trust cert",
    "help screen",
    "edit the mailbox",
    "account type",
    "in the config",
)


def _cli_options() -> set[str]:
    """Every option of `exsync profiles add/edit` and `exsync diagnose`."""
    import argparse

    from exsync_tui.cli import build_parser

    def options(parser: argparse.ArgumentParser) -> set[str]:
        found = {s for a in parser._actions for s in a.option_strings}
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    found |= options(sub)
        return found

    return options(build_parser())


def test_advice_works_in_both_front_ends() -> None:
    known = _cli_options()
    for topic in HELP_TOPICS.values():
        for advice in topic.advice:
            flags = re.findall(r"(?<![\w-])--[a-z0-9-]+", advice)
            assert set(flags) <= known, f"{topic.id}: unknown flag in {advice!r}"
            # A flag comes with where the TUI has it, unless the advice is about a command
            # only the command line has (exsync diagnose reading a password).
            if flags and "exsync diagnose" not in advice:
                assert any(place in advice for place in TUI_PLACES), (
                    f"{topic.id}: {advice!r} names {flags} but not where the TUI has it"
                )


def _failed() -> tuple[Diagnosis, ConnectRequest]:
    request = ConnectRequest(
        email="alice@example.com",
        password="Pa55-word!",
        username="EXAMPLE\\alice",
        server="mail.example.com",
    )
    steps = (
        Step("Name resolution", StepStatus.OK, "mail.example.com → 127.0.0.1", elapsed_s=0.01),
        Step(
            "Sign-in", StepStatus.FAIL, "rejected; sent Authorization: Basic RVhBTVBMRVxhbGljZQ=="
        ),
        Step("Mailbox access", StepStatus.SKIP, "not run"),
    )
    return Diagnosis(False, steps, topic_by_id("credentials-rejected")), request


def test_json_shape() -> None:
    diagnosis, _ = _failed()
    result = report_json(diagnosis)
    assert set(result) == {"ok", "steps", "topic", "technical"}
    assert result["ok"] is False
    assert result["steps"][1] == {
        "name": "Sign-in",
        "status": "fail",
        "detail": "rejected; sent Authorization: [redacted]",
    }
    assert result["topic"]["id"] == "credentials-rejected" and result["topic"]["advice"]


def test_the_report_keeps_user_and_server_and_drops_secrets() -> None:
    diagnosis, request = _failed()
    text = render_report(diagnosis, request)
    assert "EXAMPLE\\alice" in text and "mail.example.com" in text
    assert "Pa55-word!" not in text and "RVhBTVBMRVxhbGljZQ==" not in text
    assert "[FAIL] Sign-in" in text and "[credentials-rejected]" in text
    assert "For the Exchange administrator:" in text


def test_the_request_repr_never_shows_the_password() -> None:
    _, request = _failed()
    assert "Pa55-word!" not in repr(request) and "Pa55-word!" not in str(request)


def test_the_report_says_the_password_is_not_included() -> None:
    diagnosis, request = _failed()
    text = render_report(diagnosis, request)
    assert "  password:    (not included)" in text


def test_no_advice_has_a_placeholder_and_the_profile_name_is_filled_in() -> None:
    for topic in HELP_TOPICS.values():
        for line in (*topic.advice, topic.admin, topic.explanation):
            assert not re.search(r"\bNAME\b", line), f"{topic.id}: {line!r}"
    named = {
        "password-expired": "exsync profiles edit work --password-prompt",
        "unexpected-error": "exsync diagnose work --report FILE",
        "keyring-unavailable": "exsync diagnose work --password-stdin",
    }
    for topic_id, command in named.items():
        generic = topic_by_id(topic_id)
        assert command not in " ".join(generic.advice)
        assert command in " ".join(for_profile(generic, "work").advice), topic_id
    assert for_profile(topic_by_id("password-expired"), None) == topic_by_id("password-expired")


def test_keyring_advice_names_the_flags_not_the_profile_file() -> None:
    advice = " ".join(topic_by_id("keyring-unavailable").advice)
    assert "--password-command" in advice and "--password-stdin" in advice
    assert "in the profile" not in advice


def test_modern_auth_advice_works_in_this_version() -> None:
    topic = topic_by_id("modern-auth-required")
    advice = " ".join(topic.advice)
    assert "NTLM or Basic" in advice
    assert "--office365" not in advice and "account type" not in advice
    assert topic.field is None  # nothing on this side to fix: the Microsoft 365 box would not help


def test_the_report_and_json_carry_the_technical_text() -> None:
    diagnosis, request = _failed()
    raw = "exchangelib.errors.MalformedResponseError: headers: {...} content: <html>"
    with_raw = replace(diagnosis, technical=raw)
    text = render_report(with_raw, request)
    assert "Technical details" in text and raw in text
    assert report_json(with_raw)["technical"] == raw
    assert "Technical details" not in render_report(diagnosis, request)


def test_a_failed_autodiscover_attempt_does_not_fail_a_passing_check() -> None:
    steps = (
        Step(
            "Autodiscover: https://example.com/autodiscover/autodiscover.svc", StepStatus.FAIL, "x"
        ),
        Step("Autodiscover", StepStatus.OK, "EWS at https://mail.example.com/EWS/Exchange.asmx"),
        Step("Sign-in", StepStatus.OK, "NTLM accepted"),
    )
    assert report_json(Diagnosis(ok=True, steps=steps))["ok"] is True
    failed_main = (*steps, Step("Mailbox access", StepStatus.FAIL, "no"))
    assert report_json(Diagnosis(ok=True, steps=failed_main))["ok"] is False


def test_repeated_steps_show_their_count() -> None:
    busy = Step("Server busy", StepStatus.WARN, "the server asked to wait 1 s", repeats=29)
    result = report_json(Diagnosis(ok=False, steps=(busy,)))
    assert result["steps"] == [
        {
            "name": "Server busy",
            "status": "warn",
            "detail": "the server asked to wait 1 s (29 times)",
        }
    ]


def test_one_failure_is_told_once_in_the_report(sandbox: Sandbox) -> None:
    """A refused password ends an autodiscover try, autodiscover and sign-in: one refusal."""
    import threading

    from exsync_tui.core.connect import connect
    from tests.connect.helpers import sandbox_request

    request = sandbox_request(sandbox, password="not-the-password")
    outcome = connect(
        request,
        on_step=lambda step: None,
        cancel=threading.Event(),
        confirm_redirect=lambda target: False,
    )
    failures = [step for step in outcome.diagnosis.steps if step.status is StepStatus.FAIL]
    assert len(failures) >= 3  # the report, not the steps, is what tells it once

    text = render_report(outcome.diagnosis, request)

    refusal = failures[0].shown_detail
    assert text.count(refusal) == 1
    assert "stopped: the failure above" in text
    assert "during autodiscover: the failure above" in text
    assert "  password:    (not included)\n" in text
