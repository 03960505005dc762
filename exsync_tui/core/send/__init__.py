"""Sending mail through the mailbox (``exsync send``): the message, the queue, the delivery."""
