"""The local store: Maildir and vdir writers, the SQLite sync state, the profile lock.

Protocol-neutral (no exchangelib here): the EWS source and, later, Graph feed the same
store through the sync engine.
"""
