"""Hidden mail folders: Graph lists them only when asked, and exsync asks only when the
profile says ``include_hidden_folders = true``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from exsync_tui.core.profiles.codec import config_to_data, parse_config
from exsync_tui.sandbox import Sandbox
from tests.graph.helpers import graph_profile, run_graph_sync
from tests.sync.helpers import assert_mail_matches, local_mail, server_mail


def test_hidden_folders_are_synced_only_when_the_profile_asks(
    fresh_sandbox: Callable[..., Sandbox],
) -> None:
    sb = fresh_sandbox(events=0, messages=6)
    email = sb.info.users[0].email
    hidden = sb.control.add_folder(email, "msgfolderroot", "Quarantined")
    sb.control.add_message(email, hidden, subject="kept out of sight")
    below = sb.control.add_folder(email, hidden, "Below it")
    sb.control.add_message(email, below, subject="further down")
    sb.control.set_folder_hidden(email, hidden)
    profile = graph_profile(sb)

    result, _ = run_graph_sync(sb, profile)

    assert result.ok, result
    local, server = local_mail(profile), server_mail(sb)
    assert hidden in server and below in server
    assert set(local) == set(server) - {hidden, below}
    assert all(local[f] == server[f] for f in local)

    asking = replace(profile, sync=replace(profile.sync, include_hidden_folders=True))
    result, _ = run_graph_sync(sb, asking)

    assert result.ok, result
    assert result.counts.new == 2, result.counts
    assert_mail_matches(sb, asking)


def test_include_hidden_folders_is_read_and_written_only_when_set() -> None:
    data = {"profiles": {"m": {"email": "m@example.com", "sync": {"include_hidden_folders": True}}}}
    config = parse_config(data)
    assert config.profiles["m"].sync.include_hidden_folders
    written = config_to_data(config)["profiles"]["m"]["sync"]
    assert written["include_hidden_folders"] is True

    default = parse_config({"profiles": {"m": {"email": "m@example.com"}}})
    assert not default.profiles["m"].sync.include_hidden_folders
    assert "include_hidden_folders" not in config_to_data(default)["profiles"]["m"]["sync"]
