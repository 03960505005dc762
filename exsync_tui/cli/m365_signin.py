"""Microsoft 365 sign-in on a terminal: the device code with a countdown, Ctrl-C cancels.

Used by `exsync profiles add --office365` (right after saving the profile) and
`exsync profiles signin NAME` (sign in again). The wait runs in a worker
thread; the main thread draws the countdown and turns Ctrl-C into the
sign-in's cancel event, so the wait stops within a second.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from exsync_tui.cli.connect_output import EXIT_CANCELLED, format_topic
from exsync_tui.cli.profiles_common import EXIT_FAILED, EXIT_OK, UsageError, find, load
from exsync_tui.core.diagnose import for_profile
from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.diagnose.topics import topic_by_id
from exsync_tui.core.m365 import DeviceCodePrompt, DeviceSignIn, SignedIn, settings_from_profile
from exsync_tui.core.m365.authcode import AuthCodeSignIn
from exsync_tui.core.m365.settings import M365Settings
from exsync_tui.core.m365.tokens import forget_sign_in_error
from exsync_tui.core.profiles import Profile, saving_fresh
from exsync_tui.core.secrets import SecretStore


def _clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def print_topic(error: TopicError, profile: Profile, out: TextIO) -> None:
    """The failure's help topic, its commands naming the profile."""
    print(f"sign-in failed: {error.detail}", file=out)
    for line in format_topic(for_profile(topic_by_id(error.topic_id), profile.name), error.facts):
        print(line, file=out)


def show_device_code(prompt: DeviceCodePrompt, out: TextIO) -> None:
    """The code and where to enter it, on their own lines so they are easy to copy."""
    print("To sign in to Microsoft 365, open this address on any device:", file=out)
    print(f"    {prompt.verification_uri}", file=out)
    print("and enter the code:", file=out)
    print(f"    {prompt.user_code}", file=out)
    print(f"(the code expires in {_clock(prompt.seconds_left())}; Ctrl-C cancels)", file=out)


def _wait_with_countdown(
    wait: Callable[[], SignedIn],
    cancel: threading.Event,
    expires_at: float | None,
    out: TextIO,
) -> SignedIn:
    """Run ``wait`` in a worker; show the time left on a terminal; Ctrl-C sets ``cancel``."""
    outcome: dict[str, SignedIn | BaseException] = {}
    # An event, not Thread.join: a join interrupted by Ctrl-C can leave the thread
    # looking finished while it still runs (a CPython quirk).
    finished = threading.Event()

    def work() -> None:
        try:
            outcome["value"] = wait()
        except BaseException as error:  # handed to the main thread below
            outcome["error"] = error
        finally:
            finished.set()

    worker = threading.Thread(target=work, name="exsync-m365-signin", daemon=True)
    worker.start()
    live = out.isatty() and expires_at is not None
    try:
        while not finished.is_set():
            if live and expires_at is not None:
                left = DeviceCodePrompt("", "", expires_at, "").seconds_left()
                print(f"\r  waiting for the sign-in... {_clock(left)} left ", end="", file=out)
                out.flush()
            finished.wait(1.0)
    except KeyboardInterrupt:
        cancel.set()
        finished.wait()
    finally:
        if live:
            print(file=out)
    error = outcome.get("error")
    if isinstance(error, BaseException):
        raise error
    value = outcome["value"]
    assert isinstance(value, SignedIn)
    return value


def device_sign_in(settings: M365Settings, store: SecretStore, out: TextIO) -> SignedIn:
    """The whole device-code sign-in on this terminal; raises TopicError."""
    flow = DeviceSignIn(settings, store)
    prompt = flow.start()
    show_device_code(prompt, out)
    return _wait_with_countdown(flow.wait, flow.cancel, prompt.expires_at, out)


def browser_sign_in(
    settings: M365Settings, store: SecretStore, out: TextIO, port: int = 0
) -> SignedIn:
    """The authorization-code sign-in: a URL to open, and the ssh -L command for elsewhere."""
    flow = AuthCodeSignIn(settings, store, port=port)
    prompt = flow.start()
    print("To sign in to Microsoft 365, open this address in a browser:", file=out)
    print(f"    {prompt.url}", file=out)
    print(f"The browser is sent back to http://localhost:{prompt.port} on this machine.", file=out)
    print("If the browser runs on another machine, run this there first:", file=out)
    print(f"    {prompt.ssh_command}", file=out)
    print("(Ctrl-C cancels)", file=out)
    return _wait_with_countdown(flow.wait, flow.cancel, prompt.expires_at, out)


def terminal_sign_in(
    profile: Profile,
    default_client_id: str | None,
    out: TextIO,
    *,
    store: SecretStore | None = None,
    browser: bool = False,
    port: int = 0,
) -> int:
    """Sign ``profile`` in on this terminal (device code, or ``browser``: authorization code
    on a loopback ``port``); the exit code (130 when cancelled)."""
    store = store or SecretStore()
    try:
        settings = settings_from_profile(profile, default_client_id)
        if browser:
            done = browser_sign_in(settings, store, out, port)
        else:
            done = device_sign_in(settings, store, out)
    except TopicError as error:
        if error.topic_id == "cancelled":
            print("sign-in cancelled", file=out)
            return EXIT_CANCELLED
        print_topic(error, profile, out)
        return EXIT_FAILED
    print(f"signed in as {done.username}; the sign-in is kept in {store.describe()}", file=out)
    forget_sign_in_error(profile, saving_fresh())
    return EXIT_OK


def signin(args: argparse.Namespace) -> int:
    """`profiles signin NAME`: sign a Microsoft 365 profile in (again)."""
    config = load()
    profile = find(config, args.name)
    if args.port and not args.browser:
        raise UsageError("--port: only with --browser")
    return terminal_sign_in(
        profile, config.office365_client_id, sys.stdout, browser=args.browser, port=args.port
    )
