"""`exsync diagnose NAME`: the step-by-step connection doctor, from this machine.

Exit code 0 only when every step passed; 1 when a step failed (the help topic
says why); 2 for bad usage (unknown profile, no password); 130 after Ctrl-C.
The whole check ends within ``--time-limit`` seconds (30 by default), however
slowly the server answers.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import Any

from exsync_tui.cli.connect_output import (
    EXIT_CANCELLED,
    StepPrinter,
    add_time_limit_flag,
    ask_on_terminal,
    format_topic,
    profile_password,
    was_cancelled,
)
from exsync_tui.cli.password_prompt import NOT_A_TERMINAL, can_prompt, prompt_password
from exsync_tui.cli.profiles_common import start_logging
from exsync_tui.core.connect import ConnectRequest, request_from_profile
from exsync_tui.core.diagnose import (
    diagnose,
    personalised,
    render_report,
    report_json,
    topic_by_id,
)
from exsync_tui.core.diagnose.doctor import DOCTOR_BUDGET_S
from exsync_tui.core.files import atomic_write_text
from exsync_tui.core.profiles import (
    ConfigError,
    ConnectionMode,
    Profile,
    load_config,
    record_outcome,
    saving_fresh,
)
from exsync_tui.core.secrets import KeyringUnavailable, PasswordCommandError, Secret, SecretStore
from exsync_tui.core.steps import Diagnosis, Step, StepStatus

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(subparsers: Any) -> None:
    """Add the `diagnose` subcommand."""
    parser = subparsers.add_parser(
        "diagnose",
        help="check a profile's connection step by step and explain what is wrong",
        description=(
            "Run the connection doctor for a profile: name resolution, TCP, TLS, autodiscover, "
            "sign-in and mailbox access, from this machine. Exit code 0 only when every step "
            "passed."
        ),
    )
    parser.add_argument("name", metavar="NAME", help="the profile to check")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--report", metavar="FILE", help="also write a redacted text report for an administrator"
    )
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    parser.add_argument(
        "--dns-server",
        metavar="ADDR[:PORT]",
        help="resolve names with this nameserver (e.g. the company DNS) instead of the system's",
    )
    parser.add_argument(
        "--debug", action="store_true", help="log network details (redacted) to the log file"
    )
    add_time_limit_flag(parser, DOCTOR_BUDGET_S)
    parser.set_defaults(handler=_run)


def _keyring_diagnosis(reason: str, name: str) -> Diagnosis:
    step = Step("Password", StepStatus.FAIL, reason)
    diagnosis = Diagnosis(ok=False, steps=(step,), topic=topic_by_id("keyring-unavailable"))
    return personalised(diagnosis, name)


def _password(args: argparse.Namespace, profile: Profile) -> Secret | None:
    if args.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        return Secret(line) if line else None
    # The prompt goes to the terminal, not stdout, so --json output stays clean.
    try:
        return profile_password(profile, SecretStore(), prompt=True)
    except KeyringUnavailable as error:
        if not can_prompt():
            raise
        # What the keyring-unavailable advice promises: asked for, used for this run only.
        print(
            f"note: no secure keyring ({error.reason}): the password is asked for this "
            "check only and not stored",
            file=sys.stderr,
        )
        try:
            return prompt_password(profile.sign_in_name)
        except EOFError:
            return None
    except EOFError:
        return None


def _print_result(args: argparse.Namespace, diagnosis: Diagnosis) -> None:
    if args.json:
        print(json.dumps(report_json(diagnosis), indent=2))
        return
    if diagnosis.topic is not None:
        for line in format_topic(diagnosis.topic, dict(diagnosis.facts)):
            print(line)
    elif diagnosis.ok:
        print("\nevery step passed")


def _remember(profile: Profile, diagnosis: Diagnosis) -> None:
    """Keep the verdict on the profile, as the terminal UI does, so its dashboard shows it.

    Not being able to write the config never changes the doctor's answer: it is a warning.
    """
    try:
        saved = record_outcome(profile, diagnosis, saving_fresh())
    except (ConfigError, OSError) as error:
        print(f"warning: the result was not saved on the profile: {error}", file=sys.stderr)
        return
    if saved is not None and saved.backup_path is not None:
        print(
            f"note: {saved.path} had comments, which exsync cannot keep; "
            f"the original is saved as {saved.backup_path}",
            file=sys.stderr,
        )


def _run(args: argparse.Namespace) -> int:
    start_logging(args.debug)
    try:
        config = load_config()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    profile = config.get(args.name)
    if profile is None:
        print(
            f"error: no profile named {args.name!r} (see `exsync profiles list`)", file=sys.stderr
        )
        return EXIT_USAGE
    if profile.mode is ConnectionMode.OFFICE365:
        return _run_m365(args, profile, config.office365_client_id)
    try:
        password = _password(args, profile)
    except (KeyringUnavailable, PasswordCommandError) as error:
        diagnosis = _keyring_diagnosis(str(error), profile.name)
        _print_result(args, diagnosis)
        return EXIT_FAILED
    if password is None:
        why = "" if can_prompt() else f" ({NOT_A_TERMINAL})"
        print(
            f"error: no password for {profile.name}{why}: pass it with --password-stdin, "
            f"or store one with `exsync profiles edit {profile.name} --password-stdin`",
            file=sys.stderr,
        )
        return EXIT_USAGE
    request = request_from_profile(
        profile, password.reveal() if password else "", dns_server=args.dns_server
    )
    if not args.json:
        print(f"checking {profile.name} ({profile.email}) from this machine")
    printer = StepPrinter(sys.stdout)
    diagnosis = diagnose(
        request,
        on_step=(lambda step: None) if args.json else printer,
        cancel=threading.Event(),
        confirm_redirect=(lambda target: False) if args.json else ask_on_terminal,
        budget_s=args.time_limit,
    )
    printer.flush()
    return _finish(args, profile, diagnosis, request)


def _run_m365(args: argparse.Namespace, profile: Profile, default_client_id: str | None) -> int:
    """The Microsoft 365 doctor: settings, authority, sign-in (never started here), Graph."""
    from exsync_tui.core.m365.doctor import diagnose_m365

    if not args.json:
        print(f"checking {profile.name} ({profile.email}) from this machine")
    printer = StepPrinter(sys.stdout)
    cancel = threading.Event()
    try:
        diagnosis = diagnose_m365(
            profile,
            SecretStore(),
            on_step=(lambda step: None) if args.json else printer,
            cancel=cancel,
            default_client_id=default_client_id,
        )
    except KeyboardInterrupt:
        cancel.set()
        print("cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    printer.flush()
    return _finish(args, profile, diagnosis, request_from_profile(profile, ""))


def _finish(
    args: argparse.Namespace, profile: Profile, diagnosis: Diagnosis, request: ConnectRequest
) -> int:
    """Print the verdict, keep it on the profile, write the report; the exit code."""
    diagnosis = personalised(diagnosis, profile.name)
    _print_result(args, diagnosis)
    if was_cancelled(diagnosis):
        return EXIT_CANCELLED  # Ctrl-C: the verdict says nothing about the profile
    _remember(profile, diagnosis)
    if args.report:
        path = Path(args.report).expanduser()
        # Like the TUI's saved report: owner-only, and never a half-written file.
        atomic_write_text(path, render_report(diagnosis, request))
        if not args.json:
            print(f"report written to {path}")
    return EXIT_OK if report_json(diagnosis)["ok"] else EXIT_FAILED
