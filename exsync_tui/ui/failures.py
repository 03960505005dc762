"""Turning an unexpected exception of background work into something the error help can show."""

from __future__ import annotations

from exsync_tui.core.profiles import ConfigError
from exsync_tui.core.secrets import SecretsError
from exsync_tui.core.steps import Diagnosis, Step, StepStatus


def diagnosis_for_exception(error: BaseException) -> Diagnosis:
    """A failed diagnosis with the core's help topic for ``error``; its message is the detail.

    Core exceptions never hold secrets, so their message can be shown as it is.
    """
    from exsync_tui.core.diagnose import topic_by_id

    message = str(error) or type(error).__name__
    if isinstance(error, ConfigError):
        topic_id = "settings-invalid"
    elif isinstance(error, SecretsError):  # no keyring, or the password command failed
        # The topic `exsync diagnose` shows for the same errors: its advice covers both.
        topic_id = "keyring-unavailable"
    else:
        topic_id = "unexpected-error"
        message = f"{type(error).__name__}: {message}"
    step = Step(name="exsync", status=StepStatus.FAIL, detail=message)
    return Diagnosis(ok=False, steps=(step,), topic=topic_by_id(topic_id))
