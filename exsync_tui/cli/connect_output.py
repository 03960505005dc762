"""Printing connect and doctor steps and help topics on a terminal, and verifying a new profile.

Shared by ``exsync diagnose`` and ``exsync profiles add`` so both speak alike.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from typing import TextIO

from exsync_tui.cli.password_prompt import can_prompt, prompt_password
from exsync_tui.core.connect import connect, request_from_profile
from exsync_tui.core.diagnose import for_profile
from exsync_tui.core.profiles import (
    ConnectionMode,
    Profile,
    load_config,
    record_outcome,
    resolve_password,
    save_config,
    saving_fresh,
)
from exsync_tui.core.secrets import (
    KeyringUnavailable,
    PasswordCommandError,
    Secret,
    SecretStore,
)
from exsync_tui.core.steps import Diagnosis, HelpTopic, Step, StepStatus

EXIT_CANCELLED = 130
"""Exit code after Ctrl-C (128 + SIGINT), as shells expect."""


def add_time_limit_flag(parser: argparse.ArgumentParser, default_s: float) -> None:
    """``--time-limit SECONDS``: the whole check ends within it, whatever the server does."""
    parser.add_argument(
        "--time-limit",
        type=_seconds,
        default=default_s,
        metavar="SECONDS",
        help=f"give up after this many seconds, however slowly the server answers "
        f"(default {default_s:g})",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 1 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r}: give between 1 and 3600 seconds")
    return value


def was_cancelled(diagnosis: Diagnosis) -> bool:
    """True when the attempt ended because the user cancelled (Ctrl-C)."""
    return diagnosis.topic is not None and diagnosis.topic.id == "cancelled"


_MARKS = {
    StepStatus.OK: "ok",
    StepStatus.WARN: "warn",
    StepStatus.FAIL: "FAIL",
    StepStatus.SKIP: "skip",
}


def format_step(step: Step) -> str:
    """One line per finished step: ``  ok    Name resolution  mail.example.com → ...``."""
    return f"  {_MARKS.get(step.status, '...'):<5} {step.name}: {step.shown_detail}".rstrip(": ")


def format_topic(topic: HelpTopic, facts: dict[str, str] | None = None) -> list[str]:
    """The help topic as lines: title with id, explanation, what to try, when to ask the admin."""
    lines = [
        "",
        f"{topic.title} [{topic.id}]",
        f"  {topic.explanation}",
        "  What to try:",
        *(f"    - {advice}" for advice in topic.advice),
        f"  Exchange administrator: {topic.admin}",
    ]
    fingerprint = (facts or {}).get("certificate_sha256")
    if fingerprint:
        lines.append(
            f"  Certificate SHA-256: {fingerprint} (pin it with --pin-sha256 if you trust it)"
        )
    return lines


class StepPrinter:
    """A step callback printing finished steps as they come (running ones are not printed).

    A step repeated identically (the recorder counts them) is printed once when it first
    comes, then once more with its count when the run of repeats ends: not 29 lines.
    """

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._lock = threading.Lock()
        self._repeated: Step | None = None

    def __call__(self, step: Step) -> None:
        if step.status is StepStatus.RUNNING:
            return
        with self._lock:
            if step.repeats > 1:
                self._repeated = step
                return
            self._print_repeated()
            print(format_step(step), file=self.out, flush=True)

    def flush(self) -> None:
        """Print the count of a run of repeats still pending (call at the end)."""
        with self._lock:
            self._print_repeated()

    def _print_repeated(self) -> None:
        if self._repeated is not None:
            print(format_step(self._repeated), file=self.out, flush=True)
            self._repeated = None


def ask_on_terminal(target: str) -> bool:
    """Ask whether credentials may go to ``target`` (only on an interactive terminal)."""
    if not sys.stdin.isatty():
        return False
    answer = input(
        f"Autodiscover points to {target}, outside your email domain; your password would "
        "be sent there. Follow? [y/N] "
    )
    return answer.strip().lower() in ("y", "yes")


def profile_password(profile: Profile, store: SecretStore, *, prompt: bool) -> Secret | None:
    """The password for ``profile`` as core's resolve_password decides, else (optionally) a prompt.

    Raises KeyringUnavailable or PasswordCommandError.
    """
    password = resolve_password(profile, store)
    if password is not None or profile.mode is ConnectionMode.OFFICE365:
        return password
    if prompt and can_prompt():
        return prompt_password(profile.sign_in_name)  # Ctrl-D raises EOFError
    return None


def forget_profile(profile: Profile, out: TextIO) -> None:
    """Take back a profile whose connection failed: the config entry and its secrets."""
    config = load_config()
    if config.by_id(profile.id) is not None:
        config.remove(profile.name)
        save_config(config)
    with contextlib.suppress(KeyringUnavailable):
        SecretStore().delete_all(profile.id)
    print(f"profile {profile.name} was not kept; fix the settings and add it again", file=out)


def verify_profile_connection(
    profile: Profile, password: Secret | None, out: TextIO, *, budget_s: float
) -> int:
    """Connect with a just-saved profile, within ``budget_s`` seconds; keep it with what was
    learned, or take it back (exit code 130 when the user pressed Ctrl-C)."""
    if profile.mode is ConnectionMode.OFFICE365:
        print("not verified: Microsoft 365 profiles sign in with exsync profiles signin", file=out)
        return 0
    try:
        password = password or profile_password(profile, SecretStore(), prompt=False)
    except (KeyringUnavailable, PasswordCommandError) as error:
        print(f"not verified: {error}", file=out)
        return 1
    if password is None:
        print("not verified: no password to sign in with", file=out)
        return 0
    print(f"verifying the connection for {profile.email}...", file=out, flush=True)
    printer = StepPrinter(out)
    outcome = connect(
        request_from_profile(profile, password.reveal()),
        on_step=printer,
        cancel=threading.Event(),
        confirm_redirect=ask_on_terminal,
        budget_s=budget_s,
    )
    printer.flush()
    if not outcome.ok or outcome.metadata is None:
        topic = outcome.diagnosis.topic
        if topic is not None:
            for line in format_topic(
                for_profile(topic, profile.name), dict(outcome.diagnosis.facts)
            ):
                print(line, file=out)
        forget_profile(profile, out)
        return EXIT_CANCELLED if was_cancelled(outcome.diagnosis) else 1
    record_outcome(profile, outcome.diagnosis, saving_fresh(), learned=outcome.metadata)
    metadata = outcome.metadata
    print(
        f"connected: EWS at {metadata.ews_url}, {metadata.server_version or 'version unknown'}, "
        f"{(metadata.auth_type or '').upper()} sign-in; saved to the profile",
        file=out,
    )
    return 0
