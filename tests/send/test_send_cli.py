"""`exsync send` against the sandbox, through the real command in a child process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from exsync_tui.sandbox import Sandbox
from tests.send.helpers import message, run_send, sent, sent_items
from tests.sync.cli_helpers import save_sandbox_profile


def test_sends_to_the_arguments_and_keeps_a_copy_in_sent_items(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sb = fresh_sandbox(users=2, messages=1, events=0)
    save_sandbox_profile(sb, tmp_path)
    me, friend = sb.info.users[0].email, sb.info.users[1].email
    raw = message("Hello", me, friend, message_id="<hello.1@example.test>")
    done = run_send(friend, stdin=raw)
    assert done.returncode == 0, done.stderr
    [out] = sent(sb)
    assert out["recipients"] == [friend]
    assert out["message"]["Message-ID"] == "<hello.1@example.test>"
    copies = [m for m in sent_items(sb) if m["Message-ID"] == "<hello.1@example.test>"]
    assert len(copies) == 1 and copies[0]["Subject"] == "Hello"
