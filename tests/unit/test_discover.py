"""discover(): every file under the raw folder, once, in a deterministic order."""

from __future__ import annotations

import os
from pathlib import Path

from trialmart.discover import discover


def _relative(raw_dir: Path) -> list[str]:
    return [path.relative_to(raw_dir).as_posix() for path in discover(raw_dir)]


def _touch(path: Path, data: bytes = b"x") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_an_empty_folder_has_no_files(tmp_path: Path) -> None:
    (tmp_path / "empty-subfolder").mkdir()
    assert discover(tmp_path) == []


def test_all_files_recursively_sorted_by_posix_relative_path(tmp_path: Path) -> None:
    names = ["b.txt", "a/z.html", "a/b/c.txt", "A.txt", "a b/page one.txt", "ä/é.txt", "a.txt", "10.txt", "9.txt"]
    for name in names:
        _touch(tmp_path / name)
    # code-point order of the relative path: "A" < "a" < "a b" ... and "10" < "9"
    assert _relative(tmp_path) == sorted(names)
    assert _relative(tmp_path) == [
        "10.txt", "9.txt", "A.txt", "a b/page one.txt", "a.txt", "a/b/c.txt", "a/z.html", "b.txt", "ä/é.txt",
    ]  # fmt: skip


def test_paths_stay_under_the_raw_folder_as_given(tmp_path: Path) -> None:
    _touch(tmp_path / "sub" / "page.txt")
    assert discover(tmp_path) == [tmp_path / "sub" / "page.txt"]


def test_hidden_files_and_os_junk_are_listed_not_skipped(tmp_path: Path) -> None:
    for name in (".hidden.txt", ".DS_Store", "Thumbs.db", ".cache/page.txt", "desktop.ini"):
        _touch(tmp_path / name)
    assert _relative(tmp_path) == [".DS_Store", ".cache/page.txt", ".hidden.txt", "Thumbs.db", "desktop.ini"]


def test_symlinked_files_are_followed_and_broken_links_are_listed(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    outside = tmp_path / "elsewhere.txt"
    _touch(outside)
    _touch(raw / "real.txt")
    (raw / "link.txt").symlink_to(outside)
    (raw / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    assert _relative(raw) == ["dangling.txt", "link.txt", "real.txt"]


def test_symlinked_folders_are_followed_without_looping(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shared = tmp_path / "shared"
    _touch(shared / "s.txt")
    _touch(raw / "sub" / "p.txt")
    (raw / "linked").symlink_to(shared, target_is_directory=True)
    (raw / "sub" / "loop").symlink_to(raw, target_is_directory=True)  # back to the top
    (raw / "sub" / "self").symlink_to(raw / "sub", target_is_directory=True)
    assert _relative(raw) == ["linked/s.txt", "sub/p.txt"]


def test_special_files_are_listed_so_they_can_be_rejected(tmp_path: Path) -> None:
    _touch(tmp_path / "page.txt")
    os.mkfifo(tmp_path / "pipe")
    assert _relative(tmp_path) == ["page.txt", "pipe"]


def test_the_order_does_not_depend_on_creation_order(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for index, name in enumerate(["c.txt", "a/b.txt", "b.txt", "a.txt"]):
        _touch(first / name)
        _touch(second / ["a.txt", "b.txt", "a/b.txt", "c.txt"][index])
    assert _relative(first) == _relative(second)


def test_a_file_name_that_is_not_utf_8_is_listed(tmp_path: Path) -> None:
    name = b"caf\xe9 page.txt"  # Latin-1 bytes from an old archive
    with open(os.path.join(os.fsencode(tmp_path), name), "wb") as handle:
        handle.write(b"x")
    found = discover(tmp_path)
    assert len(found) == 1
    assert os.fsencode(found[0].name) == name


def test_a_name_that_is_not_utf_8_has_a_storable_spelling(tmp_path: Path) -> None:
    from trialmart.documents import storable_source_file

    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt"), "wb") as handle:
        handle.write(b"x")
    (path,) = discover(tmp_path)
    source_file = path.relative_to(tmp_path).as_posix()
    assert storable_source_file(source_file) == "caf\\xe9.txt"
    assert storable_source_file("ä/page one.txt") == "ä/page one.txt"
    storable_source_file(source_file).encode("utf-8")  # no surrogates left
