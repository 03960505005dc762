"""Classifying exsync's own limits and hostile answers: never ``unexpected-error``."""

from __future__ import annotations

import base64

import pytest
import requests
import spnego

from exsync_tui.core.connect.autodiscover_soap import UnsafeAnswerError, parse_response
from exsync_tui.core.diagnose.classify import DEADLINE_TOPIC, classify
from exsync_tui.core.net import DeadlineExceededError, ResponseTooLargeError
from tests.hostile.behaviours import BILLION_LAUGHS, JUNK_CHALLENGE


def test_the_deadline_wins_over_the_broken_connection_it_caused() -> None:
    # At the deadline the watchdog shuts the socket down: the read fails as a reset.
    try:
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except ConnectionResetError as reset:
            raise DeadlineExceededError(30) from reset
    except DeadlineExceededError as error:
        found = classify(error)
    assert (found.topic_id, found.detail) == (
        DEADLINE_TOPIC,
        "the server did not finish answering within the 30 s allowed",
    )


def test_a_refused_answer_names_its_address() -> None:
    error = requests.exceptions.ConnectionError(ResponseTooLargeError(4 << 20, "https://x.test/a"))
    found = classify(error)
    assert found.topic_id == "response-rejected"
    assert "larger than 4 MiB" in found.detail and found.facts == {"url": "https://x.test/a"}


def test_the_autodiscover_parser_refuses_entities_as_a_bad_answer() -> None:
    with pytest.raises(UnsafeAnswerError, match="declares a DTD") as raised:
        parse_response(BILLION_LAUGHS)
    assert classify(raised.value.__cause__).topic_id == "response-rejected"  # type: ignore[arg-type]


def test_a_garbage_ntlm_challenge_is_a_sign_in_problem() -> None:
    client = spnego.client("user", "pw", protocol="ntlm", options=spnego.NegotiateOptions.use_ntlm)
    client.step()
    with pytest.raises(Exception) as raised:  # noqa: PT011 - whatever pyspnego raises
        client.step(base64.b64decode(JUNK_CHALLENGE))
    assert classify(raised.value).topic_id == "auth-unsupported"
    assert classify(ValueError("unrelated")).topic_id == "unexpected-error"
