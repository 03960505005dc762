"""msal's token cache, kept in the keyring (never in a file), keyed by profile id."""

from __future__ import annotations

import msal

from exsync_tui.core.secrets import SecretStore


def load_cache(store: SecretStore, profile_id: str) -> msal.SerializableTokenCache:
    """The profile's token cache from the keyring (empty when none is stored)."""
    cache = msal.SerializableTokenCache()
    stored = store.get_token_cache(profile_id)
    if stored is not None:
        cache.deserialize(str.__str__(stored))
    return cache


def save_cache(store: SecretStore, profile_id: str, cache: msal.SerializableTokenCache) -> None:
    """Write the cache back to the keyring when msal changed it (a refresh rotates tokens)."""
    if cache.has_state_changed:
        store.set_token_cache(profile_id, cache.serialize())
        cache.has_state_changed = False
