"""exsync: a local, standard copy of Microsoft Exchange mailboxes, in a terminal."""

__version__ = "0.1.0"
