"""`exsync demo`: the TUI on a built-in sandbox Exchange, in throwaway directories.

The demo points the XDG directories of this process at a temporary tree and
keeps passwords in an in-memory keyring, so it never reads or changes the
user's real config, mail or keyring. It starts the sandbox (on loopback),
adds one mailbox that connects (never synced yet: the hint says to press
``s``), one whose first sync fails partway with a busy server and whose next
one recovers, and one that is "behind a VPN" (its server is mapped to a private
address that this machine has no route to, so nothing is ever sent there), and
opens the TUI with a hint panel naming a sandbox user the visitor can add.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exsync_tui.core.profiles import Config
    from exsync_tui.core.secrets import SecretStore
    from exsync_tui.sandbox import Sandbox
    from exsync_tui.ui.context import NewProfileDefaults, UiContext

VPN_ADDRESS = "10.255.255.1"
"""A private address with no specific route here: the doctor stops before sending anything."""
VPN_HOST = "branch.example.com"
DEMO_HOSTS = ("example.com", "autodiscover.example.com", "mail.example.com")
DEMO_MESSAGES = 250
"""Messages per mailbox: a sync's progress can be watched; generating more slows the start."""


def busy_mid_sync(mailbox: str) -> str:
    """The sandbox fault of the demo's flaky mailbox: two fetches work, the third is refused
    with a 10-minute "busy" (beyond a sync's wait budget, so the sync stops), later ones work."""
    return f"pass*2/GetItem~{mailbox};busy:600000*1/GetItem~{mailbox}"


def register(subparsers: Any) -> None:
    """Add the `demo` subcommand."""
    parser = subparsers.add_parser(
        "demo",
        help="open the TUI on a built-in test Exchange server (your settings stay untouched)",
        description=(
            "Start a sandbox Exchange server on this machine and open the TUI on a few of "
            "its mailboxes. Everything lives in temporary directories and an in-memory "
            "keyring, removed when you quit."
        ),
    )
    parser.set_defaults(handler=_run)


@dataclass(frozen=True)
class DemoSetup:
    """What the demo prepared: the config, the secrets and the TUI context."""

    config: Config
    store: SecretStore
    context: UiContext


def use_temporary_dirs(root: Path) -> None:
    """Point this process's XDG directories into ``root`` (the demo touches nothing else)."""
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        directory = root / name.lower()
        directory.mkdir(parents=True, exist_ok=True)
        os.environ[f"XDG_{name}_HOME"] = str(directory)


def sandbox_defaults(sandbox: Sandbox) -> NewProfileDefaults:
    """Host mappings (the mail domain's names to the sandbox) and its CA, for new mailboxes."""
    from exsync_tui.ui.context import NewProfileDefaults

    info = sandbox.info
    mappings = tuple(f"{host}:443:{info.host}:{info.port}" for host in DEMO_HOSTS)
    return NewProfileDefaults(
        connect_to=mappings, ca_file=Path(info.ca_file) if info.ca_file else None
    )


def prepare(sandbox: Sandbox) -> DemoSetup:
    """Profiles, passwords and the TUI context for a running sandbox (writes the config)."""
    from exsync_tui.core.connect import connect, request_from_profile
    from exsync_tui.core.net.guard import judge_address
    from exsync_tui.core.profiles import Config, new_profile, resolve_password, save_config
    from exsync_tui.core.secrets import SecretStore
    from exsync_tui.core.secrets.memory import MemoryKeyring
    from exsync_tui.ui.context import UiContext
    from exsync_tui.ui.demo_hint import DemoHint

    info = sandbox.info
    store = SecretStore(MemoryKeyring())
    defaults = sandbox_defaults(sandbox)
    mappings, ca_file = defaults.connect_to, defaults.ca_file
    common: dict[str, Any] = {"connect_to": mappings}
    if ca_file is not None:
        from exsync_tui.core.profiles import TlsTrust

        common["tls"] = TlsTrust(ca_file=ca_file)
    config = Config()
    first, visitor = info.users[0], info.users[1]
    profiles = [new_profile(first.email.split("@")[0], first.email, **common)]
    store.set_password(profiles[0].id, first.password)
    # Never dial a private address: only add the broken mailbox where nothing would be sent.
    if judge_address(VPN_ADDRESS).blocked and len(info.users) > 2:
        broken = info.users[2]
        vpn = new_profile(
            "branch-office",
            broken.email,
            server=VPN_HOST,
            **{**common, "connect_to": (*mappings, f"{VPN_HOST}:443:{VPN_ADDRESS}:443")},
        )
        store.set_password(vpn.id, broken.password)
        profiles.append(vpn)
    flaky: str | None = None
    if len(info.users) > 3:
        # A mailbox whose first sync fails partway (the server says busy, wait 10 min) and
        # whose next one recovers: how a failure looks, and that nothing is lost.
        busy = info.users[3]
        flaky = busy.email.split("@")[0]
        sandbox.control.inject_fault(busy_mid_sync(flaky))
        profiles.append(new_profile(flaky, busy.email, **common))
        store.set_password(profiles[-1].id, busy.password)
    for profile in profiles:
        password = resolve_password(profile, store) or ""
        request = request_from_profile(profile, password, dns_server=info.dns_server)
        outcome = connect(
            request,
            on_step=lambda step: None,
            cancel=threading.Event(),
            confirm_redirect=lambda target: False,
        )
        if outcome.ok and outcome.metadata is not None:
            profile = replace(profile, metadata=outcome.metadata)
        elif outcome.diagnosis.topic is not None:
            metadata = replace(profile.metadata, last_error_topic=outcome.diagnosis.topic.id)
            profile = replace(profile, metadata=metadata)
        config.add(profile)
    save_config(config)
    hint = DemoHint(
        visitor.email, visitor.password, profiles[0].name, vpn_host=VPN_HOST, flaky=flaky
    )
    context = UiContext(
        secrets_factory=lambda: store,
        demo_hint=hint,
        subtitle="demo: sandbox server, in-memory keyring",
        new_profile_defaults=defaults,
        dns_server=info.dns_server,
    )
    return DemoSetup(config=config, store=store, context=context)


def _run(args: argparse.Namespace) -> int:
    from exsync_tui.sandbox import Sandbox, SandboxConfig
    from exsync_tui.ui.app import run_tui

    with tempfile.TemporaryDirectory(prefix="exsync-demo-") as temporary:
        use_temporary_dirs(Path(temporary))
        print("Starting the demo Exchange server on this machine…", file=sys.stderr)
        config = SandboxConfig(
            tls=True, domain="example.com", users=4, messages=DEMO_MESSAGES, events=10
        )
        with Sandbox(config) as sandbox:
            setup = prepare(sandbox)
            return run_tui(setup.context)
