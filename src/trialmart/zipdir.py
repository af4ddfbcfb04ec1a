"""A zip archive's directory, streamed, and its members read by offset.

`zipfile.ZipFile` reads the whole central directory into one `ZipInfo` object per member when it
opens an archive: for the registry's bulk export (~550,000 members) that is ~370 MB and ~9 s in
every process that opens it. The bulk loader needs neither: the planner walks the directory
once, entry by entry (`entries`), and hands each parse task the few hundred entries it reads;
a worker then reads each member straight from its offset (`read_member`), without a directory.

Only what the ZIP format (PKWARE APPNOTE 6.3) fixes is read: the end of central directory record
(and its ZIP64 locator and record), the central directory file headers (with the ZIP64 extra
field for sizes and offsets over 4 GiB) and each member's local file header. As `zipfile` does,
data prepended to the archive (a self-extracting stub) shifts every offset, and a name is UTF-8
when its flag says so, else code page 437. Members stored or deflated (the registry's export
uses deflate) are read here; any other method (bzip2, LZMA) raises `UnsupportedMethod`, and the
caller reads that member with `zipfile`. The checks `zipfile` makes on reading are made here too:
local header signature, encryption (refused), the uncompressed size, the CRC-32.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # central directory file header
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # local file header
_LOCAL_SIGNATURE = b"PK\x03\x04"
_MAX_COMMENT = 0xFFFF
_ZIP64_EXTRA = 0x0001
_FLAG_ENCRYPTED = 0x1
_FLAG_UTF8 = 0x800
STORED, DEFLATED = 0, 8
_READ_CHUNK = 1 << 20


class BadZip(ValueError):
    """The archive's structure is broken (the message says where)."""


class UnsupportedMethod(NotImplementedError):
    """A member compressed by a method this module does not read (read it with zipfile)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One central directory entry: what reading its member needs (the names follow ZipInfo)."""

    filename: str
    header_offset: int  # of the local file header, prepended data included
    compress_type: int
    compress_size: int
    file_size: int
    CRC: int
    flag_bits: int

    def is_dir(self) -> bool:
        return self.filename.endswith("/")


def _directory_location(handle: BinaryIO) -> tuple[int, int, int]:
    """(offset of the central directory, its size, offset shift of prepended data)."""
    handle.seek(0, 2)
    file_size = handle.tell()
    tail_size = min(file_size, _EOCD.size + _MAX_COMMENT)
    handle.seek(file_size - tail_size)
    tail = handle.read(tail_size)
    position = tail.rfind(_EOCD_SIGNATURE)
    while position >= 0 and position + _EOCD.size > len(tail):
        position = tail.rfind(_EOCD_SIGNATURE, 0, position)
    if position < 0:
        raise BadZip("no end of central directory record: not a zip archive, or cut off")
    eocd_at = file_size - tail_size + position
    _, _, _, _, _, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, position)
    record_end = eocd_at  # where the central directory (or the ZIP64 records after it) ends
    if eocd_at >= _ZIP64_LOCATOR.size:
        handle.seek(eocd_at - _ZIP64_LOCATOR.size)
        locator = handle.read(_ZIP64_LOCATOR.size)
        if locator[:4] == _ZIP64_LOCATOR_SIGNATURE:
            zip64_at = eocd_at - _ZIP64_LOCATOR.size - _ZIP64_EOCD.size
            if zip64_at < 0:
                raise BadZip("ZIP64 locator without its end of central directory record")
            handle.seek(zip64_at)
            record = handle.read(_ZIP64_EOCD.size)
            if len(record) != _ZIP64_EOCD.size or record[:4] != _ZIP64_EOCD_SIGNATURE:
                raise BadZip("ZIP64 end of central directory record missing")
            *_, cd_size, cd_offset = _ZIP64_EOCD.unpack(record)
            record_end = zip64_at
    shift = record_end - cd_size - cd_offset
    if shift < 0:
        raise BadZip("the central directory lies outside the file: cut off or corrupt")
    return cd_offset + shift, cd_size, shift


def _zip64_values(extra: bytes, file_size: int, compress_size: int, header_offset: int) -> tuple[int, int, int]:
    """Sizes and offset from a ZIP64 extra field, for those the header gives as 0xFFFFFFFF."""
    at = 0
    while at + 4 <= len(extra):
        kind, size = struct.unpack_from("<2H", extra, at)
        if kind != _ZIP64_EXTRA:
            at += 4 + size
            continue
        values = extra[at + 4 : at + 4 + size]
        resolved = []
        read = 0
        for value in (file_size, compress_size, header_offset):
            if value == 0xFFFFFFFF:
                if read + 8 > len(values):
                    raise BadZip("ZIP64 extra field too short")
                (value,) = struct.unpack_from("<Q", values, read)
                read += 8
            resolved.append(value)
        return resolved[0], resolved[1], resolved[2]
    raise BadZip("sizes or offset over 4 GiB without a ZIP64 extra field")


def entries(path: Path | str) -> Iterator[Entry]:
    """The archive's central directory entries, in directory order, read as a stream.

    Raises BadZip when the directory cannot be found or breaks off (the entries before the break
    have been yielded), OSError when the file cannot be read.
    """
    with open(path, "rb") as handle:
        cd_at, cd_size, shift = _directory_location(handle)
        handle.seek(cd_at)
        buffer = b""
        at = 0
        remaining = cd_size

        def have(needed: int) -> bool:
            """Whether `needed` bytes from `at` are in the buffer, reading on in chunks."""
            nonlocal buffer, at, remaining
            while len(buffer) - at < needed and remaining > 0:
                chunk = handle.read(min(_READ_CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                buffer = buffer[at:] + chunk
                at = 0
            return len(buffer) - at >= needed

        while have(1):
            if not have(_CENTRAL.size):
                raise BadZip("the central directory breaks off")
            header = _CENTRAL.unpack_from(buffer, at)
            if header[0] != _CENTRAL_SIGNATURE:
                raise BadZip("bad central directory entry (signature)")
            flag_bits, compress_type = header[5], header[6]
            crc, compress_size, file_size = header[9], header[10], header[11]
            name_length, extra_length, comment_length = header[12], header[13], header[14]
            header_offset = header[18]
            if not have(_CENTRAL.size + name_length + extra_length + comment_length):
                raise BadZip("the central directory breaks off")
            name_at = at + _CENTRAL.size
            raw_name = buffer[name_at : name_at + name_length]
            name = raw_name.decode("utf-8" if flag_bits & _FLAG_UTF8 else "cp437")
            if 0xFFFFFFFF in (file_size, compress_size, header_offset):
                extra = buffer[name_at + name_length : name_at + name_length + extra_length]
                file_size, compress_size, header_offset = _zip64_values(extra, file_size, compress_size, header_offset)
            at += _CENTRAL.size + name_length + extra_length + comment_length
            yield Entry(name, header_offset + shift, compress_type, compress_size, file_size, crc, flag_bits)
        if remaining:
            raise BadZip("the central directory breaks off")


def read_member(handle: BinaryIO, entry: Entry) -> bytes:
    """The uncompressed bytes of one member, checked as zipfile checks them.

    Raises BadZip (broken header, wrong size or CRC, cut-off data), RuntimeError (encrypted),
    UnsupportedMethod (neither stored nor deflated), zlib.error (corrupt deflate data).
    """
    if entry.flag_bits & _FLAG_ENCRYPTED:
        raise RuntimeError(f"{entry.filename!r} is encrypted")
    if entry.compress_type not in (STORED, DEFLATED):
        raise UnsupportedMethod(f"compression method {entry.compress_type}")
    handle.seek(entry.header_offset)
    header = handle.read(_LOCAL.size)
    if len(header) != _LOCAL.size or header[:4] != _LOCAL_SIGNATURE:
        raise BadZip(f"{entry.filename!r}: bad local file header")
    name_length, extra_length = _LOCAL.unpack(header)[10:12]
    handle.seek(entry.header_offset + _LOCAL.size + name_length + extra_length)
    data = handle.read(entry.compress_size)
    if len(data) != entry.compress_size:
        raise BadZip(f"{entry.filename!r}: the member's data breaks off")
    if entry.compress_type == DEFLATED:
        inflater = zlib.decompressobj(-15)
        data = inflater.decompress(data, entry.file_size + 1)  # never more than it claims (+1 to see)
        if len(data) <= entry.file_size:
            data += inflater.flush()
    if len(data) != entry.file_size:
        raise BadZip(f"{entry.filename!r}: {len(data)} bytes, the directory says {entry.file_size}")
    if zlib.crc32(data) != entry.CRC:
        raise BadZip(f"Bad CRC-32 for file {entry.filename!r}")
    return data
