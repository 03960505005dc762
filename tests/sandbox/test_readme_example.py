"""The README's Sandbox exchangelib script runs, verbatim, against `exsync sandbox`."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_script() -> str:
    """The Python block right after the `<!-- sandbox-example -->` marker."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- sandbox-example -->\n```python\n(.*?)```", text, re.DOTALL)
    assert found is not None, "the README lost its sandbox example"
    return found.group(1)


def test_readme_script_connects_and_syncs(tmp_path: Path) -> None:
    script = tmp_path / "sync_inbox.py"
    script.write_text(readme_script(), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "exsync_tui", "sandbox", "--json", "--messages", "10"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        info_file = tmp_path / "sandbox.json"
        info_file.write_text(line, encoding="utf-8")
        result = subprocess.run(
            [sys.executable, str(script), str(info_file)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0].startswith("connected to Microsoft Exchange Server")
        created = [entry for entry in lines[1:] if entry.startswith("create ")]
        assert created and len(created) == len(lines) - 1
        assert json.loads(line)["users"][0]["email"] == "alice@example.com"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
