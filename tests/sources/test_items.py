"""Item changes page by page: advancing states; creates, updates, flags, read changes, deletes."""

from __future__ import annotations

from collections.abc import Callable

from exsync_tui.core.sources import ChangeType, ItemChange, ItemKind, ItemPage
from exsync_tui.core.sources.ews import EwsSource
from exsync_tui.sandbox import Sandbox
from tests.sources.helpers import folder_id, open_source, truth_items


def _pages(source: EwsSource, folder: str, state: str | None, size: int) -> list[ItemPage]:
    pages = [source.sync_items(folder, state, size)]
    while not pages[-1].includes_last:
        pages.append(source.sync_items(folder, pages[-1].sync_state, size))
    return pages


def _changes(pages: list[ItemPage]) -> list[ItemChange]:
    return [change for page in pages for change in page.changes]


def test_a_first_sync_pages_through_every_item_with_advancing_states(sandbox: Sandbox) -> None:
    inbox = folder_id(sandbox, "inbox")
    expected = truth_items(sandbox, inbox)
    assert len(expected) > 7
    with open_source(sandbox) as source:
        pages = _pages(source, inbox, None, 3)

    assert len(pages) == -(-len(expected) // 3)
    assert [p.includes_last for p in pages] == [False] * (len(pages) - 1) + [True]
    assert all(len(p.changes) <= 3 for p in pages)
    states = [p.sync_state for p in pages]
    assert len(set(states)) == len(states) and all(states)
    changes = _changes(pages)
    assert {c.type for c in changes} == {ChangeType.CREATE}
    assert sorted(c.item_id for c in changes) == sorted(expected)
    for change in changes:
        truth = expected[change.item_id]
        assert change.kind is ItemKind.MESSAGE
        assert change.change_key == truth["change_key"]
        assert change.is_read is truth["is_read"]
        assert change.message_id == truth["message_id"]
        assert change.size == len(truth["mime"])
        assert change.flagged is (truth["flag_status"] == 2)


def test_a_saved_state_resumes_where_its_page_ended(sandbox: Sandbox) -> None:
    inbox = folder_id(sandbox, "inbox")
    with open_source(sandbox) as source:
        everything = _changes(_pages(source, inbox, None, 4))
        first = source.sync_items(inbox, None, 4)
        # A new source (as after a restart) given the first page's state gets the rest.
        with open_source(sandbox) as restarted:
            rest = _changes(_pages(restarted, inbox, first.sync_state, 4))
        assert [c.item_id for c in (*first.changes, *rest)] == [c.item_id for c in everything]
        last_state = _pages(source, inbox, None, 50)[-1].sync_state
        assert source.sync_items(inbox, last_state).changes == ()


def test_creates_updates_flags_read_changes_and_deletes_arrive_in_order(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=12, events=0)
    email = sb.info.users[0].email
    control = sb.control
    inbox = folder_id(sb, "inbox")
    with open_source(sb) as source:
        first = _pages(source, inbox, None, 100)
        ids = [c.item_id for c in _changes(first)]
        state = first[-1].sync_state
        truth = truth_items(sb, inbox)

        created = control.add_message(email, "inbox", subject="Brand new")
        control.update_message(email, ids[0], subject="Changed subject")
        control.delete_message(email, ids[1])
        control.mark_read(email, ids[2], not truth[ids[2]]["is_read"])
        moved = control.move_message(email, ids[3], "sentitems")
        control.set_flag(email, ids[4])
        pages = _pages(source, inbox, state, 2)

    changes = _changes(pages)
    assert [(c.type, c.item_id) for c in changes] == [
        (ChangeType.CREATE, created),
        (ChangeType.UPDATE, ids[0]),
        (ChangeType.DELETE, ids[1]),
        (ChangeType.READ_FLAG, ids[2]),
        (ChangeType.DELETE, ids[3]),
        (ChangeType.UPDATE, ids[4]),
    ]
    after = truth_items(sb, inbox)
    by_id = {c.item_id: c for c in changes}
    assert by_id[ids[2]].is_read is after[ids[2]]["is_read"]
    assert by_id[ids[2]].change_key == after[ids[2]]["change_key"]
    assert by_id[ids[4]].flagged is True
    assert by_id[ids[0]].change_key == after[ids[0]]["change_key"] != truth[ids[0]]["change_key"]
    assert by_id[created].flagged is False and by_id[created].is_read is False
    page = pages[0]
    assert page.created == (by_id[created],) and page.updated == (by_id[ids[0]],)
    assert moved in truth_items(sb, folder_id(sb, "sentitems"))


def test_the_mailbox_changing_between_pages_is_seen_on_the_following_pages(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=10, events=0)
    email = sb.info.users[0].email
    inbox = folder_id(sb, "inbox")
    with open_source(sb) as source:
        first = source.sync_items(inbox, None, 2)
        seen = [c.item_id for c in first.changes]
        sb.control.delete_message(email, seen[0])
        added = sb.control.add_message(email, "inbox", subject="Arrived mid-sync")
        sb.control.set_flag(email, seen[1])
        rest = _changes(_pages(source, inbox, first.sync_state, 2))

    assert (ChangeType.DELETE, seen[0]) in [(c.type, c.item_id) for c in rest]
    assert (ChangeType.CREATE, added) in [(c.type, c.item_id) for c in rest]
    flagged = [c for c in rest if c.item_id == seen[1]]
    assert [(c.type, c.flagged) for c in flagged] == [(ChangeType.UPDATE, True)]
    final = {c.item_id for c in (*first.changes, *rest) if c.type is ChangeType.CREATE}
    final -= {c.item_id for c in rest if c.type is ChangeType.DELETE}
    assert final == set(truth_items(sb, inbox))


def test_a_calendar_folder_syncs_masters_and_single_events_with_their_uid(
    sandbox: Sandbox,
) -> None:
    calendar = folder_id(sandbox, "calendar")
    expected = truth_items(sandbox, calendar)
    assert any(e["recurring"] for e in expected.values())
    with open_source(sandbox) as source:
        changes = _changes(_pages(source, calendar, None, 5))

    assert sorted(c.item_id for c in changes) == sorted(expected)
    for change in changes:
        assert change.kind is ItemKind.CALENDAR
        assert change.uid == expected[change.item_id]["uid"]
        assert change.flagged is None and change.answered is None
