"""Messages the server cannot give are fetched again in later runs; R and P come from the server.

The sandbox's ``set_unrenderable`` makes GetItem answer
``ErrorMimeContentConversionFailed`` for one message, as Exchange does for a
message it cannot convert to MIME.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from exsync_tui.core.sync.events import SyncWarning
from exsync_tui.core.sync.mail import MAX_FETCH_ATTEMPTS
from exsync_tui.sandbox import Sandbox
from tests.sync.helpers import (
    assert_mail_matches,
    local_mail,
    operations,
    run_sync,
    synced_mailbox,
)


def _warnings(events: Sequence[object]) -> list[str]:
    return [e.message for e in events if isinstance(e, SyncWarning)]


def _stored(mail: dict[str, Counter[tuple[bytes, str]]], marker: bytes) -> bool:
    return any(marker in content for found in mail.values() for content, _ in found)


def test_a_message_the_server_could_not_render_is_fetched_again_until_it_comes(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = synced_mailbox(fresh_sandbox, messages=3)
    broken = sb.control.add_message(email, "inbox", subject="cannot render 41c7")
    sb.control.set_unrenderable(email, broken)

    first, events = run_sync(sb, profile)
    assert first.ok, first
    [warning] = _warnings(events)
    assert "ErrorMimeContentConversionFailed" in warning
    assert f"attempt 1 of {MAX_FETCH_ATTEMPTS}" in warning
    assert not _stored(local_mail(profile), b"cannot render 41c7")

    sb.control.clear_request_log()
    second, events = run_sync(sb, profile)  # nothing changed on the server: asked again anyway
    assert second.ok, second
    [warning] = _warnings(events)
    assert f"attempt 2 of {MAX_FETCH_ATTEMPTS}" in warning
    assert operations(sb)["GetItem"] == 1

    sb.control.set_unrenderable(email, broken, False)
    third, events = run_sync(sb, profile)
    assert third.ok and not _warnings(events), events
    assert_mail_matches(sb, profile)  # the message is there, byte for byte

    sb.control.clear_request_log()
    fourth, events = run_sync(sb, profile)
    assert fourth.ok and not _warnings(events)
    assert operations(sb)["GetItem"] == 0  # nothing left to fetch again


def test_fetching_again_stops_after_the_bounded_number_of_runs(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = synced_mailbox(fresh_sandbox, messages=2)
    broken = sb.control.add_message(email, "inbox", subject="never renders")
    sb.control.set_unrenderable(email, broken)
    for attempt in range(1, MAX_FETCH_ATTEMPTS + 1):
        result, events = run_sync(sb, profile)
        assert result.ok, result
        [warning] = _warnings(events)
        assert f"attempt {attempt} of {MAX_FETCH_ATTEMPTS}" in warning
    assert "only once it changes" in warning

    sb.control.clear_request_log()
    result, events = run_sync(sb, profile)
    assert result.ok and not _warnings(events)
    assert operations(sb)["GetItem"] == 0

    # A change on the server brings it again (and now it renders).
    sb.control.set_unrenderable(email, broken, False)
    sb.control.update_message(email, broken, subject="renders after an edit")
    result, events = run_sync(sb, profile)
    assert result.ok and not _warnings(events), events
    assert_mail_matches(sb, profile)


def test_answered_and_forwarded_messages_get_r_and_p_as_the_server_says(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = synced_mailbox(fresh_sandbox, messages=40)
    items = [i for i in sb.control.truth(email)["items"] if i["kind"] == "message"]
    answered = [i for i in items if i["answered"]]
    forwarded = [i for i in items if i["forwarded"]]
    assert answered and forwarded, "the sandbox should hold answered and forwarded messages"
    assert len(answered) + len(forwarded) < len(items)

    count = assert_mail_matches(sb, profile)  # flags compared include R and P
    assert count == len(items)
    on_disk = [flags for found in local_mail(profile).values() for _, flags in found]
    assert sum("R" in flags for flags in on_disk) == len(answered)
    assert sum("P" in flags for flags in on_disk) == len(forwarded)
