"""Syncing a Microsoft 365 mailbox through Graph: what lands on disk is the server's truth."""

from __future__ import annotations

from collections.abc import Callable

from exsync_tui.sandbox import Sandbox
from tests.graph.helpers import graph_operations, graph_profile, run_graph_sync
from tests.sources.helpers import truth_items
from tests.sync.helpers import (
    all_files,
    assert_mail_matches,
    local_mail,
    profile_for,
    run_sync,
)


def test_first_graph_sync_equals_the_truth_and_a_second_changes_nothing(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=25, events=0)
    profile = graph_profile(sb)
    first, _ = run_graph_sync(sb, profile, page_size=7)
    assert first.ok, first
    count = assert_mail_matches(sb, profile)
    assert first.counts.new == count > 20
    ops = graph_operations(sb)
    assert ops.get("GraphValue 200") == count  # one $value per message, nothing twice
    files_before = all_files(profile.effective_mail_dir())
    sb.control.clear_request_log()
    second, _ = run_graph_sync(sb, profile)
    assert second.ok and second.counts.new == second.counts.deleted == 0
    assert "GraphValue 200" not in graph_operations(sb)
    assert all_files(profile.effective_mail_dir()) == files_before


def test_one_mailbox_synced_through_ews_and_through_graph_gives_the_same_maildir(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=10, events=0)
    email = sb.info.users[0].email
    ews = profile_for(sb, name="via-ews")
    graph = graph_profile(sb, name="via-graph")
    assert run_sync(sb, ews)[0].ok and run_graph_sync(sb, graph)[0].ok
    # A change made through EWS (by another client) reaches both copies.
    inbox = sorted(truth_items(sb, "inbox"))
    sb.control.mark_read(email, inbox[0], False)
    sb.control.set_flag(email, inbox[1], 2)
    sb.control.move_message(email, inbox[2], "deleteditems")
    assert run_sync(sb, ews)[0].ok and run_graph_sync(sb, graph)[0].ok

    assert local_mail(ews) == local_mail(graph)
    assert_mail_matches(sb, graph)
