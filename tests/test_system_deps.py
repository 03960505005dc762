"""scripts/system-deps, the one place that installs the Debian packages the tests need.

Each test runs the real script with a PATH that holds only stubs: the commands the
packages provide (minus the one a test removes), and apt-get, sudo and id stubs that
record how they were called. Nothing is installed and nothing touches the network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "system-deps"
INSTALL = "install -y --no-install-recommends"


def _table() -> list[tuple[str, str]]:
    """(package, command) for every line of the script's own list."""
    listed = subprocess.run(
        ["/bin/sh", str(SCRIPT), "list"], capture_output=True, text=True, check=True
    )
    return [(line.split()[0], line.split()[1]) for line in listed.stdout.splitlines()]


TABLE = _table()


class StubBin:
    """A directory that is the whole PATH: command stubs plus recording apt-get/sudo/id."""

    def __init__(self, root: Path) -> None:
        self.path = root / "bin"
        self.path.mkdir()
        self.log = root / "calls.log"
        self.log.touch()

    def add(self, name: str, body: str = "exit 0") -> None:
        stub = self.path / name
        stub.write_text(f"#!/bin/sh\n{body}\n")
        stub.chmod(0o755)

    def add_recording(self, name: str, body: str = "exit 0") -> None:
        self.add(name, f'printf "%s\\n" "{name} $*" >> "{self.log}"\n{body}')

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines()


def _bin_without(tmp_path: Path, *missing: str) -> StubBin:
    """Every listed command except ``missing``; apt-get "installs" by creating the stub."""
    stubs = StubBin(tmp_path)
    for _package, command in TABLE:
        if command not in missing:
            stubs.add(command)
    # A real install puts the package's command on PATH; the stub does the same.
    creates = ""
    for command in missing:
        target = stubs.path / command
        creates += f'printf "#!/bin/sh\\n" > "{target}"; /bin/chmod 755 "{target}"\n'
    stubs.add_recording("apt-get", f'case "$*" in *" install "*) {creates};; esac')
    return stubs


def _run(
    stubs: StubBin, *args: str, privilege: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(stubs.path), "HOME": os.environ.get("HOME", "/")}
    if privilege is not None:
        env["SYSTEM_DEPS_PRIVILEGE"] = privilege
    return subprocess.run(
        ["/bin/sh", str(SCRIPT), *args], env=env, capture_output=True, text=True, check=False
    )


def test_the_list_holds_every_command_the_system_tests_run() -> None:
    commands = {command for _package, command in TABLE}
    # test_secret_service.py requires these two; test_ui_tmux.py drives tmux.
    assert {"dbus-run-session", "gnome-keyring-daemon", "tmux"} <= commands
    assert len({package for package, _command in TABLE}) == len(TABLE)


@pytest.mark.parametrize(("package", "command"), TABLE, ids=[p for p, _c in TABLE])
def test_a_user_who_cannot_install_gets_the_exact_command(
    tmp_path: Path, package: str, command: str
) -> None:
    stubs = _bin_without(tmp_path, command)
    result = _run(stubs, privilege="none")
    assert result.returncode == 1
    assert f"missing: {package}\n" in result.stderr
    exact = f"sudo apt-get update && sudo apt-get {INSTALL} {package}"
    assert exact in [line.strip() for line in result.stderr.splitlines()]
    assert "`sudo -n` cannot run without a password" in result.stderr
    assert stubs.calls() == []


def test_check_mode_only_reports_even_as_root(tmp_path: Path) -> None:
    stubs = _bin_without(tmp_path, "tmux", "khal")
    result = _run(stubs, "check", privilege="root")
    assert result.returncode == 1
    assert f"sudo apt-get {INSTALL} tmux khal" in result.stderr
    assert stubs.calls() == []


def test_nothing_missing_costs_nothing(tmp_path: Path) -> None:
    stubs = _bin_without(tmp_path)
    result = _run(stubs, privilege="root")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert stubs.calls() == []  # not even apt-get update


def test_root_installs_only_what_is_missing(tmp_path: Path) -> None:
    stubs = _bin_without(tmp_path, "gnome-keyring-daemon")
    result = _run(stubs, privilege="root")
    assert result.returncode == 0, result.stderr
    update, install = stubs.calls()
    assert update.startswith("apt-get ") and update.endswith(" update")
    assert install.endswith(f" {INSTALL} gnome-keyring")
    assert "installed: gnome-keyring" in result.stderr


def test_a_user_with_passwordless_sudo_installs_through_sudo(tmp_path: Path) -> None:
    stubs = _bin_without(tmp_path, "tmux")
    stubs.add("id", "echo 1000")
    # sudo -n true succeeds; sudo -n CMD... runs CMD (through env, which must be on PATH).
    stubs.add_recording("sudo", 'shift; "$@"')
    env = shutil.which("env")
    assert env is not None
    (stubs.path / "env").symlink_to(env)
    result = _run(stubs)
    assert result.returncode == 0, result.stderr
    calls = stubs.calls()
    assert calls[0] == "sudo -n true"
    assert calls[1].startswith("sudo -n env DEBIAN_FRONTEND=noninteractive apt-get ")
    assert calls[-1].endswith(f" {INSTALL} tmux")
    assert [call.split()[0] for call in calls] == ["sudo", "sudo", "apt-get", "sudo", "apt-get"]


def test_a_user_without_passwordless_sudo_is_told_what_to_run(tmp_path: Path) -> None:
    stubs = _bin_without(tmp_path, "notmuch")
    stubs.add("id", "echo 1000")
    stubs.add_recording("sudo", "echo 'sudo: a password is required' >&2; exit 1")
    result = _run(stubs)
    assert result.returncode == 1
    assert f"sudo apt-get update && sudo apt-get {INSTALL} notmuch" in result.stderr
    assert "make test-nosystem" in result.stderr
    assert stubs.calls() == ["sudo -n true"]


def test_a_system_without_apt_get_names_the_missing_packages(tmp_path: Path) -> None:
    stubs = _bin_without(tmp_path, "khal")
    (stubs.path / "apt-get").unlink()
    result = _run(stubs, privilege="root")
    assert result.returncode == 1
    assert "no apt-get" in result.stderr
    assert "Debian names: khal)" in result.stderr


def test_the_readme_names_every_package_the_script_installs() -> None:
    readme = (SCRIPT.parents[1] / "README.md").read_text()
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    named = {name for row in rows for name in row.split("|")[1].replace("`", "").split(", ")}
    assert {name.strip() for name in named} == {package for package, _command in TABLE}
