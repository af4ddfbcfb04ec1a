"""Official bulk files, streamed and split: the ClinicalTrials.gov export at full size.

A *bulk file* is an official file that holds many studies: a zip of API v2 JSON or legacy XML
records (one study per member, ~550,000 in the full export), or a large JSON array / API v2
page ``{"studies": [...]}``. Such a file is never parsed as one document: it is cut into
*parts* of at most ``member_batch_size`` members (zip) or records (array), each parsed on its
own (by any worker) into bounded Arrow chunks, so memory does not depend on how many studies
the file holds and every core works on a single-file load.

* A zip part is a list of members with their central directory entries: the planner streams
  the directory (`trialmart.zipdir`, never all 550,000 entries in memory at once) and a worker
  reads each member straight from its offset, without reading the directory at all.
* A JSON array is read record by record with ijson (never ``json.load`` of the whole file);
  the reader cuts the stream into parts of records, which go to the workers.
* Every member (every array record) gets a ``raw.document_members`` row: PARSED, PARTIAL or
  REJECTED with its reason, so one bad member never hides or rejects the others. The file's
  ``raw.documents`` row is written from these rows once all parts are in
  (`trialmart.load.finish_member_documents`).
* Member-level incremental runs (zip): a member is unchanged when its name, CRC-32 and size in
  the zip's central directory equal those recorded when it was parsed; only new and changed
  members are parsed again, and members that disappeared lose their rows. (The CRC-32 is the
  archive's own checksum of the member's bytes: reading it costs nothing, where hashing
  550,000 members would mean decompressing them all. ``member_sha256`` records the SHA-256 of
  the bytes each parsed member held.)
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import BinaryIO

from trialmart import zipdir
from trialmart.load import MEMBER_STRIDE, ParsedMember
from trialmart.records import ParseStatus, Trial
from trialmart.sources import _status_of, ctgov_json, ctgov_xml
from trialmart.sources._official import (
    MAX_MEMBER_BYTES,
    ZIP_READ_ERRORS,
    MemberProblem,
    attach_problems,
    is_record_candidate,
    peek_zip,
)
from trialmart.zipdir import Entry

FAMILY_MODULES: dict[str, ModuleType] = {"ctgov_json": ctgov_json, "ctgov_xml": ctgov_xml}

# A JSON file at least this large that holds an array (or an API v2 page) of studies is streamed
# record by record; smaller ones are read whole, like any document.
STREAM_JSON_BYTES = 8 * 1024 * 1024
# Bytes read from a file to recognise a bulk file.
_HEAD_BYTES = 64 * 1024
# Only these files are opened to see whether they are bulk files (a zip, or a large JSON file).
_ZIP_MAGIC = b"PK\x03\x04"
_CANDIDATE_BYTES = 1 << 20


@dataclass(frozen=True)
class Layout:
    family: str  # ctgov_json or ctgov_xml
    layout: str  # "zip" or "json"
    prefix: str = ""  # ijson prefix of the records in a JSON file: "item" or "studies.item"


def bulk_layout(path: Path, stream_json_bytes: int = STREAM_JSON_BYTES) -> Layout | None:
    """How to stream this file, or None when it is an ordinary document."""
    try:
        size = path.stat().st_size
        if not path.is_file() or size == 0:
            return None
        if path.suffix.lower() not in (".zip", ".json") and size < _CANDIDATE_BYTES:
            return None
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError:
        return None
    if head.startswith(_ZIP_MAGIC):
        if not zipfile.is_zipfile(path):
            return None  # damaged: read as a document, which rejects it with the reason
        peeked = peek_zip(path)
        if peeked is None:
            return None
        name, member_head = peeked
        if name.lower().endswith(".json") and b'"protocolSection"' in member_head:
            return Layout("ctgov_json", "zip")
        if name.lower().endswith(".xml") and b"<clinical_study" in member_head:
            return Layout("ctgov_xml", "zip")
        return None
    if size < stream_json_bytes:
        return None
    stripped = head.lstrip()
    study = stripped.find(b'"protocolSection"')
    if study < 0:
        return None
    if stripped.startswith(b"["):
        return Layout("ctgov_json", "json", "item")
    if stripped.startswith(b"{"):
        studies = stripped.find(b'"studies"')
        if 0 <= studies < study:
            return Layout("ctgov_json", "json", "studies.item")
    return None


@dataclass(frozen=True)
class BulkFile:
    """A bulk file this run parses, and which of its members."""

    source_file: str
    family: str
    layout: str
    prefix: str
    content_sha256: str
    bytes: int
    members: int  # zip: record candidates in the archive; JSON: -1 (known once streamed)
    # (member position, member ordinal, member name) to parse; None: every member, ordinal = position
    changed: tuple[tuple[int, int, str], ...] | None = None
    removed_ordinals: tuple[int, ...] = ()  # members whose rows go (gone or changed)

    @property
    def incremental(self) -> bool:
        return self.changed is not None


@dataclass(frozen=True)
class Part:
    """One parse task's share of a bulk file."""

    source_file: str
    family: str
    layout: str
    # zip: (member ordinal, member name, its directory entry; None when it could not be found,
    # with `problem` saying why), read by offset without the archive's directory
    entries: tuple[tuple[int, str, Entry | None], ...] = ()
    records: tuple[tuple[int, str, object], ...] = ()  # JSON: (ordinal, label, study object)
    problem: str | None = None  # JSON: the stream broke off; zip: why entries lack their entry

    @property
    def size(self) -> int:
        if self.layout == "zip":
            return len(self.entries)
        return len(self.records) + (self.problem is not None)


def record_candidates(path: Path) -> Iterator[Entry]:
    """The members of an archive that count as records (no directories, no OS junk), in
    directory order, streamed from its central directory (`trialmart.zipdir`)."""
    return (entry for entry in zipdir.entries(path) if is_record_candidate(entry))


def plan_bulk_file(
    path: Path,
    source_file: str,
    layout: Layout,
    content_sha256: str,
    known: dict[str, tuple[int, int | None, int | None]] | None,
) -> BulkFile:
    """Which members of a bulk file to parse: all of them, or (zip with known members) the changed ones."""
    size = path.stat().st_size
    if layout.layout != "zip":
        return BulkFile(source_file, layout.family, layout.layout, layout.prefix, content_sha256, size, -1)
    if not known:
        count = sum(1 for _ in record_candidates(path))
        return BulkFile(source_file, layout.family, "zip", "", content_sha256, size, count)
    # one pass over the directory, holding only what is known (from the staging tables) and the
    # new names: the members still unclaimed at the end were removed
    unclaimed = dict(known)
    new_names: set[str] = set()
    next_ordinal = max(ordinal for ordinal, _, _ in known.values()) + 1
    changed: list[tuple[int, int, str]] = []
    removed: list[int] = []
    count = 0
    ambiguous = False
    for position, entry in enumerate(record_candidates(path)):
        count = position + 1
        name = entry.filename
        previous = unclaimed.pop(name, None)
        if previous is None:
            if name in known or name in new_names:
                ambiguous = True  # a name twice in the archive: members cannot be matched by name
            new_names.add(name)
        elif previous[1] == entry.CRC and previous[2] == entry.file_size:
            continue
        else:
            removed.append(previous[0])
        changed.append((position, next_ordinal, name))
        next_ordinal += 1
    if ambiguous:
        return BulkFile(source_file, layout.family, "zip", "", content_sha256, size, count)
    removed += [ordinal for ordinal, _, _ in unclaimed.values()]
    return BulkFile(
        source_file, layout.family, "zip", "", content_sha256, size, count,
        tuple(changed), tuple(sorted(removed)),
    )  # fmt: skip


def parts(raw_dir: Path, bulk: BulkFile, per_part: int) -> Iterator[Part]:
    """The parse tasks of one bulk file, `per_part` members (records) each, made lazily: a zip's
    directory and a JSON array are streamed, so memory does not grow with the file."""
    per_part = max(1, per_part)
    if bulk.layout == "zip":
        yield from _zip_parts(raw_dir / bulk.source_file, bulk, per_part)
        return
    yield from _json_parts(raw_dir / bulk.source_file, bulk, per_part)


def _zip_parts(path: Path, bulk: BulkFile, per_part: int) -> Iterator[Part]:
    """Parts of the planned members with their directory entries, read as the directory streams.

    A member the directory no longer holds where the plan found it (the archive changed since),
    and every planned member after a break in the directory, gets no entry and the reason: the
    worker records it REJECTED, so every planned member is accounted for."""
    wanted = None if bulk.changed is None else {position: (ordinal, name) for position, ordinal, name in bulk.changed}
    chunk: list[tuple[int, str, Entry | None]] = []
    seen = 0
    problem: str | None = None
    try:
        for position, entry in enumerate(record_candidates(path)):
            seen = position + 1
            if wanted is None:
                if position >= bulk.members:
                    break
                chunk.append((position, entry.filename, entry))
            elif position in wanted:
                ordinal, name = wanted.pop(position)
                # another member where the plan found this one: REJECTED (_CHANGED) by the worker
                chunk.append((ordinal, name, entry if entry.filename == name else None))
            if len(chunk) >= per_part:
                yield Part(bulk.source_file, bulk.family, "zip", tuple(chunk))
                chunk = []
    except (OSError, *ZIP_READ_ERRORS) as error:
        problem = f"cannot read the archive's directory: {error}"
    if chunk:
        yield Part(bulk.source_file, bulk.family, "zip", tuple(chunk))
    # planned members the directory did not reach (cut off, or changed since the plan)
    if wanted is None:
        missing = [(position, f"#{position}") for position in range(seen, bulk.members)]
    else:
        missing = sorted(wanted.values())
    for start in range(0, len(missing), per_part):
        lost = tuple((ordinal, name, None) for ordinal, name in missing[start : start + per_part])
        yield Part(bulk.source_file, bulk.family, "zip", lost, problem=problem or _CHANGED)


_CHANGED = "the archive changed while it was read: run again"


def _json_parts(path: Path, bulk: BulkFile, per_part: int) -> Iterator[Part]:
    """Stream the records of a JSON array (or page) with ijson, `per_part` at a time."""
    import ijson  # the C backend (yajl2_c) reads about as fast as json.loads

    label = "[{}]" if bulk.prefix == "item" else "studies[{}]"
    chunk: list[tuple[int, str, object]] = []
    ordinal = 0
    problem: str | None = None
    try:
        with path.open("rb") as handle:
            for study in ijson.items(handle, bulk.prefix, use_float=True):
                chunk.append((ordinal, label.format(ordinal), study))
                ordinal += 1
                if len(chunk) >= per_part:
                    yield Part(bulk.source_file, bulk.family, "json", records=tuple(chunk))
                    chunk = []
    except (ijson.JSONError, ValueError, OSError) as error:
        problem = f"the JSON breaks off or is invalid after {ordinal} record(s): {error}"
    if chunk or problem:
        yield Part(bulk.source_file, bulk.family, "json", records=tuple(chunk), problem=problem)


# ---------------------------------------------------------------------------- parsing a part

# One open file per worker process: members are read by offset (`trialmart.zipdir`), and a
# member compressed by a method zipfile alone reads opens the archive with zipfile, once.
_OPEN: dict[str, tuple[tuple[int, int], BinaryIO, zipfile.ZipFile | None]] = {}


def _archive(path: Path) -> BinaryIO:
    status = path.stat()
    key = (status.st_size, status.st_mtime_ns)
    cached = _OPEN.get(str(path))
    if cached is not None and cached[0] == key:
        return cached[1]
    close_archives()
    handle = path.open("rb")
    _OPEN[str(path)] = (key, handle, None)
    return handle


def _read_with_zipfile(path: Path, entry: Entry) -> bytes:
    key, handle, archive = _OPEN[str(path)]
    if archive is None:
        archive = zipfile.ZipFile(path)
        _OPEN[str(path)] = (key, handle, archive)
    return archive.read(entry.filename)


def close_archives() -> None:
    for _, handle, archive in _OPEN.values():
        handle.close()
        if archive is not None:
            archive.close()
    _OPEN.clear()


def parse_part(raw_dir: Path, part: Part) -> list[ParsedMember]:
    """Parse one part of a bulk file: one ParsedMember per member (record), never raises."""
    module = FAMILY_MODULES[part.family]
    if part.layout == "json":
        members = [
            _member(ordinal, label, None, None, None, module.record_items(study, label), part.family)
            for ordinal, label, study in part.records
        ]
        if part.problem:
            ordinal = part.records[-1][0] + 1 if part.records else 0
            members.append(
                ParsedMember(ordinal, f"[{ordinal}]", None, None, None, str(ParseStatus.REJECTED), part.problem)
            )
        return members
    path = raw_dir / part.source_file
    try:
        handle = _archive(path)
    except OSError as error:
        return [_rejected(ordinal, name, f"cannot open the archive: {error}") for ordinal, name, _ in part.entries]
    members = []
    for ordinal, name, entry in part.entries:
        if entry is None:
            members.append(_rejected(ordinal, name, part.problem or _CHANGED))
        else:
            members.append(_zip_member(path, handle, entry, ordinal, module, part.family))
    return members


def _rejected(ordinal: int, name: str, message: str) -> ParsedMember:
    return ParsedMember(ordinal, name, None, None, None, str(ParseStatus.REJECTED), message)


def _zip_member(
    path: Path, handle: BinaryIO, info: Entry, ordinal: int, module: ModuleType, family: str
) -> ParsedMember:
    name = info.filename
    if not name.lower().endswith(module.MEMBER_SUFFIX):
        return ParsedMember(
            ordinal, name, info.file_size, info.CRC, None, str(ParseStatus.REJECTED),
            f"not a {module.MEMBER_SUFFIX} record: skipped",
        )  # fmt: skip
    if info.file_size > MAX_MEMBER_BYTES:
        return ParsedMember(
            ordinal, name, info.file_size, info.CRC, None, str(ParseStatus.REJECTED),
            f"over {MAX_MEMBER_BYTES} bytes uncompressed, not read",
        )  # fmt: skip
    try:
        try:
            data = zipdir.read_member(handle, info)
        except zipdir.UnsupportedMethod:
            data = _read_with_zipfile(path, info)
    except ZIP_READ_ERRORS as error:
        return ParsedMember(
            ordinal, name, info.file_size, info.CRC, None, str(ParseStatus.REJECTED),
            f"unreadable zip member: {type(error).__name__}: {error}",
        )  # fmt: skip
    digest = hashlib.sha256(data).hexdigest()
    return _member(ordinal, name, info.file_size, info.CRC, digest, module.member_items(name, data), family)


def _member(
    ordinal: int,
    name: str,
    size: int | None,
    crc: int | None,
    digest: str | None,
    items: Iterable[Trial | MemberProblem],
    family: str,
) -> ParsedMember:
    try:
        trials = tuple(attach_problems(items))
    except ValueError as error:  # attach_problems: no trial at all, the problems are the reason
        return ParsedMember(ordinal, name, size, crc, digest, str(ParseStatus.REJECTED), str(error))
    except Exception as error:  # a parser bug must not stop the other members
        return ParsedMember(
            ordinal, name, size, crc, digest, str(ParseStatus.REJECTED),
            f"{family} parser error: {type(error).__name__}: {error}",
        )  # fmt: skip
    if not trials:
        return ParsedMember(ordinal, name, size, crc, digest, str(ParseStatus.REJECTED), "no study in this member")
    if len(trials) >= MEMBER_STRIDE:
        return ParsedMember(
            ordinal, name, size, crc, digest, str(ParseStatus.REJECTED),
            f"more than {MEMBER_STRIDE - 1} studies in one member",
        )  # fmt: skip
    status, message = _status_of(trials)
    return ParsedMember(ordinal, name, size, crc, digest, str(status), message, trials)
