"""Official bulk files, streamed and split: the ClinicalTrials.gov export at full size.

A *bulk file* is an official file that holds many studies: a zip of API v2 JSON or legacy XML
records (one study per member, ~550,000 in the full export), or a large JSON array / API v2
page ``{"studies": [...]}``. Such a file is never parsed as one document: it is cut into
*parts* of at most ``member_batch_size`` members (zip) or records (array), each parsed on its
own (by any worker) into bounded Arrow chunks, so memory does not depend on how many studies
the file holds and every core works on a single-file load.

* A zip part is a range of member positions (or, on an incremental run, a list of members):
  the worker opens the archive once per process and reads only its members.
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
    start: int = 0  # zip: member positions [start, stop), ordinal = position
    stop: int = 0
    members: tuple[tuple[int, int, str], ...] = ()  # zip, incremental: (position, ordinal, name)
    records: tuple[tuple[int, str, object], ...] = ()  # JSON: (ordinal, label, study object)
    problem: str | None = None  # JSON: the stream broke off (recorded as a REJECTED member)

    @property
    def size(self) -> int:
        if self.layout == "zip":
            return len(self.members) if self.members else self.stop - self.start
        return len(self.records) + (self.problem is not None)


def record_candidates(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The members of an archive that count as records (no directories, no OS junk), in order."""
    return [info for info in archive.infolist() if is_record_candidate(info)]


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
    with zipfile.ZipFile(path) as archive:
        listing = [(info.filename, info.CRC, info.file_size) for info in record_candidates(archive)]
    names = {name for name, _, _ in listing}
    if not known or len(names) != len(listing):  # nothing recorded, or ambiguous names: parse all
        return BulkFile(source_file, layout.family, "zip", "", content_sha256, size, len(listing))
    next_ordinal = max(ordinal for ordinal, _, _ in known.values()) + 1
    changed: list[tuple[int, int, str]] = []
    removed: list[int] = [ordinal for name, (ordinal, _, _) in known.items() if name not in names]
    for position, (name, crc, file_size) in enumerate(listing):
        previous = known.get(name)
        if previous is not None and previous[1] == crc and previous[2] == file_size:
            continue
        if previous is not None:
            removed.append(previous[0])
        changed.append((position, next_ordinal, name))
        next_ordinal += 1
    return BulkFile(
        source_file, layout.family, "zip", "", content_sha256, size, len(listing),
        tuple(changed), tuple(sorted(removed)),
    )  # fmt: skip


def parts(raw_dir: Path, bulk: BulkFile, per_part: int) -> Iterator[Part]:
    """The parse tasks of one bulk file, `per_part` members (records) each; JSON is streamed lazily."""
    per_part = max(1, per_part)
    if bulk.layout == "zip":
        if bulk.changed is None:
            for start in range(0, bulk.members, per_part):
                yield Part(bulk.source_file, bulk.family, "zip", start, min(start + per_part, bulk.members))
        else:
            for start in range(0, len(bulk.changed), per_part):
                yield Part(bulk.source_file, bulk.family, "zip", members=bulk.changed[start : start + per_part])
        return
    yield from _json_parts(raw_dir / bulk.source_file, bulk, per_part)


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

# One open archive per worker process: its central directory (~300 bytes a member) is read once,
# not once per part.
_OPEN: dict[str, tuple[tuple[int, int], zipfile.ZipFile, list[zipfile.ZipInfo]]] = {}


def _archive(path: Path) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    status = path.stat()
    key = (status.st_size, status.st_mtime_ns)
    cached = _OPEN.get(str(path))
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    close_archives()
    archive = zipfile.ZipFile(path)
    candidates = record_candidates(archive)
    _OPEN[str(path)] = (key, archive, candidates)
    return archive, candidates


def close_archives() -> None:
    for _, archive, _ in _OPEN.values():
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
        archive, candidates = _archive(path)
    except (OSError, *ZIP_READ_ERRORS) as error:
        wanted = part.members or tuple((p, p, f"#{p}") for p in range(part.start, part.stop))
        return [_rejected(ordinal, name, f"cannot open the archive: {error}") for _, ordinal, name in wanted]
    wanted = part.members or tuple((p, p, "") for p in range(part.start, part.stop))
    members = []
    for position, ordinal, name in wanted:
        info = candidates[position] if position < len(candidates) else None
        if info is None or (name and info.filename != name):
            members.append(_rejected(ordinal, name, "the archive changed while it was read: run again"))
            continue
        members.append(_zip_member(archive, info, ordinal, module, part.family))
    return members


def _rejected(ordinal: int, name: str, message: str) -> ParsedMember:
    return ParsedMember(ordinal, name, None, None, None, str(ParseStatus.REJECTED), message)


def _zip_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, ordinal: int, module: ModuleType, family: str
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
        data = archive.read(info)
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
