"""Several MIME batches in flight over several connections; the busy-server budget per request."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.sources.ews import EwsSource
from exsync_tui.core.sources.ews_settings import settings_from_profile
from exsync_tui.sandbox import Sandbox
from tests.sources.helpers import folder_id, open_source, sandbox_profile, truth_items


def _hung(sb: Sandbox) -> list[int]:
    return [e["connection"] for e in sb.control.request_log() if e["action"] == "hang"]


def test_batches_go_out_in_parallel_on_separate_connections(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=10, events=0, faults="hang*2/GetItem")
    expected = truth_items(sb, "inbox")
    cancel = threading.Event()
    errors: list[TopicError] = []

    def fetch(source: EwsSource) -> None:
        try:
            list(source.fetch_mime(list(expected)))
        except TopicError as error:
            errors.append(error)

    with open_source(sb, cancel=cancel, max_connections=3, batch_size=2) as source:
        worker = threading.Thread(target=fetch, args=(source,))
        worker.start()
        # Two requests held by the server at the same time: both were in flight at once.
        assert sb.control.wait_for_request(lambda e: len(_hung(sb)) == 2, timeout=10)
        assert len(set(_hung(sb))) == 2
        cancel.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
    assert [e.topic_id for e in errors] == ["cancelled"]


def _source(sb: Sandbox, budget_s: float) -> EwsSource:
    profile = sandbox_profile(sb)
    password = sb.info.users[0].password
    return EwsSource(settings_from_profile(profile, password, budget_s=budget_s))


def test_a_server_busy_beyond_the_budget_stops_without_waiting(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=2, events=0, faults="busy:600000*1/SyncFolderItems")
    with _source(sb, budget_s=5) as source, pytest.raises(TopicError) as caught:
        source.sync_items(folder_id(sb, "inbox"), None)
    assert caught.value.topic_id == "server-busy"
    assert "600 s" in caught.value.detail
    assert len(sb.control.request_log()) == 1


def test_the_busy_budget_starts_again_with_each_request(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=2, events=0)
    inbox = folder_id(sb, "inbox")
    with _source(sb, budget_s=1.0) as source:
        for _ in range(3):
            # Each call waits 0.6 s of its own 1 s; over the source's life that is 1.8 s.
            sb.control.inject_fault("busy:600*1/SyncFolderItems")
            assert source.sync_items(inbox, None).includes_last
    statuses = [e["status"] for e in sb.control.request_log()]
    assert statuses == [500, 200] * 3


def test_busy_answers_to_requests_in_flight_together_are_ridden_out(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    """exchangelib shrinks its session pool on each busy answer, and deadlocked doing so
    while every session was in use: a sync asking several folders at once hung for good."""
    sb = fresh_sandbox(messages=8, events=0)
    folders = [f["id"] for f in sb.control.truth(sb.info.users[0].email)["folders"]
               if (f["folder_class"] or "") == "IPF.Note"]  # fmt: skip
    sb.control.inject_fault(f"busy:20*{3 * len(folders)}/SyncFolderItems")
    pages: list[object] = []
    with open_source(sb, max_connections=4) as source:
        askers = [
            threading.Thread(target=lambda f=f: pages.append(source.sync_items(f, None)))
            for f in folders * 3
        ]
        for asker in askers:
            asker.start()
        for asker in askers:
            asker.join(timeout=60)
        assert not any(asker.is_alive() for asker in askers), "requests deadlocked"
    assert len(pages) == 3 * len(folders) > 12
    statuses = [e["status"] for e in sb.control.request_log()]
    assert statuses.count(500) == 3 * len(folders)  # every request was answered busy once
