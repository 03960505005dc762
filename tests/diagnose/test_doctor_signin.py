"""The doctor's last three steps against the sandbox, and the topics they end in."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from exsync_tui.sandbox import Sandbox
from tests.connect.helpers import sandbox_request
from tests.diagnose.helpers import main_statuses, run_doctor, topic_id


def test_autodiscover_attempts_are_listed_under_the_main_step(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    sb.control.set_autodiscover(root=False)

    diagnosis, _ = run_doctor(sandbox_request(sb))

    assert diagnosis.ok, diagnosis
    attempts = [s for s in diagnosis.steps if s.name.startswith("Autodiscover: ")]
    assert [s.status.value for s in attempts] == ["fail", "ok"]
    assert all(s.elapsed_s is not None and s.url for s in attempts)
    assert main_statuses(diagnosis)["Autodiscover"] == "ok"


def test_a_server_setting_skips_autodiscover(sandbox: Sandbox) -> None:
    diagnosis, _ = run_doctor(sandbox_request(sandbox, server="mail.example.com"))

    assert diagnosis.ok
    assert main_statuses(diagnosis)["Autodiscover"] == "skip"


@pytest.mark.parametrize(
    ("change", "overrides", "topic", "failed_step"),
    [
        (None, {"password": "wrong"}, "credentials-rejected", "Sign-in"),
        (None, {"username": "EXAMPLE/alice"}, "username-format", "Sign-in"),
        ("modern", {}, "modern-auth-required", "Sign-in"),
        ("expired", {}, "password-expired", "Sign-in"),
        ("ews", {}, "ews-disabled", "Mailbox access"),
        (
            None,
            {"email": "nobody@example.com", "username": "EXAMPLE\\alice"},
            "mailbox-not-found",
            "Autodiscover",
        ),
    ],
)
def test_sign_in_and_mailbox_failures_name_their_topic(
    fresh_sandbox: Callable[..., Sandbox],
    change: str | None,
    overrides: dict[str, str],
    topic: str,
    failed_step: str,
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    alice = sb.info.users[0].email
    if change == "modern":
        sb.control.set_modern_auth_only(alice, True)
    elif change == "expired":
        sb.control.set_password_expired(alice, True)
    elif change == "ews":
        sb.control.set_ews_disabled(alice, True)

    diagnosis, _ = run_doctor(sandbox_request(sb, **overrides))

    assert topic_id(diagnosis) == topic
    statuses = main_statuses(diagnosis)
    assert statuses[failed_step] == "fail", statuses
    assert (statuses["Name resolution"], statuses["TCP connection"], statuses["TLS"]) == ("ok",) * 3
    assert statuses["Mailbox access"] in ("fail", "skip")


def test_a_busy_server_beyond_the_budget_is_server_busy(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    sb.control.inject_fault("busy:5000@1.0/GetFolder")

    diagnosis, _ = run_doctor(sandbox_request(sb), budget_s=1)

    assert topic_id(diagnosis) == "server-busy"
    assert main_statuses(diagnosis)["Mailbox access"] == "fail"


def test_a_cross_domain_redirect_is_declined_by_default(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=1, events=0)
    sb.control.set_redirect_address(sb.info.users[0].email, "alice@hosted.example.org")

    diagnosis, _ = run_doctor(sandbox_request(sb))

    assert topic_id(diagnosis) == "redirect-declined"
    assert main_statuses(diagnosis)["Autodiscover"] == "fail"


def test_office365_profiles_say_sign_in_comes_later(sandbox: Sandbox) -> None:
    diagnosis, _ = run_doctor(sandbox_request(sandbox, office365=True))

    assert topic_id(diagnosis) == "office365-signin-pending"
    assert set(main_statuses(diagnosis).values()) == {"skip"}
