"""The mass-delete guard refuses to empty a folder or delete more than the threshold."""

from __future__ import annotations

import pytest

from exsync_tui.core.store.guard import MassDeleteRefused, check_deletes


@pytest.mark.parametrize(
    ("local", "deleting", "allowed"),
    [
        (100, 0, True),
        (100, 50, True),  # exactly the threshold is still fine
        (100, 51, False),
        (100, 100, False),
        (1, 1, False),  # a whole non-empty folder, however small
        (3, 1, True),
        (0, 0, True),
        (0, 5, True),  # nothing local to lose
    ],
)
def test_default_threshold(local: int, deleting: int, allowed: bool) -> None:
    assert check_deletes(local, deleting).allowed is allowed


def test_allow_overrides_and_reasons_name_the_figures() -> None:
    assert check_deletes(10, 10, allow=True).allowed
    assert "all 10" in check_deletes(10, 10).reason
    assert "6 of 10" in check_deletes(10, 6).reason


def test_a_higher_threshold_still_never_empties_a_folder() -> None:
    assert check_deletes(10, 9, threshold=1.0).allowed
    assert not check_deletes(10, 10, threshold=1.0).allowed


@pytest.mark.parametrize("threshold", [0, -0.1, 1.5])
def test_bad_thresholds_are_refused(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        check_deletes(10, 1, threshold=threshold)


def test_refusal_error_tells_the_way_out() -> None:
    error = MassDeleteRefused("Inbox", 8, 10, "would delete 8 of 10 local messages")
    assert "--allow-mass-delete" in str(error) and error.would_delete == 8


def test_the_reason_names_what_would_be_deleted() -> None:
    verdict = check_deletes(6, 6, noun="events")
    assert not verdict.allowed and verdict.reason == "would delete all 6 local events"
