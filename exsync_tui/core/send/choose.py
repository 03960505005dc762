"""Which profile sends a message: the one named, or the one whose address is the sender's."""

from __future__ import annotations

from collections.abc import Mapping

from exsync_tui.core.profiles import Profile


class ProfileChoiceError(ValueError):
    """No profile, or more than one, fits; the message names the choices."""


def addresses_of(profile: Profile) -> set[str]:
    """The addresses a profile sends as: its e-mail and the mailbox's primary address."""
    found = {profile.email, profile.metadata.primary_smtp_address or ""}
    return {a.lower() for a in found if a}


def _choices(profiles: Mapping[str, Profile]) -> str:
    listed = [f"{name} ({', '.join(sorted(addresses_of(p)))})" for name, p in profiles.items()]
    return "; ".join(listed) or "none yet (add one with `exsync profiles add`)"


def choose_profile(
    profiles: Mapping[str, Profile], name: str | None, sender: str | None
) -> Profile:
    """The profile called ``name``, else the one whose address is ``sender``.

    Without either, the only profile there is. :class:`ProfileChoiceError` otherwise.
    """
    if name is not None:
        profile = profiles.get(name)
        if profile is None:
            raise ProfileChoiceError(f"no profile named {name!r}; profiles: {_choices(profiles)}")
        return profile
    if sender is None:
        if len(profiles) == 1:
            return next(iter(profiles.values()))
        raise ProfileChoiceError(
            "the message has no From address: give --profile NAME or -f ADDRESS; "
            f"profiles: {_choices(profiles)}"
        )
    matching = [p for p in profiles.values() if sender.lower() in addresses_of(p)]
    if len(matching) == 1:
        return matching[0]
    if not matching:
        raise ProfileChoiceError(
            f"no profile sends as {sender}: give --profile NAME; profiles: {_choices(profiles)}"
        )
    names = ", ".join(p.name for p in matching)
    raise ProfileChoiceError(f"several profiles send as {sender} ({names}): give --profile NAME")
