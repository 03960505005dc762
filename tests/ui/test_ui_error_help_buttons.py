"""The error help's buttons do what their keys do (a button press runs the action)."""

from __future__ import annotations

from exsync_tui.ui.scenarios import fixed_app, vpn_diagnosis
from exsync_tui.ui.screens.error_help import ErrorHelpScreen
from tests.ui.helpers_ui import synchronous, wait_for_screen, wait_until


@synchronous
async def test_pressing_copy_puts_the_report_on_the_clipboard() -> None:
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(ErrorHelpScreen(vpn_diagnosis(), can_fix=True))
        await wait_for_screen(pilot, app, ErrorHelpScreen)
        app.screen.query_one("#copy_report").press()
        await wait_until(pilot, lambda: "private-address-vpn" in app.clipboard)


@synchronous
async def test_pressing_close_leaves_the_error_help() -> None:
    app = fixed_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(ErrorHelpScreen(vpn_diagnosis(), can_fix=True))
        await wait_for_screen(pilot, app, ErrorHelpScreen)
        app.screen.query_one("#close").press()
        await wait_until(pilot, lambda: not isinstance(app.screen, ErrorHelpScreen))


def test_a_report_of_a_failure_inside_exsync_is_redacted_too() -> None:
    from exsync_tui.core.steps import Diagnosis, Step, StepStatus
    from exsync_tui.ui.report import report_text

    leaked = Step("Sign-in", StepStatus.FAIL, "sent Authorization: Basic YWxpY2U6c2VjcmV0")
    text = report_text(Diagnosis(ok=False, steps=(leaked,)), request=None)
    assert "Sign-in" in text
    assert "YWxpY2U6c2VjcmV0" not in text


@synchronous
async def test_the_advice_names_the_mailbox_instead_of_a_placeholder() -> None:
    from exsync_tui.core.diagnose import topic_by_id
    from exsync_tui.core.steps import Diagnosis

    expired = Diagnosis(ok=False, steps=(), topic=topic_by_id("password-expired"))
    app = fixed_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(ErrorHelpScreen(expired, profile_name="work"))
        await wait_for_screen(pilot, app, ErrorHelpScreen)
        screen = app.screen
        advice = str(screen.query_one("#help-advice").render())
        additional = str(screen.query_one("#help-additional").render())
        assert "exsync profiles edit work --password-prompt" in advice
        assert "exsync diagnose work" in additional and "NAME" not in additional


def test_a_repeated_step_replaces_its_line_with_the_count() -> None:
    from exsync_tui.core.steps import Step, StepStatus
    from exsync_tui.ui.messages import merge_step
    from exsync_tui.ui.presenters import step_line

    wait = Step("Server busy", StepStatus.WARN, "the server asked to wait 1 s")
    steps = merge_step(
        merge_step((), wait), Step("Server busy", StepStatus.WARN, wait.detail, repeats=2)
    )
    steps = merge_step(steps, Step("Server busy", StepStatus.WARN, wait.detail, repeats=3))

    assert [step.repeats for step in steps] == [3]
    assert step_line(steps[0]).endswith("the server asked to wait 1 s (3 times)")
