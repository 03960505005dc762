"""Generated messages keep no MIME in memory: it is rendered on demand, the same every time."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from exsync_tui.sandbox import Sandbox, SandboxConfig
from exsync_tui.sandbox.generator import generate_mailboxes
from exsync_tui.sandbox.mime import summarize
from exsync_tui.sandbox.model import MessageItem
from tests.sandbox.helpers import account_for


def _generated(messages: int, seed: int = 1) -> list[MessageItem]:
    (mailbox,) = generate_mailboxes(SandboxConfig(users=1, messages=messages, events=0, seed=seed))
    return [i for i in mailbox.items.values() if isinstance(i, MessageItem)]


def test_rendered_mime_carries_the_envelope_ews_reports() -> None:
    messages = _generated(60)  # every variant, and two of the large ones (12 and 37)
    assert all(m.own_mime is None for m in messages)
    for message in messages:
        mime = message.mime
        summary = summarize(mime)
        assert summary.subject == message.subject, message.gen_number
        assert summary.sender == (message.sender_name, message.sender_email)
        assert (summary.to, summary.cc) == (message.to, message.cc)
        assert (summary.message_id, summary.sent) == (message.message_id, message.sent)
        assert summary.has_attachments == message.has_attachments
        assert summary.body_text.strip()
        assert message.size == len(mime) and b"\n" not in mime.replace(b"\r\n", b"")
    assert {m.gen_number % 8 for m in messages if m.has_attachments} >= {3, 7}
    assert max(m.size for m in messages) > 400_000
    assert len({m.mime for m in messages}) == len(messages)


def test_rendering_is_reproducible_and_seed_dependent() -> None:
    first, again, other = _generated(30), _generated(30), _generated(30, seed=2)
    assert [m.mime for m in first] == [m.mime for m in again]
    assert [m.mime for m in first] != [m.mime for m in other]
    # Rendering twice gives the same bytes; a pickled message (--state-dir) renders the same.
    restored = [pickle.loads(pickle.dumps(m)) for m in first]  # noqa: S301 - our own bytes
    assert [m.mime for m in restored] == [m.mime for m in first]


def test_ews_serves_rendered_mime_and_writes_keep_their_own(
    fresh_sandbox: Any, sandbox_trust: None
) -> None:
    sandbox: Sandbox = fresh_sandbox(users=1, messages=30, events=0)
    email = sandbox.info.users[0].email
    truth = {i["id"]: i for i in sandbox.control.truth(email)["items"] if i["kind"] == "message"}
    lean = sandbox.control.truth(email, include_mime=False)["items"]
    assert {i["id"] for i in lean} == set(truth) and not any("mime" in i for i in lean)
    account = account_for(sandbox)
    inbox = account.inbox
    fetched = {i.id: i for i in inbox.all().only("mime_content", "size", "subject")}
    assert fetched and all(
        item.mime_content == truth[item_id]["mime"] and item.size == len(item.mime_content)
        for item_id, item in fetched.items()
    )
    changed = next(iter(fetched))
    sandbox.control.update_message(email, changed, subject="Changed by a write")
    (current,) = [i for i in inbox.all().only("subject") if i.id == changed]
    current.copy(to_folder=account.sent)  # CopyItem: the copy has the changed MIME too
    after = {i["id"]: i for i in sandbox.control.truth(email)["items"]}
    assert summarize(after[changed]["mime"]).subject == "Changed by a write"
    copies = [
        i for i in after.values() if i["id"] != changed and i["mime"] == after[changed]["mime"]
    ]
    assert len(copies) == 1 and copies[0]["folder_id"] == account.sent.id
    (item,) = [i for i in inbox.all().only("mime_content", "subject") if i.id == changed]
    assert item.subject == "Changed by a write" and item.mime_content == after[changed]["mime"]


def test_own_and_generated_mime_survive_a_restart(tmp_path: Path, sandbox_trust: None) -> None:
    config = SandboxConfig(users=1, messages=12, events=0, state_dir=str(tmp_path / "state"))
    with Sandbox(config) as first:
        email = first.info.users[0].email
        message_id = next(i["id"] for i in first.control.truth(email)["items"])
        first.control.update_message(email, message_id, subject="Kept across restarts")
        before = first.control.truth(email)["items"]
    with Sandbox(config) as second:
        assert second.control.truth(email)["items"] == before
