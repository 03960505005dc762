"""A saved delta link Graph no longer takes, in any of the ways it says so, or one of another
Graph URL: the folder is listed again and matched with what is on disk (nothing fetched
twice, nothing lost), never a failed sync."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from exsync_tui.core.profiles import Profile
from exsync_tui.core.sources.graph_http import GraphStatusError, refuses_token
from exsync_tui.core.sync.engine import SyncResult
from exsync_tui.core.sync.events import SyncEvent, SyncWarning
from exsync_tui.sandbox import Sandbox
from tests.graph.helpers import graph_operations, graph_profile, run_graph_sync
from tests.sources.helpers import truth_items
from tests.sync.helpers import all_files, assert_mail_matches


def _changed_after_first_sync(
    fresh_sandbox: Callable[..., Sandbox],
) -> tuple[Sandbox, Profile, set[int]]:
    sb = fresh_sandbox(events=0, messages=12)
    profile = graph_profile(sb)
    first, _ = run_graph_sync(sb, profile)
    assert first.ok, first
    email = sb.info.users[0].email
    inbox = sorted(truth_items(sb, "inbox"))
    sb.control.mark_read(email, inbox[0], False)
    sb.control.delete_message(email, inbox[1])
    sb.control.add_message(email, "inbox", subject="arrived meanwhile")
    inodes = set(all_files(profile.effective_mail_dir()).values())
    sb.control.clear_request_log()
    return sb, profile, inodes


def _assert_reconciled(
    sb: Sandbox, profile: Profile, inodes: set[int], result: SyncResult, events: list[SyncEvent]
) -> None:
    assert result.ok, result
    assert result.counts.new == 1 and result.counts.deleted == 1, result.counts
    assert graph_operations(sb).get("GraphValue 200") == 1  # only the new message
    assert_mail_matches(sb, profile)
    still = set(all_files(profile.effective_mail_dir()).values())
    assert len(inodes - still) == 1  # the deleted one; every other file kept as it was
    warnings = [e.message for e in events if isinstance(e, SyncWarning)]
    assert any("listing the folder again" in w for w in warnings), warnings


@pytest.mark.parametrize(
    ("fault", "answered"),
    [
        ("invalid_sync_state", "GraphDelta 410"),
        ("resync_required", "GraphDelta 410"),
        ("bad_delta_token", "GraphDelta 400"),
    ],
)
def test_a_refused_delta_token_lists_the_folder_again(
    fresh_sandbox: Callable[..., Sandbox], fault: str, answered: str
) -> None:
    sb, profile, inodes = _changed_after_first_sync(fresh_sandbox)
    sb.control.inject_fault(f"{fault}*1/GraphDelta")

    result, events = run_graph_sync(sb, profile)

    assert graph_operations(sb).get(answered) == 1
    _assert_reconciled(sb, profile, inodes, result, events)


def test_delta_links_of_a_former_graph_url_start_a_new_round(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, profile, inodes = _changed_after_first_sync(fresh_sandbox)
    # The same Graph under another name (the profile's graph_url changed, or the service
    # moved): the saved links name the old host, and the token may only go to the new one.
    moved = f"mail.{sb.info.domain}"
    assert moved not in sb.info.graph_url

    result, events = run_graph_sync(sb, profile, graph_url=f"https://{moved}")

    hosts = {str(e.get("host")) for e in sb.control.request_log()}
    assert hosts == {moved}, hosts
    _assert_reconciled(sb, profile, inodes, result, events)


def test_graphs_ways_of_refusing_a_token_are_recognised() -> None:
    def refused(status: int, code: str, *, sent: bool = True) -> bool:
        return refuses_token(GraphStatusError(status, code, "m"), token_sent=sent)

    assert refused(410, "SyncStateNotFound") and refused(410, "")
    assert refused(400, "syncStateNotFound", sent=False)
    assert refused(400, "resyncRequired", sent=False)
    assert refused(400, "badRequest") and not refused(400, "badRequest", sent=False)
    assert not refused(404, "ErrorItemNotFound") and not refused(403, "ErrorAccessDenied")
