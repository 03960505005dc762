"""`exsync send`: a sendmail-compatible command that sends through the Exchange mailbox.

Reads one RFC 5322 message on standard input and sends it to the RECIPIENT
arguments (with -t, also to its To, Cc and Bcc). A copy lands in Sent Items; Bcc
never shows. When the server cannot take it now, the message is queued and
sent by the next `exsync sync` or `exsync send --flush`, and the exit code is 0,
as sendmail's is when it queues. Exit codes (sysexits): 0 sent or queued;
64 usage; 65 not a message; 67 a recipient refused; 69 the server refuses this
mailbox (certificate, EWS off); 70 internal error; 75 queue not empty after
--flush, or the queue could not be written; 77 sign-in refused; 78 the profile
cannot send yet (no password, never connected).
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from exsync_tui.cli.connect_output import add_time_limit_flag
from exsync_tui.cli.profiles_common import load
from exsync_tui.core.diagnose.topics import topic_by_id
from exsync_tui.core.profiles import ConfigError, Profile
from exsync_tui.core.send.deliver import SEND_TIME_LIMIT_S
from exsync_tui.core.send.failures import (
    EX_CONFIG,
    EX_DATAERR,
    EX_NOUSER,
    EX_OK,
    EX_SOFTWARE,
    EX_TEMPFAIL,
    EX_USAGE,
    Failure,
)

# sendmail options that mutt, neomutt, aerc, git send-email and mailx pass; none
# changes how Exchange sends (the message is read to its end, errors are exit codes).
_IGNORED_FLAGS = ("-i", "-v", "-n", "-G", "-U", "-m")
_IGNORED_VALUES = ("-o", "-e", "-F", "-N", "-R", "-V", "-B", "-L", "-X", "-O")


class _Usage(Exception):
    """Bad arguments: sendmail's EX_USAGE."""


def _refuse_usage(message: str) -> NoReturn:
    raise _Usage(message)


def register(subparsers: Any) -> None:
    """Add the `send` subcommand."""
    parser = subparsers.add_parser(
        "send",
        help="send a message from standard input through the mailbox (sendmail-compatible)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("recipients", nargs="*", metavar="RECIPIENT")
    parser.add_argument("-t", dest="from_headers", action="store_true",
                        help="also send to the To, Cc and Bcc of the message")  # fmt: skip
    parser.add_argument("-f", "-r", dest="sender", metavar="FROM",
                        help="the sender address (chooses the profile)")  # fmt: skip
    parser.add_argument("--profile", metavar="NAME", help="the profile to send with")
    add_time_limit_flag(parser, SEND_TIME_LIMIT_S)
    parser.add_argument("-b", dest="mode", default="m", help=argparse.SUPPRESS)
    for flag in _IGNORED_FLAGS:
        parser.add_argument(flag, action="store_true", dest=f"_{flag}", help=argparse.SUPPRESS)
    for flag in _IGNORED_VALUES:
        parser.add_argument(flag, action="append", dest=f"_{flag}", help=argparse.SUPPRESS)
    action = parser.add_mutually_exclusive_group()
    # -q and -bp are sendmail's own spellings of --flush and --queue (mailq).
    action.add_argument("--flush", "-q", action="store_true", help="send what is queued now")
    action.add_argument("--queue", action="store_true", help="list what is queued")
    action.add_argument("--drop", metavar="ENTRY", help="remove a queued message, unsent")
    # sendmail's callers read the exit code, and 2 means nothing to them: 64 is "usage".
    setattr(parser, "error", _refuse_usage)  # noqa: B010
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Send, flush or list; see the module docstring for exit codes."""
    try:
        if args.mode == "p":
            args.queue = True
        elif args.mode != "m":
            raise _Usage(f"-b{args.mode} is not supported: exsync send delivers (-bm, -bp)")
        config = load()
        if args.queue or args.flush or args.drop:
            from exsync_tui.cli.send_queue import drop_entry, flush_queues, show_queues

            chosen = _named(config.profiles, args.profile)
            if args.drop:
                return drop_entry(chosen, args.drop)
            if args.queue:
                return show_queues(chosen)
            return flush_queues(chosen, args.time_limit, config.office365_client_id)
        return _send(args, config.profiles, config.office365_client_id)
    except _Usage as error:
        print(f"exsync send: {error}", file=sys.stderr)
        return EX_USAGE
    except ConfigError as error:
        print(f"exsync send: {error}", file=sys.stderr)
        return EX_CONFIG
    except OSError as error:  # the queue could not be used: the caller keeps the message
        print(f"exsync send: the send queue: {error}", file=sys.stderr)
        return EX_TEMPFAIL
    except Exception as error:  # a bug: the caller keeps the message, and says so
        print(f"exsync send: internal error, not sent: {error!r}", file=sys.stderr)
        return EX_SOFTWARE


def _named(profiles: dict[str, Profile], name: str | None) -> list[Profile]:
    if name is None:
        return list(profiles.values())
    if name not in profiles:
        raise _Usage(f"no profile named {name!r} (profiles: {', '.join(profiles) or 'none'})")
    return [profiles[name]]


def _send(
    args: argparse.Namespace, profiles: dict[str, Profile], default_client_id: str | None
) -> int:
    from exsync_tui.core.send.choose import ProfileChoiceError, choose_profile
    from exsync_tui.core.send.deliver import Outcome, submit
    from exsync_tui.core.send.outgoing import AddressError, MessageError, NoRecipients, prepare

    raw = sys.stdin.buffer.read()
    try:
        outgoing = prepare(raw, args.recipients, from_headers=args.from_headers, sender=args.sender)
        profile = choose_profile(profiles, args.profile, outgoing.sender)
    except MessageError as error:
        print(f"exsync send: {error}", file=sys.stderr)
        return EX_DATAERR
    except AddressError as error:
        print(f"exsync send: {error}", file=sys.stderr)
        return EX_NOUSER
    except (NoRecipients, ProfileChoiceError) as error:
        raise _Usage(str(error)) from None
    ready = ready_or_failure(profile, default_client_id)
    if isinstance(ready, Failure):
        return _failed(profile, ready)
    profile, secret = ready
    with time_limit(args.time_limit) as cancel:
        result = submit(profile, secret, outgoing, cancel=cancel)
    if result.outcome is Outcome.QUEUED:
        why = f"{result.failure.topic}: {result.failure.detail}" if result.failure else result.note
        if cancel.is_set():
            why = f"no answer within {args.time_limit:g} s"
        print(
            f"exsync send: queued {result.message_id} ({why}); it goes out with the next "
            f"`exsync sync {profile.name}` or `exsync send --flush`",
            file=sys.stderr,
        )
    elif result.outcome is Outcome.FAILED and result.failure is not None:
        return _failed(profile, result.failure)
    return EX_OK


@contextmanager
def time_limit(seconds: float) -> Iterator[threading.Event]:
    """A cancel event set after ``seconds``: a hung server cannot hold the mail client."""
    cancel = threading.Event()
    timer = threading.Timer(seconds, cancel.set)
    timer.daemon = True
    timer.start()
    try:
        yield cancel
    finally:
        timer.cancel()


def ready_or_failure(
    profile: Profile, default_client_id: str | None
) -> tuple[Profile, str] | Failure:
    """The profile as a sync would run it and its secret (a password, or a Microsoft 365
    access token), or why there is none: the same rules as `exsync sync`."""
    from exsync_tui.core.secrets import SecretStore
    from exsync_tui.core.sync.engine import SyncResult
    from exsync_tui.core.sync.jobs import prepare_job

    prepared = prepare_job(profile, SecretStore(), default_client_id=default_client_id)
    if isinstance(prepared, SyncResult):
        return Failure(prepared.topic or "keyring-unavailable", prepared.detail or "",
                       EX_CONFIG, temporary=False)  # fmt: skip
    return prepared.profile, prepared.password


def _failed(profile: Profile, failure: Failure) -> int:
    """Say why on stderr, with the help topic's advice; the exit code sendmail would give."""
    topic = topic_by_id(failure.topic)
    print(f"exsync send: not sent: {topic.title} ({failure.topic}): {failure.detail}",
          file=sys.stderr)  # fmt: skip
    for advice in topic.advice[:2]:
        print(f"  - {advice}", file=sys.stderr)
    print(f"  see `exsync diagnose {profile.name}`", file=sys.stderr)
    return failure.exit_code
