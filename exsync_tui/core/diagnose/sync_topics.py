"""Help topics that only syncing meets: the local copy, not the connection."""

from __future__ import annotations

from exsync_tui.core.steps import HelpTopic

SYNC_TOPICS = (
    HelpTopic(
        id="sync-locked",
        title="This mailbox is already being synced",
        explanation=(
            "Another exsync (a timer, a cron job, or the terminal UI) is syncing this mailbox "
            "right now. Two syncs of one mailbox never run at once, so this one did nothing."
        ),
        advice=(
            "Wait for the other sync to finish; the next run picks up everything.",
            "If no other exsync is running, the lock is free already: try again (the lock "
            "file in the profile's state directory is released when its process ends).",
        ),
        admin="No action needed from the Exchange administrator.",
        field=None,
    ),
    HelpTopic(
        id="local-store-error",
        title="exsync could not write the local copy",
        explanation=(
            "Writing the mail, the calendars or the sync state on this machine failed: the "
            "disk may be full, a directory may not be writable, or a path may point "
            "somewhere unusable. Nothing already synced was lost."
        ),
        advice=(
            "Read the details for the path and the reason; free space or fix the permissions.",
            "Check mail_dir and calendar_dir in the profile (exsync profiles show).",
            "Run the sync again: it resumes where it stopped.",
        ),
        admin="No action needed from the Exchange administrator.",
        field=None,
    ),
    HelpTopic(
        id="message-refused",
        title="The server refused to send this message",
        explanation=(
            "Exchange read the message and would not send it: a recipient address it does "
            "not accept, a message larger than it allows, MIME it cannot read, or a From "
            "address this mailbox may not send as. Sending it again would fail the same way."
        ),
        advice=(
            "Read the details for which of these it was; fix the address, the size or the "
            "From address, and send again.",
            "A queued message the server refuses stays queued: the README's Sending section "
            "says how to list it and drop it.",
        ),
        admin="Ask the Exchange administrator about size limits or Send As permission.",
        field=None,
    ),
    HelpTopic(
        id="sync-process-died",
        title="The sync of this mailbox stopped unexpectedly",
        explanation=(
            "Each mailbox syncs in its own process, and that process ended without finishing: "
            "the system may have run out of memory and stopped it, or it was killed or "
            "crashed. The other mailboxes went on. What it had finished is kept."
        ),
        advice=(
            "Sync again: the next run resumes where this one stopped.",
            "If it happens again, check free memory, and look in the log for what the process "
            "said last.",
        ),
        admin="No action needed from the Exchange administrator.",
        field=None,
    ),
)
