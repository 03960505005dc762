"""The source when things go wrong: refused sync states, gone folders, cancel, sign-in, faults."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.sources import FolderGone, SyncStateInvalid
from exsync_tui.core.sources.ews import EwsSource
from exsync_tui.sandbox import Sandbox
from tests.sources.helpers import folder_id, open_source

# A cancel must end a call within a second; this bound is only there so a broken cancel
# fails the test instead of hanging it (the sandbox's hang lasts until it stops).
_RETURNS_WITHIN_S = 5.0


def test_a_refused_sync_state_raises_its_own_error_and_a_fresh_start_works(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=4, events=0)
    inbox = folder_id(sb, "inbox")
    with open_source(sb) as source:
        hierarchy = source.sync_hierarchy(None)
        items = source.sync_items(inbox, None)
        sb.control.invalidate_sync_states(sb.info.users[0].email)

        with pytest.raises(SyncStateInvalid) as folder_state:
            source.sync_items(inbox, items.sync_state)
        with pytest.raises(SyncStateInvalid) as hierarchy_state:
            source.sync_hierarchy(hierarchy.sync_state)
        again = source.sync_items(inbox, None)

    assert folder_state.value.folder_id == inbox
    assert hierarchy_state.value.folder_id is None
    assert isinstance(folder_state.value, TopicError)
    assert {c.item_id for c in again.changes} == {c.item_id for c in items.changes}


def test_an_injected_invalid_sync_state_fault_is_told_apart_too(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=2, events=0, faults="invalid_sync_state*1/SyncFolderItems")
    with open_source(sb) as source, pytest.raises(SyncStateInvalid):
        source.sync_items(folder_id(sb, "inbox"), None)


def test_a_folder_deleted_on_the_server_raises_folder_gone(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=2, events=0)
    email = sb.info.users[0].email
    doomed = sb.control.add_folder(email, "inbox", "Short-lived")
    sb.control.remove_folder(email, doomed)
    with open_source(sb) as source, pytest.raises(FolderGone) as caught:
        source.sync_items(doomed, None)
    assert caught.value.folder_id == doomed


def _call_in_thread(work: Callable[[], Any]) -> tuple[threading.Event, dict[str, Any]]:
    done = threading.Event()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except TopicError as error:
            outcome["error"] = error
        finally:
            done.set()

    threading.Thread(target=run, daemon=True).start()
    return done, outcome


@pytest.mark.parametrize("operation", ["SyncFolderItems", "GetItem"])
def test_cancel_during_a_hung_request_returns_at_once(
    fresh_sandbox: Callable[..., Sandbox], operation: str
) -> None:
    sb = fresh_sandbox(messages=4, events=0, faults=f"hang*1/{operation}")
    inbox = folder_id(sb, "inbox")
    cancel = threading.Event()
    with open_source(sb, cancel=cancel) as source:
        ids = (
            [c.item_id for c in source.sync_items(inbox, None).changes]
            if operation == "GetItem"
            else []
        )

        def work() -> object:
            if operation == "GetItem":
                return list(source.fetch_mime(ids))
            return source.sync_items(inbox, None)

        done, outcome = _call_in_thread(work)
        assert sb.control.wait_for_request(lambda e: e["action"] == "hang", timeout=10)
        assert not done.is_set()
        cancel.set()
        assert done.wait(_RETURNS_WITHIN_S)
        assert outcome["error"].topic_id == "cancelled"
        # Once cancelled, the source sends nothing more.
        sent = len(sb.control.request_log())
        with pytest.raises(TopicError) as later:
            source.sync_items(inbox, None)
        assert later.value.topic_id == "cancelled"
        assert len(sb.control.request_log()) == sent


def test_cancel_during_a_busy_servers_back_off_returns_at_once(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=2, events=0, faults="busy:60000*1/SyncFolderItems")
    cancel = threading.Event()
    with open_source(sb, cancel=cancel) as source:
        done, outcome = _call_in_thread(lambda: source.sync_items(folder_id(sb, "inbox"), None))
        assert sb.control.wait_for_request(lambda e: e["operation"] == "SyncFolderItems", 10)
        cancel.set()
        assert done.wait(_RETURNS_WITHIN_S)
    assert outcome["error"].topic_id == "cancelled"


def test_a_password_changed_mid_sync_stops_with_one_rejected_request_and_no_retries(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=6, events=0)
    inbox = folder_id(sb, "inbox")
    with open_source(sb) as source:
        first = source.sync_items(inbox, None, 2)
        sb.control.set_password(sb.info.users[0].email, "Changed-elsewhere-1")
        sb.control.clear_request_log()
        with pytest.raises(TopicError) as caught:
            source.sync_items(inbox, first.sync_state, 2)
    assert caught.value.topic_id == "credentials-rejected"
    assert [e["status"] for e in sb.control.request_log()] == [401]


def test_a_busy_server_is_waited_for_within_the_budget_and_the_page_arrives(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=4, events=0, faults="busy:100*2/SyncFolderItems")
    inbox = folder_id(sb, "inbox")
    with open_source(sb) as source:
        page = source.sync_items(inbox, None)
    assert page.includes_last and page.changes
    statuses = [
        e["status"] for e in sb.control.request_log() if e["operation"] == "SyncFolderItems"
    ]
    assert statuses == [500, 500, 200]


@pytest.mark.parametrize(
    ("fault", "topic"),
    [("truncate", "unexpected-error"), ("500", "unexpected-error"), ("drop", "server-silent")],
)
def test_a_broken_answer_stops_with_a_topic_and_no_page(
    fresh_sandbox: Callable[..., Sandbox], fault: str, topic: str
) -> None:
    sb = fresh_sandbox(messages=4, events=0)
    inbox = folder_id(sb, "inbox")
    with open_source(sb) as source:
        first = source.sync_items(inbox, None, 2)
        sb.control.inject_fault(f"{fault}*1/SyncFolderItems")
        with pytest.raises(TopicError) as caught:
            source.sync_items(inbox, first.sync_state, 2)
        # Nothing was skipped: the same state still gives the same next page.
        retried = source.sync_items(inbox, first.sync_state, 2)
    assert caught.value.topic_id == topic
    assert retried.changes and retried.sync_state != first.sync_state


def test_opening_a_source_sends_nothing_and_a_page_is_one_request(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=2, events=0)
    inbox = folder_id(sb, "inbox")
    sb.control.clear_request_log()
    source: EwsSource = open_source(sb)
    try:
        assert sb.control.request_log() == []
        source.sync_hierarchy(None)
        source.sync_items(inbox, None)
    finally:
        source.close()
    log = sb.control.request_log()
    assert [e["operation"] for e in log] == ["SyncFolderHierarchy", "SyncFolderItems"]
    assert {e["host"] for e in log} == {f"mail.{sb.info.domain}"}
    assert {e["auth"] for e in log} == {"Basic"}
