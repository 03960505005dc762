"""Fetching content: MIME byte for byte in concurrent batches, calendars, size cap, gone items."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import icalendar
import pytest

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.sources import FetchedItem, FetchProblem
from exsync_tui.sandbox import Sandbox
from tests.sources.helpers import open_source, truth_items


def _get_items(sb: Sandbox) -> list[dict[str, Any]]:
    return [e for e in sb.control.request_log() if e["operation"] == "GetItem"]


def _by_id(results: list[FetchedItem]) -> dict[str, FetchedItem]:
    by_id = {r.item_id: r for r in results}
    assert len(by_id) == len(results), "an item came twice"
    return by_id


def test_mime_arrives_byte_identical_in_batches_over_several_connections(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=20, events=0)
    expected = {**truth_items(sb, "inbox"), **truth_items(sb, "sentitems")}
    assert len(expected) > 6
    sb.control.clear_request_log()
    with open_source(sb, max_connections=3, batch_size=2) as source:
        results = _by_id(list(source.fetch_mime(list(expected))))

    assert set(results) == set(expected)
    for item_id, result in results.items():
        assert result.ok and result.problem is None
        assert result.content == expected[item_id]["mime"]
    requests = _get_items(sb)
    assert len(requests) == -(-len(expected) // 2)
    assert all(r["status"] == 200 for r in requests)


def test_an_item_gone_since_the_sync_page_is_reported_and_the_rest_still_come(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=8, events=0)
    expected = truth_items(sb, "inbox")
    gone = next(iter(expected))
    sb.control.delete_message(sb.info.users[0].email, gone)
    with open_source(sb) as source:
        results = _by_id(list(source.fetch_mime(list(expected))))

    assert results[gone].problem is FetchProblem.NOT_FOUND and results[gone].content is None
    assert all(results[i].content == expected[i]["mime"] for i in expected if i != gone)


def test_the_size_cap_refuses_known_large_items_unasked_and_others_after_download(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=10, events=0)
    expected = truth_items(sb, "inbox")
    sizes = {i: len(item["mime"]) for i, item in expected.items()}
    cap = sorted(sizes.values())[len(sizes) // 2]
    large = {i for i, size in sizes.items() if size > cap}
    assert large and len(large) < len(sizes)
    sb.control.clear_request_log()
    with open_source(sb, batch_size=100) as source:
        told = _by_id(list(source.fetch_mime(list(expected), max_bytes=cap, sizes=sizes)))
        requests_told = len(_get_items(sb))
        untold = _by_id(list(source.fetch_mime(list(expected), max_bytes=cap)))

    for results in (told, untold):
        assert {i for i, r in results.items() if r.problem is FetchProblem.TOO_LARGE} == large
        assert all(results[i].content is None for i in large)
        assert all(results[i].content == expected[i]["mime"] for i in set(expected) - large)
    # With sizes known, the large ones were never asked for: one request for the rest.
    assert requests_told == 1
    served = _get_items(sb)
    assert len(served) == 2


def test_closing_the_results_early_sends_no_further_batches(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=14, events=0)
    expected = truth_items(sb, "inbox")
    assert len(expected) >= 6
    sb.control.clear_request_log()
    with open_source(sb, max_connections=2, batch_size=1) as source:
        results = source.fetch_mime(list(expected))
        first = next(results)
        results.close()  # type: ignore[attr-defined]
        assert first.content == expected[first.item_id]["mime"]
        # Another call still works after an abandoned one.
        again = _by_id(list(source.fetch_mime(list(expected)[:3])))
    assert len(again) == 3
    assert len(_get_items(sb)) <= 2 + 3


def test_calendar_items_come_as_icalendar_with_their_exceptions(sandbox: Sandbox) -> None:
    expected = truth_items(sandbox, "calendar")
    recurring = [i for i, e in expected.items() if e["recurring"]]
    assert recurring
    with open_source(sandbox) as source:
        results = _by_id(list(source.fetch_calendar(list(expected))))

    assert set(results) == set(expected)
    for item_id, result in results.items():
        assert result.content == expected[item_id]["mime"]
        assert result.content is not None
        calendar = icalendar.Calendar.from_ical(result.content)
        events = calendar.walk("VEVENT")
        assert {str(e["UID"]) for e in events} == {expected[item_id]["uid"]}
    with_exceptions = [
        i
        for i in recurring
        if len(icalendar.Calendar.from_ical(expected[i]["mime"]).walk("VEVENT")) > 1
    ]
    assert with_exceptions, "the sandbox should hold a series with a modified occurrence"


def test_a_cut_off_answer_gives_an_error_not_shortened_content(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=6, events=0, faults="truncate*1/GetItem")
    expected = truth_items(sb, "inbox")
    with open_source(sb, batch_size=100) as source:
        with pytest.raises(TopicError) as caught:
            list(source.fetch_mime(list(expected)))
        assert "cut off" in caught.value.detail
        # The next try (the fault hit once) brings everything, whole.
        results = _by_id(list(source.fetch_mime(list(expected))))
    assert all(results[i].content == expected[i]["mime"] for i in expected)
