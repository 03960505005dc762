"""Fixed, deterministic states of every screen: the snapshot tests and ``make screenshots``.

Each :class:`Scenario` builds an app on fixed data (a fixed clock, fixed
profiles, a recorded diagnosis) and drives it into one state with Pilot. No
real time, port or path reaches the screen, so the pictures only change when
the UI does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.pilot import Pilot

from exsync_tui.core.profiles import (
    AuthType,
    Config,
    ConnectionMode,
    MailboxMetadata,
    Profile,
    TlsTrust,
)
from exsync_tui.core.steps import Diagnosis, HelpTopic, Step, StepStatus
from exsync_tui.ui import m365_scenarios as m365
from exsync_tui.ui import sync_scenarios as sync_states
from exsync_tui.ui.app import ExsyncApp
from exsync_tui.ui.context import UiContext
from exsync_tui.ui.demo_hint import DemoHint
from exsync_tui.ui.sync_scenarios import with_sync

FIXED_NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DEMO_HINT = DemoHint("bob@example.com", "Bob-0123456789ab", "alice", flaky="dave")
"""The demo's own hint, for bob (not added yet) and the demo's two mailboxes."""
FINGERPRINT = "3f" * 32


def fixed_profiles() -> dict[str, Profile]:
    """Four mailboxes, one of each status."""
    work = Profile(
        name="work",
        id="0" * 31 + "1",
        email="jane@example.com",
        username="CORP\\jane",
        mode=ConnectionMode.MANUAL,
        server="mail.example.com",
        metadata=MailboxMetadata(
            primary_smtp_address="jane@example.com",
            ews_url="https://mail.example.com/EWS/Exchange.asmx",
            server_version="Exchange2016",
            auth_type="NTLM",
            last_verified=FIXED_NOW - timedelta(hours=2),
            last_synced=FIXED_NOW - timedelta(minutes=25),
        ),
    )
    lab = Profile(
        name="lab",
        id="0" * 31 + "2",
        email="sam@lab.example.org",
        connect_to=("lab.example.org:443:10.255.255.1:443",),
        mail_dir=Path("~/Mail/lab"),
        metadata=MailboxMetadata(
            last_verified=FIXED_NOW - timedelta(days=3),
            last_error_topic="private-address-vpn",
        ),
    )
    cloud = Profile(
        name="cloud",
        id="0" * 31 + "3",
        email="lee@contoso.example",
        mode=ConnectionMode.OFFICE365,
        auth=AuthType.OAUTH,
    )
    old = Profile(
        name="old",
        id="0" * 31 + "4",
        email="old@example.net",
        enabled=False,
        disabled_at=FIXED_NOW - timedelta(days=10),
        tls=TlsTrust(pin_sha256=FINGERPRINT),
        metadata=MailboxMetadata(last_verified=FIXED_NOW - timedelta(days=40)),
    )
    return {profile.name: profile for profile in (work, lab, cloud, old)}


def fixed_app(
    profiles: dict[str, Profile] | None = None,
    *,
    demo_hint: str | Callable[[Config], str] | None = None,
) -> ExsyncApp:
    """An app on fixed data that never writes anything and opens no keyring."""
    config = Config(profiles=dict(profiles or {}), path=Path("/nonexistent/config.toml"))
    context = UiContext(
        clock=lambda: FIXED_NOW,
        initial_config=config,
        persist=False,
        demo_hint=demo_hint,
        secrets_factory=_no_secrets,
    )
    return ExsyncApp(context)


def _no_secrets():  # type: ignore[no-untyped-def]
    from exsync_tui.core.secrets import SecretStore
    from exsync_tui.core.secrets.memory import MemoryKeyring

    return SecretStore(MemoryKeyring())


def vpn_diagnosis() -> Diagnosis:
    """A recorded doctor run that stopped at a private address (the demo's broken mailbox)."""
    return Diagnosis(
        ok=False,
        steps=(
            Step("dns", StepStatus.OK, "lab.example.org → 10.255.255.1 (host mapping)", None, 0.0),
            Step(
                "route",
                StepStatus.FAIL,
                "10.255.255.1 is a private address and no specific route leads there",
                None,
                0.0,
            ),
            Step("tcp", StepStatus.SKIP, "not tried: nothing was sent to a private address"),
        ),
        topic=_topic("private-address-vpn"),
        facts={"host": "lab.example.org"},
    )


def certificate_diagnosis() -> Diagnosis:
    """A recorded doctor run that met an untrusted certificate."""
    return Diagnosis(
        ok=False,
        steps=(
            Step("dns", StepStatus.OK, "mail.example.com → 127.0.0.1", None, 0.01),
            Step("tcp", StepStatus.OK, "connected to 127.0.0.1:443", None, 0.02),
            Step(
                "tls",
                StepStatus.FAIL,
                "certificate not trusted: self-signed certificate",
                "https://mail.example.com/EWS/Exchange.asmx",
                0.05,
            ),
        ),
        topic=_topic("tls-untrusted"),
        facts={"certificate_sha256": FINGERPRINT, "host": "mail.example.com"},
    )


def _topic(topic_id: str) -> HelpTopic:
    """The core's help topic of that id, so the pictures show the real words."""
    from exsync_tui.core.diagnose import topic_by_id

    return topic_by_id(topic_id)


Run = Callable[[Pilot[None]], Awaitable[None]]


@dataclass(frozen=True)
class Scenario:
    """One screen in one state: how to build the app and how to drive it there."""

    name: str
    description: str
    build: Callable[[], ExsyncApp]
    run_before: Run | None = None


SIZES = ((80, 24), (120, 40))


async def _settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    _steady_cursors(pilot)


def _steady_cursors(pilot: Pilot[None]) -> None:
    """Show every text field's cursor without blinking.

    A blinking cursor turns off 0.5 s after focus, so on a busy machine the
    picture would depend on how long the steps took.
    """
    from textual.widgets import Input

    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


async def _add(pilot: Pilot[None]) -> None:
    await _settle(pilot)
    await pilot.press("a")
    await _settle(pilot)


async def _add_typed_badly(pilot: Pilot[None]) -> None:
    await _add(pilot)
    await pilot.press(*"jane.example.com")
    await pilot.press("tab", *"secret")
    await _settle(pilot)


async def _connecting(pilot: Pilot[None]) -> None:
    from exsync_tui.ui.messages import StepsUpdated
    from exsync_tui.ui.screens.connect import ConnectScreen

    await _add(pilot)
    await pilot.press(*"bob@example.com", "tab", *"secret")
    await _settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ConnectScreen)
    # The live state, without a network: the form locked and steps arriving.
    screen.connecting = True
    screen._show_status("Connecting bob@example.com… (escape cancels)")
    screen.query_one("#steps").display = True
    url = "https://example.com/autodiscover/autodiscover.xml"
    url2 = "https://autodiscover.example.com/autodiscover/autodiscover.xml"
    steps = (
        Step("autodiscover", StepStatus.FAIL, "no answer: connection refused", url, 0.01),
        Step("autodiscover", StepStatus.RUNNING, "asking", url2),
    )
    screen.post_message(StepsUpdated(screen._attempt, steps))
    await pilot.pause()


async def _advanced(pilot: Pilot[None]) -> None:
    await _add(pilot)
    await pilot.press("f2")
    await _settle(pilot)
    await pilot.press("tab", *"https://mail.example.com/owa/#path=/mail")
    await _settle(pilot)


async def _advanced_invalid(pilot: Pilot[None]) -> None:
    await _add(pilot)
    await pilot.press("f2")
    await _settle(pilot)
    await pilot.press(*"jane", "tab", *"http://mail.example.com/EWS/Exchange.asmx")
    await pilot.press("tab", "tab", "tab", *"AB:CD", "tab", *"mail.example.com:443")
    await _settle(pilot)


def _help_run(diagnosis: Callable[[], Diagnosis], *, can_fix: bool = True) -> Run:
    async def run(pilot: Pilot[None]) -> None:
        from exsync_tui.ui.screens.error_help import ErrorHelpScreen

        await _settle(pilot)
        await pilot.app.push_screen(ErrorHelpScreen(diagnosis(), can_fix=can_fix))
        await _settle(pilot)

    return run


async def _remove(pilot: Pilot[None]) -> None:
    await _settle(pilot)
    await pilot.press("x", "shift+tab", "space")
    await _settle(pilot)


async def _keys(pilot: Pilot[None]) -> None:
    await _settle(pilot)
    await pilot.press("question_mark")
    await _settle(pilot)


async def _redirect(pilot: Pilot[None]) -> None:
    from exsync_tui.ui.screens.confirm import ConfirmDialog

    await _add(pilot)
    await pilot.app.push_screen(
        ConfirmDialog(
            "Follow the redirect?",
            "Autodiscover was sent on to https://mail.partner.example/autodiscover/"
            "autodiscover.xml, outside your address's domain. exsync would send your "
            "password there. Only agree if you know this server belongs to your organisation.",
            yes="Send it there",
            no="Stop",
        )
    )
    await _settle(pilot)


def _with_lab_selected(run: Run) -> Run:
    async def selected(pilot: Pilot[None]) -> None:
        await _settle(pilot)
        await pilot.press("down")
        await run(pilot)

    return selected


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("dashboard-empty", "First run: no mailboxes yet", lambda: fixed_app()),
    Scenario("dashboard", "Mailboxes of every status", lambda: fixed_app(fixed_profiles())),
    Scenario(
        "dashboard-demo",
        "The demo's hint panel",
        lambda: fixed_app(_demo_profiles(), demo_hint=DEMO_HINT),
    ),
    Scenario("keys-help", "The ? dialog", lambda: fixed_app(fixed_profiles()), _keys),
    Scenario("connect", "Adding a mailbox", lambda: fixed_app(), _add),
    Scenario("connect-invalid", "A mistyped address", lambda: fixed_app(), _add_typed_badly),
    Scenario("connect-steps", "Autodiscover steps, live", lambda: fixed_app(), _connecting),
    Scenario("advanced", "Advanced settings, OWA URL pasted", lambda: fixed_app(), _advanced),
    Scenario("connect-m365", "Adding a Microsoft 365 mailbox", fixed_app, m365.connect_office365),
    Scenario(
        "signin",
        "Microsoft 365 sign-in: the code, its address, the countdown",
        lambda: fixed_app(fixed_profiles()),
        m365.sign_in_dialog,
    ),
    Scenario(
        "advanced-invalid",
        "Advanced settings with mistakes",
        lambda: fixed_app(),
        _advanced_invalid,
    ),
    Scenario(
        "error-help-vpn",
        "Error help: private address, VPN",
        lambda: fixed_app(fixed_profiles()),
        _help_run(vpn_diagnosis),
    ),
    Scenario(
        "error-help-certificate",
        "Error help: an untrusted certificate, offered for pinning",
        lambda: fixed_app(fixed_profiles()),
        _help_run(certificate_diagnosis),
    ),
    Scenario(
        "remove",
        "Removing a mailbox, with purge",
        lambda: fixed_app(fixed_profiles()),
        _with_lab_selected(_remove),
    ),
    Scenario("redirect", "Asking before following a redirect", lambda: fixed_app(), _redirect),
    Scenario(
        "dashboard-syncing",
        "Dashboard while work syncs and cloud failed",
        lambda: fixed_app(fixed_profiles()),
        with_sync(sync_states.running, open_screen=False),
    ),
    Scenario(
        "sync-running",
        "Live sync: a mailbox midway, its folders shown, one failed",
        lambda: fixed_app(fixed_profiles()),
        with_sync(sync_states.running, open_screen=True, expand=("work",)),
    ),
    Scenario(
        "sync-cancelled",
        "Live sync: cancelled, saying what was kept",
        lambda: fixed_app(fixed_profiles()),
        with_sync(sync_states.cancelled, open_screen=True),
    ),
    Scenario(
        "sync-done",
        "Live sync: the summary, one mailbox failed, a mass delete held",
        lambda: fixed_app(fixed_profiles()),
        with_sync(sync_states.finished, open_screen=True),
    ),
)


def _demo_profiles() -> dict[str, Profile]:
    profiles = fixed_profiles()
    work = profiles["work"]
    never_synced = replace(work.metadata, last_synced=None)
    alice = replace(work, name="alice", email="alice@example.com", username=None,
                    metadata=never_synced)  # fmt: skip
    vpn = replace(
        profiles["lab"],
        name="branch-office",
        email="carol@branch.example.com",
        server="branch.example.com",
    )
    dave = replace(alice, name="dave", id="0" * 31 + "5", email="dave@example.com")
    return {"alice": alice, "branch-office": vpn, "dave": dave}


def scenario(name: str) -> Scenario:
    """The scenario with that name."""
    return next(item for item in SCENARIOS if item.name == name)
