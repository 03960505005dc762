"""Turning an unexpected exception of background work into something the error help can show."""

from __future__ import annotations

from exsync_tui.core.profiles import ConfigError
from exsync_tui.core.steps import Diagnosis, HelpTopic, Step, StepStatus


def diagnosis_for_exception(error: BaseException) -> Diagnosis:
    """A failed diagnosis whose topic explains ``error`` in plain words.

    Core exceptions never hold secrets, so their message can be shown as it is.
    """
    message = str(error) or type(error).__name__
    if isinstance(error, ConfigError):
        topic = HelpTopic(
            id="config-invalid",
            title="The configuration could not be used",
            explanation=message,
            advice=(
                "Fix the value named above in config.toml, or change it in the "
                "mailbox's advanced settings.",
            ),
            admin="This is a local problem; your Exchange administrator cannot fix it.",
        )
    elif isinstance(error, OSError):
        topic = HelpTopic(
            id="local-io-error",
            title="A local file or the keyring could not be used",
            explanation=message,
            advice=(
                "Check that the disk is not full and that the config and data "
                "directories are writable.",
                "If the keyring is locked, unlock it and try again.",
            ),
            admin="This is a local problem; your Exchange administrator cannot fix it.",
        )
    else:
        topic = HelpTopic(
            id="unexpected-error",
            title="Something went wrong inside exsync",
            explanation=f"{type(error).__name__}: {message}",
            advice=("Try again.", "If it happens again, save the report and file a bug."),
            admin="This is most likely a bug in exsync, not a server problem.",
        )
    step = Step(name="exsync", status=StepStatus.FAIL, detail=message)
    return Diagnosis(ok=False, steps=(step,), topic=topic)
