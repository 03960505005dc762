"""Folder names from the server become local paths that never escape the root or collide."""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exsync_tui.core.store.folder_names import (
    MAX_NAME_BYTES,
    Layout,
    child_path,
    collision_key,
    decode_name,
    encode_name,
    escape_name,
    path_for,
)
from exsync_tui.core.store.folder_ops import checked_relpath

# Any text a server could send as a folder name, including controls and surrogate-free astral.
names = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
layouts = st.sampled_from(list(Layout))


def _elements(path: str, layout: Layout) -> list[str]:
    return path.split("/") if layout is Layout.VERBATIM else [path]


@pytest.mark.parametrize(
    ("layout", "names_", "expected"),
    [
        (Layout.VERBATIM, ["Inbox", "Projects"], "Inbox/Projects"),
        (Layout.MAILDIRPP, ["Inbox", "Projects"], ".Inbox.Projects"),
        (Layout.FLAT, ["Calendar", "Birthdays"], "Calendar.Birthdays"),
        (Layout.VERBATIM, ["a/b"], "a%2Fb"),
        (Layout.VERBATIM, ["..", "."], "%2E./%2E"),
        (Layout.VERBATIM, ["back\\slash"], "back%5Cslash"),
        (Layout.VERBATIM, ["nul\x00bell\x07"], "nul%00bell%07"),
        (Layout.VERBATIM, ["100%"], "100%25"),
        (Layout.VERBATIM, [".hidden"], "%2Ehidden"),
        (Layout.VERBATIM, ["Inbox", "cur"], "Inbox/%63ur"),
        (Layout.VERBATIM, ["TMP"], "%54MP"),
        (Layout.MAILDIRPP, ["cur"], ".cur"),
        (Layout.MAILDIRPP, ["v1.2", "x"], ".v1%2E2.x"),
        (Layout.VERBATIM, ["Ünïcødé 📬"], "Ünïcødé 📬"),
        (Layout.VERBATIM, [""], "%"),
    ],
)
def test_examples_are_readable_and_safe(layout: Layout, names_: list[str], expected: str) -> None:
    assert path_for(names_, layout) == expected


def test_escaping_reverses() -> None:
    for name in ["a/b", "..", "100%", "cur", "x\x00y", ".dot", "", "tab\there", "v1.2"]:
        for layout in Layout:
            assert decode_name(escape_name(name, layout)) == name


def test_case_only_twins_get_distinct_paths_and_the_first_keeps_its_name() -> None:
    first = child_path("Inbox", "Projects")
    second = child_path("Inbox", "projects", taken=[first])
    assert first == "Inbox/Projects"
    assert second.startswith("Inbox/projects~") and len(second) == len("Inbox/projects~") + 8
    assert collision_key(first) != collision_key(second)
    # Deterministic: the same question gets the same answer.
    assert child_path("Inbox", "projects", taken=[first]) == second


def test_unicode_normalisation_twins_collide_and_are_separated() -> None:
    composed = unicodedata.normalize("NFC", "Café")
    decomposed = unicodedata.normalize("NFD", "Café")
    first = child_path("", composed)
    second = child_path("", decomposed, taken=[first])
    assert collision_key(first) != collision_key(second)


def test_long_names_are_cut_with_a_hash_and_stay_distinct() -> None:
    base = "é" * 200  # 400 bytes in UTF-8
    one = encode_name(base + "1")
    two = encode_name(base + "2")
    assert one != two
    for encoded in (one, two):
        assert len(encoded.encode()) <= MAX_NAME_BYTES
        assert encoded.startswith("é" * 100)


def test_long_maildirpp_paths_fit_in_one_directory_name() -> None:
    path = path_for(["x" * 200, "y" * 200], Layout.MAILDIRPP)
    assert len(path.encode()) <= MAX_NAME_BYTES
    assert path.startswith(".xxx")


def test_a_cut_escape_is_never_left_half() -> None:
    encoded = encode_name("/" * 200)  # 600 bytes of %2F
    body = encoded.rsplit("~", 1)[0]
    assert set(body.split("%2F")) == {""}


@settings(max_examples=300, deadline=None)
@given(st.lists(names, min_size=1, max_size=4), layouts)
def test_no_path_escapes_the_root(parts: list[str], layout: Layout) -> None:
    path = path_for(parts, layout)
    checked_relpath(path)  # raises if it would leave the root
    pure = PurePosixPath(path)
    assert not pure.is_absolute()
    for element in _elements(path, layout):
        assert element not in {"", ".", ".."}
        assert "\\" not in element and "\x00" not in element
        assert all(ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F for c in element)
        assert len(element.encode("utf-8")) <= MAX_NAME_BYTES
        if layout is Layout.VERBATIM:
            assert not element.startswith(".")
            assert element.casefold() not in {"cur", "new", "tmp"}
    if layout is Layout.MAILDIRPP:
        assert path.startswith(".") and not path.startswith("..")
        full = "." + ".".join(escape_name(p, layout) for p in parts)
        if len(full.encode()) <= MAX_NAME_BYTES:
            assert path == full  # one separator per level, none from the names
        else:
            assert path.count(".") <= len(parts)  # shortened: a level may be cut off


@settings(max_examples=200, deadline=None)
@given(st.lists(names, min_size=2, max_size=12, unique=True), layouts)
def test_siblings_never_collide(siblings: list[str], layout: Layout) -> None:
    taken: list[str] = []
    for name in siblings:
        taken.append(child_path("Parent" if layout is Layout.VERBATIM else "", name, layout, taken))
    keys = [collision_key(p) for p in taken]
    assert len(set(keys)) == len(keys)
    for path in taken:
        for element in _elements(path, layout):
            assert len(element.encode("utf-8")) <= MAX_NAME_BYTES


@settings(max_examples=200, deadline=None)
@given(names, layouts)
def test_escape_is_injective_and_reversible(name: str, layout: Layout) -> None:
    assert decode_name(escape_name(name, layout)) == name


@given(st.lists(names, min_size=2, max_size=2, unique=True))
def test_distinct_names_never_share_an_escape(pair: list[str]) -> None:
    assert escape_name(pair[0]) != escape_name(pair[1])
