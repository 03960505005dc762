"""No answer's size decides exsync's memory; DTDs and malformed NTLM get their own topics."""

from __future__ import annotations

import pytest

from tests.hostile.behaviours import entity_bomb, flood, gzip_bomb, malformed_ntlm
from tests.hostile.helpers import add_profile, exsync_child, timed_connect, timed_diagnose
from tests.hostile.server import PASSWORD, HostileServer

BUDGET_S = 10.0
FLOOD_BYTES = 500 * 1024 * 1024
PEAK_RSS_LIMIT_MIB = 150


def test_a_500_mb_answer_leaves_diagnose_under_150_mb(
    hostile: HostileServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = ("--server", f"mail.{hostile.domain}")
    assert add_profile(hostile, capsys, monkeypatch, *server, "--no-verify-connect")[0] == 0
    hostile.behave(flood(FLOOD_BYTES))

    run = exsync_child("diagnose", "hostile", "--password-stdin", stdin=f"{PASSWORD}\n")

    assert run.code == 1, run.stderr
    assert "[response-rejected]" in run.stdout
    assert "larger than 4 MiB" in run.stdout
    assert run.peak_rss_mib < PEAK_RSS_LIMIT_MIB, f"peak RSS {run.peak_rss_mib:.0f} MiB"


def test_a_flooding_autodiscover_answer_is_refused_by_name(hostile: HostileServer) -> None:
    hostile.behave(flood(FLOOD_BYTES), path="/autodiscover")

    run = timed_connect(hostile.request(), BUDGET_S)

    assert run.topic_id == "response-rejected"
    refused = {step.name for step in run.diagnosis.steps if "larger than 4 MiB" in step.detail}
    domain = hostile.domain
    assert {
        f"Autodiscover: https://{domain}/autodiscover/autodiscover.svc",
        f"Autodiscover: https://autodiscover.{domain}/autodiscover/autodiscover.svc",
    } <= refused


def test_a_gzip_bomb_is_capped_by_what_it_decodes_to(hostile: HostileServer) -> None:
    hostile.behave(gzip_bomb(256 * 1024 * 1024))

    run = timed_diagnose(hostile.request(server=f"mail.{hostile.domain}"), BUDGET_S)

    assert run.topic_id == "response-rejected"
    assert "larger than 4 MiB" in run.failed_detail()


@pytest.mark.parametrize("where", ["autodiscover", "ews"])
def test_an_entity_bomb_is_refused_before_any_parser(hostile: HostileServer, where: str) -> None:
    hostile.behave(entity_bomb(), path=f"/{where}")
    request = hostile.request(server=f"mail.{hostile.domain}" if where == "ews" else None)

    run = timed_diagnose(request, BUDGET_S)

    assert run.topic_id == "response-rejected"
    assert "declares entities" in " ".join(step.detail for step in run.diagnosis.steps)


def test_a_malformed_ntlm_challenge_is_a_sign_in_problem(hostile: HostileServer) -> None:
    hostile.behave(malformed_ntlm())

    run = timed_diagnose(hostile.request(server=f"mail.{hostile.domain}"), BUDGET_S)

    assert run.topic_id == "auth-unsupported"
    assert "NTLM sign-in answer is malformed" in run.failed_detail()
    assert [seen.authorization for seen in hostile.seen if seen.credentialed] == ["NTLM"]


def test_a_malformed_ntlm_challenge_during_autodiscover_is_a_sign_in_problem(
    hostile: HostileServer,
) -> None:
    hostile.behave(malformed_ntlm(), path="/autodiscover")

    run = timed_connect(hostile.request(), BUDGET_S)

    assert run.topic_id == "auth-unsupported"
