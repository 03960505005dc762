"""Messages that carry progress from worker threads to the screens."""

from __future__ import annotations

from textual.message import Message

from exsync_tui.core.steps import Step, StepStatus


def _same(earlier: Step, step: Step) -> bool:
    return (earlier.name, earlier.status, earlier.detail, earlier.url) == (
        step.name,
        step.status,
        step.detail,
        step.url,
    )


def merge_step(steps: tuple[Step, ...], step: Step) -> tuple[Step, ...]:
    """The steps with ``step`` added: it replaces the running line of the same step, if any,
    or the line it repeats (the recorder counts identical steps in a row)."""
    if step.repeats > 1 and steps and _same(steps[-1], step):
        return (*steps[:-1], step)
    for index in range(len(steps) - 1, -1, -1):
        earlier = steps[index]
        if (
            earlier.status is StepStatus.RUNNING
            and earlier.name == step.name
            and earlier.url == step.url
        ):
            return steps[:index] + (step,) + steps[index + 1 :]
    return steps + (step,)


class StepsUpdated(Message):
    """Every step of the attempt so far.

    Carries the whole list, so a burst of steps can be coalesced into the
    latest message without losing any line.
    """

    def __init__(self, attempt: int, steps: tuple[Step, ...]) -> None:
        super().__init__()
        self.attempt = attempt
        self.steps = steps

    def can_replace(self, message: Message) -> bool:
        """A newer list of the same attempt makes an older one pointless."""
        return isinstance(message, StepsUpdated) and message.attempt == self.attempt
