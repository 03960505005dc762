"""The Microsoft 365 sign-in dialog: the device code and where to enter it, a countdown, cancel.

The msal work (:meth:`DeviceSignIn.start` and :meth:`~DeviceSignIn.wait`) runs
in a thread worker that never touches the screen: it posts each result to the
dialog as a message, and only the dialog's own handler, on the UI thread,
dismisses it. (``dismiss`` called on the worker thread pops the screen off the
stack but schedules its removal from the wrong thread, so the pop task never
runs: that is what hung the first attempt at this screen in Pilot.) Posting,
unlike ``call_from_thread``, never blocks the worker, so quitting in the middle
cannot leave it waiting for a loop that has stopped. Cancelling sets the core's
cancel event and the dialog closes once the wait has returned, so no worker
outlives it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Footer, Label, Static

from exsync_tui.core.diagnose.classify import TopicError
from exsync_tui.core.m365 import DeviceCodePrompt, DeviceSignIn, SignedIn, settings_from_profile
from exsync_tui.ui import binding_ids as ids
from exsync_tui.ui.screens.base import Dialog

if TYPE_CHECKING:
    from exsync_tui.core.profiles import Profile
    from exsync_tui.ui.app import ExsyncApp


class SignInFlow(Protocol):
    """What the dialog drives: :class:`DeviceSignIn` (the pictures use a fixed one)."""

    def start(self) -> DeviceCodePrompt:
        """Ask for a code."""
        ...

    def wait(self) -> SignedIn:
        """Wait until the code is answered (raises TopicError)."""
        ...


FlowFactory = Callable[[threading.Event], SignInFlow]
"""Builds the sign-in (on the worker thread: opening the keyring may block) around a cancel."""


@dataclass(frozen=True)
class SignInOutcome:
    """How the sign-in ended: signed in, failed with a help topic, failed otherwise
    (``failure``: no keyring, say), or (none of these) cancelled."""

    signed_in: SignedIn | None = None
    error: TopicError | None = None
    failure: Exception | None = None


def clock_text(seconds: int) -> str:
    """``14:59`` for 899 seconds."""
    return f"{seconds // 60}:{seconds % 60:02d}"


class SignInDialog(Dialog[SignInOutcome]):
    """Shows the device code and its address until the user signed in elsewhere, or cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Cancel", id=ids.CLOSE),
        Binding("c", "copy_code", "Copy code", id=ids.SIGNIN_COPY_CODE),
        Binding("u", "copy_address", "Copy address", id=ids.SIGNIN_COPY_ADDRESS),
    ]
    AUTO_FOCUS = "#cancel"

    class Prompted(Message, bubble=False):
        """The worker got a code to show."""

        def __init__(self, prompt: DeviceCodePrompt) -> None:
            super().__init__()
            self.prompt = prompt

    class Finished(Message, bubble=False):
        """The worker is done: the dialog closes with this outcome."""

        def __init__(self, outcome: SignInOutcome) -> None:
            super().__init__()
            self.outcome = outcome

    def __init__(
        self, profile: Profile, default_client_id: str | None, *, flow: FlowFactory | None = None
    ) -> None:
        super().__init__()
        self.profile = profile
        self.default_client_id = default_client_id
        self._make_flow = flow
        self.cancel = threading.Event()
        self.prompt: DeviceCodePrompt | None = None
        self.cancelling = False

    @property
    def exsync(self) -> ExsyncApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        """The address and the code, each on its own line to copy; countdown; buttons."""
        with Vertical(classes="dialog-box wide", id="signin-box"):
            yield Label(f"Sign in to Microsoft 365: {self.profile.email}", classes="dialog-title")
            yield Static("Asking Microsoft for a sign-in code…", id="signin-intro")
            yield Static("", id="signin-address", classes="signin-big")
            yield Static("", id="signin-code-label")
            yield Static("", id="signin-code", classes="signin-big")
            yield Static("", id="signin-countdown", classes="dialog-note")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Copy code", id="copy-code", compact=True, disabled=True)
                yield Button("Copy address", id="copy-address", compact=True, disabled=True)
                yield Button("Cancel", id="cancel", compact=True, variant="warning")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        """Start the sign-in off the UI thread; the countdown ticks once a second."""
        self.exsync.cancels.adopt(self.cancel)
        self.run_worker(
            self._sign_in, name="m365-signin", group="m365-signin", thread=True,
            exit_on_error=False,
        )  # fmt: skip
        self.set_interval(1.0, self._tick)

    # ------------------------------------------------------------- the worker

    def _sign_in(self) -> None:
        """Worker thread: start, show the code, wait; the outcome goes to the UI thread."""
        try:
            flow = self._flow()
            self.post_message(self.Prompted(flow.start()))
            outcome = SignInOutcome(signed_in=flow.wait())
        except TopicError as error:
            outcome = SignInOutcome(error=None if error.topic_id == "cancelled" else error)
        except Exception as failure:  # no keyring, say: the error help says what to do
            outcome = SignInOutcome(failure=failure)
        finally:
            self.exsync.cancels.release(self.cancel)
        if self.cancel.is_set() and outcome.signed_in is None and outcome.failure is None:
            outcome = SignInOutcome()  # a failure after cancelling is the cancel's doing
        self.post_message(self.Finished(outcome))

    def _flow(self) -> SignInFlow:
        if self._make_flow is not None:
            return self._make_flow(self.cancel)
        settings = settings_from_profile(self.profile, self.default_client_id)
        return DeviceSignIn(settings, self.exsync.secret_store(), self.cancel)

    # ------------------------------------------------------------ the UI side

    def on_sign_in_dialog_prompted(self, message: Prompted) -> None:
        """Show the code and the address; the countdown starts."""
        prompt = self.prompt = message.prompt
        self.query_one("#signin-intro", Static).update(
            "On any device (phone, laptop), open this address:"
        )
        self.query_one("#signin-address", Static).update(prompt.verification_uri)
        self.query_one("#signin-code-label", Static).update("and enter this code:")
        self.query_one("#signin-code", Static).update(prompt.user_code)
        for button in self.query("#copy-code, #copy-address").results(Button):
            button.disabled = False
        self._tick()

    def _tick(self) -> None:
        if self.prompt is None or self.cancelling:
            return
        now = self.exsync.context.clock().timestamp()
        left = clock_text(self.prompt.seconds_left(now))
        keys = "c copies the code, u the address; escape cancels"
        self.query_one("#signin-countdown", Static).update(
            f"Waiting for you to sign in: the code expires in {left}. ({keys})"
        )

    def on_sign_in_dialog_finished(self, message: Finished) -> None:
        """Close with the outcome (not awaited: this is the dialog's own handler)."""
        self.dismiss(message.outcome)

    # ---------------------------------------------------------------- actions

    def action_copy_code(self) -> None:
        """Copy the code to the clipboard (OSC 52, where the terminal supports it)."""
        if self.prompt is not None:
            self.app.copy_to_clipboard(self.prompt.user_code)
            self.notify(f"Copied the code {self.prompt.user_code}.")

    def action_copy_address(self) -> None:
        """Copy the address to the clipboard (OSC 52, where the terminal supports it)."""
        if self.prompt is not None:
            self.app.copy_to_clipboard(self.prompt.verification_uri)
            self.notify("Copied the address.")

    def action_close(self) -> None:
        """Cancel: the wait returns within a second, then the dialog closes by itself."""
        self.cancelling = True
        self.cancel.set()
        self.query_one("#signin-countdown", Static).update("Cancelling the sign-in…")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Copy or cancel."""
        if event.button.id == "copy-code":
            self.action_copy_code()
        elif event.button.id == "copy-address":
            self.action_copy_address()
        else:
            self.action_close()
