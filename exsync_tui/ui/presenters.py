"""How core objects are shown as text: statuses, kinds, times and steps.

Pure functions, so the dashboard, the step list and the tests agree on the
words. Status is always spelled out with a symbol and a word, never by colour
alone, so it survives ``NO_COLOR`` and monochrome terminals.
"""

from __future__ import annotations

from datetime import UTC, datetime

from exsync_tui.core.profiles import ConnectionMode, Profile
from exsync_tui.core.steps import Step, StepStatus

STEP_SYMBOLS: dict[StepStatus, str] = {
    StepStatus.RUNNING: "… running",
    StepStatus.OK: "✓ ok",
    StepStatus.WARN: "! warning",
    StepStatus.FAIL: "✗ failed",
    StepStatus.SKIP: "– skipped",
}


def mailbox_kind(profile: Profile) -> str:
    """ "Microsoft 365" for Office 365 profiles, "Exchange" for the rest."""
    return "Microsoft 365" if profile.mode is ConnectionMode.OFFICE365 else "Exchange"


def mailbox_status(profile: Profile) -> str:
    """One short phrase with a symbol: verified, error with its topic, disabled, never connected."""
    if not profile.enabled:
        return "– disabled"
    topic = profile.metadata.last_error_topic
    if topic:
        return f"✗ error: {topic}"
    if profile.metadata.last_verified is not None:
        return "✓ verified"
    return "· never connected"


def ago(moment: datetime | None, now: datetime) -> str:
    """A moment relative to ``now``: "just now", "5 min ago", "3 h ago", "2 d ago", or a date."""
    if moment is None:
        return "never"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)} d ago"
    return moment.strftime("%Y-%m-%d")


def step_line(step: Step, *, running_for: float | None = None) -> str:
    """One step as a line: status word, name, detail and time taken (so far, while running)."""
    if running_for is not None:
        elapsed = f" ({int(running_for)} s)"
    else:
        elapsed = f" ({step.elapsed_s:.2f} s)" if step.elapsed_s is not None else ""
    detail = f": {step.shown_detail}" if step.shown_detail else ""
    return f"{STEP_SYMBOLS[step.status]:<11} {step.name}{detail}{elapsed}"


def fingerprint_with_colons(hex_digits: str) -> str:
    """A SHA-256 fingerprint as ``AB:CD:…``, the way browsers and openssl print it."""
    bare = hex_digits.replace(":", "").upper()
    return ":".join(bare[index : index + 2] for index in range(0, len(bare), 2))


def fingerprint_lines(hex_digits: str, per_line: int = 16) -> str:
    """The fingerprint in lines of ``per_line`` bytes (47 columns), so no byte is ever split
    by wrapping when it is compared digit by digit with the administrator's."""
    pairs = fingerprint_with_colons(hex_digits).split(":")
    return "\n".join(
        ":".join(pairs[index : index + per_line]) for index in range(0, len(pairs), per_line)
    )
