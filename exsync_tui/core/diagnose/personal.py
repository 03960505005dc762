"""Help topics for one mailbox: commands in the advice name the profile instead of a placeholder.

The catalogue in :mod:`~exsync_tui.core.diagnose.topics` words such advice
generically ("run exsync profiles edit with --password-prompt"); a front end
that knows the profile (``exsync diagnose work``, the dashboard's doctor) shows
the command ready to copy.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from exsync_tui.core.diagnose.m365_topics import SIGN_IN_AGAIN, SIGN_IN_TOPICS
from exsync_tui.core.steps import Diagnosis, HelpTopic

_SIGN_IN_WITH_NAME = ((SIGN_IN_AGAIN, SIGN_IN_AGAIN.replace("signin.", "signin {name}.")),)

# Advice that names a command for one mailbox: the generic wording (shown when the mailbox is
# not known, e.g. in the README) and the same advice with the profile's name filled in.
_WITH_PROFILE_NAME: MappingProxyType[str, tuple[tuple[str, str], ...]] = MappingProxyType(
    {
        "password-expired": (
            (
                "run exsync profiles edit with --password-prompt",
                "run exsync profiles edit {name} --password-prompt",
            ),
        ),
        "unexpected-error": (
            ("exsync diagnose with --report FILE", "exsync diagnose {name} --report FILE"),
        ),
        "keyring-unavailable": (
            (
                "reads it with --password-stdin",
                "reads it with exsync diagnose {name} --password-stdin",
            ),
        ),
    }
    | {topic_id: _SIGN_IN_WITH_NAME for topic_id in SIGN_IN_TOPICS}
)


def for_profile(topic: HelpTopic, name: str | None) -> HelpTopic:
    """``topic`` with the commands in its advice naming the profile ``name`` (when known)."""
    pairs = _WITH_PROFILE_NAME.get(topic.id, ())
    if not name or not pairs:
        return topic
    advice = []
    for line in topic.advice:
        for generic, named in pairs:
            line = line.replace(generic, named.format(name=name))
        advice.append(line)
    return replace(topic, advice=tuple(advice))


def personalised(diagnosis: Diagnosis, name: str | None) -> Diagnosis:
    """``diagnosis`` with its help topic's advice naming the profile ``name``."""
    if diagnosis.topic is None:
        return diagnosis
    return replace(diagnosis, topic=for_profile(diagnosis.topic, name))
