"""The run's arrivals, which tell a move's deletion half from a real deletion."""

from __future__ import annotations

from exsync_tui.core.sync.context import Arrivals


def test_a_message_new_in_another_folder_is_elsewhere_and_in_its_own_is_not() -> None:
    arrivals = Arrivals()
    arrivals.add("inbox", "id-1", ("<a@x>", 100))

    assert arrivals.elsewhere("archive", "id-1", None)  # by id (Graph keeps ids on a move)
    assert arrivals.elsewhere("archive", "id-other", ("<a@x>", 100))  # by Message-ID + size
    assert not arrivals.elsewhere("inbox", "id-1", ("<a@x>", 100))
    assert not arrivals.elsewhere("archive", "id-other", ("<a@x>", 101))  # another size
    assert not arrivals.elsewhere("archive", "id-2", None)


def test_a_message_new_in_two_folders_is_elsewhere_from_either() -> None:
    arrivals = Arrivals()
    arrivals.add("inbox", "id-1", ("<a@x>", 100))
    arrivals.add("archive", "id-9", ("<a@x>", 100))

    assert arrivals.elsewhere("inbox", "id-0", ("<a@x>", 100))
    assert arrivals.elsewhere("archive", "id-0", ("<a@x>", 100))
    assert arrivals.elsewhere("sent", "id-0", ("<a@x>", 100))
    arrivals.add("inbox", "id-1", None)  # noted twice in the same folder: still only there
    assert not arrivals.elsewhere("inbox", "id-1", None)
