"""Which keyring backends may hold exsync's secrets.

keyring picks the highest-priority backend it finds, and that can be one that
stores nothing (fail, null), stores plain text (keyrings.alt's
PlaintextKeyring) or encrypts without a MAC (keyrings.alt's EncryptedKeyring).
exsync refuses those even when the user configured them, and takes only the
secure members of a chainer so it can never fall back to an insecure one.
"""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend

# Fully-qualified class names (module.Class), or module prefixes ending in ".".
_REFUSED = {
    "keyring.backends.fail.": "it is keyring's placeholder when no backend is installed",
    "keyring.backends.null.": "it stores nothing (keyring was disabled)",
    "keyrings.alt.file.PlaintextKeyring": "it stores passwords as plain text in a file",
    "keyrings.alt.pyfs.PlaintextKeyring": "it stores passwords as plain text in a file",
    "keyrings.alt.file.EncryptedKeyring": "it encrypts without a MAC, so tampering goes unnoticed",
    "keyrings.alt.pyfs.EncryptedKeyring": "it encrypts without a MAC, so tampering goes unnoticed",
    "keyrings.alt.Google.": "it stores passwords in a Google Docs file",
    "keyrings.alt.multi.": "it wraps another backend whose safety cannot be checked",
}
# keyrings.cryptfile is safe only with an authenticated AES mode.
_AUTHENTICATED_AES_MODES = {"CCM", "EAX", "GCM", "OCB"}

_FRIENDLY_NAMES = {
    "keyring.backends.SecretService.Keyring": "the Secret Service (GNOME Keyring, KWallet, ...)",
    "keyring.backends.libsecret.Keyring": "the Secret Service through libsecret",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.kwallet.DBusKeyringKWallet4": "KWallet 4",
    "keyring.backends.macOS.Keyring": "the macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "the Windows Credential Manager",
    "exsync_tui.core.secrets.memory.MemoryKeyring": "an in-memory keyring (tests only)",
}


def qualified_name(backend: KeyringBackend) -> str:
    """``module.Class`` of a backend, e.g. ``keyring.backends.SecretService.Keyring``."""
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def describe(backend: KeyringBackend) -> str:
    """Where secrets go, for people: ``the Secret Service (GNOME Keyring, ...)``."""
    name = qualified_name(backend)
    return _FRIENDLY_NAMES.get(name, name)


def refusal_reason(backend: KeyringBackend) -> str | None:
    """Why this (non-chainer) backend must not hold secrets, or None when it may."""
    name = qualified_name(backend)
    for refused, reason in _REFUSED.items():
        if name == refused or (refused.endswith(".") and name.startswith(refused)):
            return f"{name} is refused: {reason}"
    if type(backend).__name__ == "PlaintextKeyring":
        return f"{name} is refused: it stores passwords as plain text"
    if name.startswith("keyrings.cryptfile."):
        mode = str(getattr(backend, "aesmode", "")).upper()
        if mode not in _AUTHENTICATED_AES_MODES:
            return f"{name} is refused: AES mode {mode or 'unknown'} has no MAC"
    return None


def _chain_members(chainer: ChainerBackend) -> list[KeyringBackend]:
    members: list[KeyringBackend] = list(type(chainer).backends)
    return members


def choose_secure(backend: KeyringBackend) -> KeyringBackend:
    """The backend to use: ``backend`` itself, or a chainer's best secure member.

    Raises ``LookupError`` with a plain explanation when nothing secure is left.
    """
    if isinstance(backend, ChainerBackend):
        members = _chain_members(backend)
        secure = [member for member in members if refusal_reason(member) is None]
        if secure:
            return secure[0]  # the chainer lists its members by priority, highest first
        found = ", ".join(qualified_name(m) for m in members) or "no backend at all"
        raise LookupError(f"keyring found only backends exsync refuses ({found})")
    reason = refusal_reason(backend)
    if reason is not None:
        raise LookupError(reason)
    return backend
