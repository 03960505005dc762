"""Incremental Graph syncs: every kind of server change, moves by ImmutableId, expired
delta links, throttling and refused tokens."""

from __future__ import annotations

from collections.abc import Callable

from exsync_tui.core.profiles import Profile
from exsync_tui.sandbox import Sandbox
from tests.graph.helpers import ControlTokens, graph_operations, graph_profile, run_graph_sync
from tests.sources.helpers import truth_items
from tests.sync.helpers import all_files, assert_mail_matches, folder_named


def _synced(
    fresh_sandbox: Callable[..., Sandbox], **config: object
) -> tuple[Sandbox, str, Profile]:
    sb = fresh_sandbox(**{"events": 0, "messages": 12, **config})
    profile = graph_profile(sb)
    first, _ = run_graph_sync(sb, profile)
    assert first.ok, first
    return sb, sb.info.users[0].email, profile


def test_new_read_flagged_and_deleted_messages_follow_the_server(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = _synced(fresh_sandbox)
    inbox = sorted(truth_items(sb, "inbox"))
    sb.control.add_message(email, "inbox", subject="brand new")
    sb.control.mark_read(email, inbox[0], True)
    sb.control.mark_read(email, inbox[1], False)
    sb.control.set_flag(email, inbox[2], 2)
    sb.control.delete_message(email, inbox[3])
    sb.control.clear_request_log()

    result, _ = run_graph_sync(sb, profile)

    assert result.ok, result
    assert result.counts.new == 1 and result.counts.deleted == 1
    assert graph_operations(sb).get("GraphValue 200") == 1  # only the new one downloaded
    assert_mail_matches(sb, profile)


def test_a_moved_message_keeps_its_immutable_id_and_is_renamed_not_fetched(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = _synced(fresh_sandbox)
    inodes = set(all_files(profile.effective_mail_dir()).values())
    archive = folder_named(sb, "Archive")
    moved = sorted(truth_items(sb, "inbox"))[:2]
    graph_ids = {truth_items(sb, "inbox")[i]["graph_id"] for i in moved}
    new_ids = [sb.control.move_message(email, item_id, archive) for item_id in moved]
    assert {truth_items(sb, archive)[i]["graph_id"] for i in new_ids} == graph_ids
    assert not set(new_ids) & set(moved)  # EWS ids changed; Graph's did not
    sb.control.clear_request_log()

    result, _ = run_graph_sync(sb, profile)

    assert result.ok and result.counts.moved == 2 and result.counts.new == 0, result
    assert "GraphValue 200" not in graph_operations(sb)
    assert set(all_files(profile.effective_mail_dir()).values()) <= inodes
    assert_mail_matches(sb, profile)


def test_folders_added_renamed_and_removed_follow_the_server(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = _synced(fresh_sandbox)
    archive = folder_named(sb, "Archive")
    added = sb.control.add_folder(email, "inbox", "Fresh")
    sb.control.add_message(email, added, subject="in a new folder")
    sb.control.rename_folder(email, archive, "Old stuff")
    projects = folder_named(sb, "Projects")
    sb.control.remove_folder(email, folder_named(sb, "2026"))

    result, _ = run_graph_sync(sb, profile)

    assert result.ok, result
    root = profile.effective_mail_dir()
    assert (root / "Old stuff" / "cur").is_dir() and not (root / "Archive").exists()
    assert (root / "Inbox" / "Fresh" / "cur").is_dir()
    assert projects and not (root / "Inbox" / "Projects" / "2026").exists()
    assert_mail_matches(sb, profile)


def test_an_expired_delta_link_resyncs_without_downloading_again(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb, email, profile = _synced(fresh_sandbox)
    inbox = sorted(truth_items(sb, "inbox"))
    sb.control.mark_read(email, inbox[0], False)
    sb.control.add_message(email, "inbox", subject="arrived meanwhile")
    sb.control.invalidate_sync_states(email)
    inodes = set(all_files(profile.effective_mail_dir()).values())
    sb.control.clear_request_log()

    result, _ = run_graph_sync(sb, profile)

    assert result.ok, result
    assert graph_operations(sb).get("GraphDelta 410", 0) >= 1
    assert result.counts.new == 1
    assert graph_operations(sb).get("GraphValue 200") == 1
    assert_mail_matches(sb, profile)
    kept = set(all_files(profile.effective_mail_dir()).values()) & inodes
    assert len(kept) == len(inodes)


def test_a_storm_of_429s_is_ridden_out_honouring_retry_after(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=15, events=0)
    profile = graph_profile(sb)
    # Throttled without Retry-After (exponential back-off), then with one of a second.
    sb.control.inject_fault("429*6/GraphValue;429:1*1/GraphDelta;429@0.3")

    result, _ = run_graph_sync(sb, profile)

    assert result.ok, result
    assert_mail_matches(sb, profile)
    log = [e for e in sb.control.request_log() if str(e.get("operation")).startswith("Graph")]
    throttled = [i for i, e in enumerate(log) if e["status"] == 429]
    assert len(throttled) >= 7
    # Its retry (the same request: folders are asked for together, so not merely the
    # next delta request) came no sooner than the one second Retry-After asked for.
    first_delta_429 = next(i for i in throttled if log[i]["operation"] == "GraphDelta")
    retry = next(e for e in log[first_delta_429 + 1 :] if e["path"] == log[first_delta_429]["path"])
    assert retry["time"] - log[first_delta_429]["time"] >= 1.0


def test_throttling_beyond_the_budget_stops_with_server_busy(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=3, events=0)
    profile = graph_profile(sb)
    sb.control.inject_fault("429:5@1.0/GraphFolders")

    result, _ = run_graph_sync(sb, profile, settings={"budget_s": 2})

    assert not result.ok and result.topic == "server-busy", result


def test_an_expired_token_is_refreshed_once_and_a_revoked_sign_in_stops(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=4, events=0)
    profile = graph_profile(sb)
    tokens = ControlTokens(sb)
    assert run_graph_sync(sb, profile, tokens)[0].ok
    sb.control.expire_access_tokens()
    sb.control.clear_request_log()

    refreshed, _ = run_graph_sync(sb, profile, tokens)

    assert refreshed.ok, refreshed
    assert tokens.issued == 2
    assert sum(v for k, v in graph_operations(sb).items() if k.endswith(" 401")) == 1

    stuck = ControlTokens(sb, renew=False)
    stuck()
    sb.control.revoke_access_tokens(sb.info.users[0].email)
    sb.control.clear_request_log()
    refused, _ = run_graph_sync(sb, profile, stuck)
    assert not refused.ok and refused.topic == "credentials-rejected", refused
    assert sum(v for k, v in graph_operations(sb).items() if k.endswith(" 401")) == 2


def test_5xx_and_dropped_connections_are_retried_within_the_budget(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=8, events=0)
    profile = graph_profile(sb)
    sb.control.inject_fault("drop*2/GraphValue;503*2/GraphDelta;500*1/GraphFolders")

    result, _ = run_graph_sync(sb, profile)

    assert result.ok, result
    assert sb.control.active_faults() == []  # every injected failure was met and retried
    assert_mail_matches(sb, profile)


def test_with_latency_the_source_stays_within_four_requests_in_flight(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(messages=30, events=0, latency_ms=40)
    profile = graph_profile(sb)

    result, _ = run_graph_sync(sb, profile)

    assert result.ok, result
    # The sandbox answers a fifth concurrent request per mailbox with 429, as Outlook does.
    assert not [k for k in graph_operations(sb) if k.endswith(" 429")]
    assert_mail_matches(sb, profile)
