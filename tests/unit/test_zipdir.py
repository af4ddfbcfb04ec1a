"""`trialmart.zipdir`: the streamed central directory and members read by offset agree with zipfile."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from trialmart import bulk, zipdir

FIELDS = ("filename", "header_offset", "compress_type", "compress_size", "file_size", "CRC", "flag_bits")


class _Unseekable(io.RawIOBase):
    """A write-only stream without seek: zipfile then writes data descriptors after members."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.data += data
        return len(data)


def _same_as_zipfile(path: Path) -> None:
    with zipfile.ZipFile(path) as archive, path.open("rb") as handle:
        infos = archive.infolist()
        entries = list(zipdir.entries(path))
        assert [tuple(getattr(e, f) for f in FIELDS) for e in entries] == [
            tuple(getattr(i, f) for f in FIELDS) for i in infos
        ]
        assert [e.is_dir() for e in entries] == [i.is_dir() for i in infos]
        for entry, info in zip(entries, infos, strict=True):
            if not entry.is_dir():
                assert zipdir.read_member(handle, entry) == archive.read(info)


def test_entries_and_members_agree_with_zipfile(tmp_path: Path) -> None:
    path = tmp_path / "mixed.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("NCT00000001.json", b'{"a": 1}' * 500, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("stored/NCT00000002.json", b"plain bytes", compress_type=zipfile.ZIP_STORED)
        archive.writestr("dir/", b"")
        archive.writestr("ünïcode/NCT00000003.json", "é".encode() * 10, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("empty.json", b"", compress_type=zipfile.ZIP_DEFLATED)
        archive.comment = b"an archive comment"
    _same_as_zipfile(path)


def test_zip64_records_and_extra_fields(tmp_path: Path, monkeypatch) -> None:
    # archives over 4 GiB or 65,535 members (the registry export) use ZIP64 records: written
    # here for small members by lowering zipfile's limits while writing
    path = tmp_path / "zip64.zip"
    with monkeypatch.context() as patch:
        patch.setattr(zipfile, "ZIP64_LIMIT", 64)
        patch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 2)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for number in range(4):
                archive.writestr(f"NCT0000000{number}.json", json.dumps({"n": number}).encode() * 100)
    data = path.read_bytes()
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data  # ZIP64 end record and locator
    with zipfile.ZipFile(path) as archive:
        assert all(info.extra for info in archive.infolist())  # ZIP64 extra fields
    _same_as_zipfile(path)


def test_data_descriptors_and_prepended_data(tmp_path: Path) -> None:
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number in range(5):
            archive.writestr(f"NCT0000000{number}.xml", f"<clinical_study>{number}</clinical_study>" * 50)
    path = tmp_path / "sfx.zip"
    path.write_bytes(b"#!/bin/sh\necho a self-extracting stub\n" * 20 + bytes(stream.data))
    with zipfile.ZipFile(path) as archive:
        assert all(info.flag_bits & 0x08 for info in archive.infolist())  # data descriptors
    _same_as_zipfile(path)


def test_a_cut_off_archive_is_a_bad_zip(tmp_path: Path) -> None:
    path = tmp_path / "cut.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("NCT00000001.json", b"{}")
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(zipdir.BadZip):
        list(zipdir.entries(path))


def test_a_corrupt_member_fails_its_crc_and_the_others_read(tmp_path: Path) -> None:
    path = tmp_path / "crc.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("a.json", b"first member")
        archive.writestr("b.json", b"second member")
    data = bytearray(path.read_bytes())
    data[data.index(b"first member")] ^= 0x20
    path.write_bytes(bytes(data))
    first, second = zipdir.entries(path)
    with path.open("rb") as handle:
        with pytest.raises(zipdir.BadZip, match="CRC"):
            zipdir.read_member(handle, first)
        assert zipdir.read_member(handle, second) == b"second member"


def test_encrypted_and_unsupported_members_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bz.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_BZIP2) as archive:
        archive.writestr("a.json", b"bzip2 data")
    (entry,) = zipdir.entries(path)
    with path.open("rb") as handle:
        with pytest.raises(zipdir.UnsupportedMethod):
            zipdir.read_member(handle, entry)
        locked = zipdir.Entry(*(getattr(entry, f) for f in FIELDS[:-1]), flag_bits=entry.flag_bits | 1)
        with pytest.raises(RuntimeError, match="encrypted"):
            zipdir.read_member(handle, locked)


REALDATA_ZIP = Path(__file__).resolve().parents[3] / "shared" / "realdata" / "ctgov-v2-urology" / "ctg-studies.json.zip"


def real_export(path: Path, count: int, compression: int) -> list[tuple[str, bytes]]:
    """A bulk-export zip of the first `count` real studies; their (name, bytes)."""
    if not REALDATA_ZIP.exists():
        pytest.skip("no real data")
    with zipfile.ZipFile(REALDATA_ZIP) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()[:count]]
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return members


def test_parse_workers_never_read_the_archive_directory(tmp_path: Path, monkeypatch) -> None:
    # issue #12: zipfile.ZipFile reads all ~550,000 directory entries of the export in every
    # process that opens it (~370 MB); a worker reads its members by offset instead
    path = tmp_path / "raw" / "ctg-studies.json.zip"
    members = real_export(path, 30, zipfile.ZIP_DEFLATED)
    layout = bulk.bulk_layout(path)
    assert layout is not None and layout.layout == "zip"
    planned = bulk.plan_bulk_file(path, path.name, layout, "0" * 64, None)
    parts = list(bulk.parts(path.parent, planned, 7))
    assert [part.size for part in parts] == [7, 7, 7, 7, 2]

    def no_directory(*args, **kwargs):
        raise AssertionError("a worker opened the archive with zipfile")

    monkeypatch.setattr(zipfile, "ZipFile", no_directory)
    bulk.close_archives()
    parsed = [member for part in parts for member in bulk.parse_part(path.parent, part)]
    bulk.close_archives()
    assert [member.ordinal for member in parsed] == list(range(30))
    assert [member.name for member in parsed] == [name for name, _ in members]
    assert all(m.parse_status in ("PARSED", "PARTIAL") for m in parsed), [m.message for m in parsed]


def test_a_member_zipdir_cannot_inflate_is_read_with_zipfile(tmp_path: Path) -> None:
    path = tmp_path / "raw" / "bz2.zip"
    members = real_export(path, 3, zipfile.ZIP_BZIP2)
    planned = bulk.plan_bulk_file(path, path.name, bulk.Layout("ctgov_json", "zip"), "0" * 64, None)
    (part,) = bulk.parts(path.parent, planned, 10)
    parsed = bulk.parse_part(path.parent, part)
    bulk.close_archives()
    assert all(m.trials for m in parsed), [m.message for m in parsed]
    assert [m.name for m in parsed] == [name for name, _ in members]
