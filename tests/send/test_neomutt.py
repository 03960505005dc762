"""neomutt sends through `exsync send` (its `sendmail` setting), over a real pipe."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from exsync_tui.sandbox import Sandbox
from tests.send.helpers import queue_files, save_profiles, sent, sent_items

BCC = "hidden@elsewhere.example"


@pytest.mark.system
def test_neomutt_in_batch_mode_sends_through_exsync(
    fresh_sandbox: Callable[..., Sandbox], tmp_path: Path
) -> None:
    neomutt = shutil.which("neomutt")
    if neomutt is None:
        pytest.fail("neomutt is not installed: run `make deps` (scripts/system-deps installs it)")
    sb = fresh_sandbox(users=3, messages=1, events=0)
    [profile] = save_profiles(sb, tmp_path, 1)
    me, friend, other = (u.email for u in sb.info.users)
    rc = tmp_path / "neomuttrc"
    rc.write_text(
        'set sendmail="exsync send"\n'
        f'set from="Me <{me}>"\n'
        "set use_from=yes\nset use_envelope_from=yes\n"
        'set record=""\nset copy=no\nset charset="utf-8"\n'
    )
    body = tmp_path / "body.txt"
    body.write_text("Written in neomutt, sent through Exchange.\n")
    home = tmp_path / "home"
    home.mkdir()
    venv_bin = str(Path(sys.executable).parent)  # where the `exsync` console script is
    env = {**os.environ, "HOME": str(home), "PATH": f"{venv_bin}:{os.environ['PATH']}"}
    with body.open("rb") as stdin:
        done = subprocess.run(
            [neomutt, "-n", "-F", str(rc), "-s", "From neomutt", "-c", other, "-b", BCC,
             "--", friend],
            stdin=stdin, capture_output=True, env=env, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    [out] = sent(sb)
    assert out["recipients"] == sorted([friend, other, BCC])
    assert out["message"]["Subject"] == "From neomutt" and out["message"]["Bcc"] is None
    assert "Written in neomutt" in out["message"].get_payload(decode=True).decode()
    [copy] = [m for m in sent_items(sb) if m["Subject"] == "From neomutt"]
    assert copy["Bcc"] is None and copy["Message-ID"] == out["message"]["Message-ID"]
    assert queue_files(profile) == []
