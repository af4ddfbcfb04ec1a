"""Helpers shared by the two official ClinicalTrials.gov families (API JSON and legacy XML).

Both families read structured records, so the work is mapping, not scraping: wording ->
contract codes (via `trialmart.normalize`), free text -> paragraphs, eligibility text ->
criteria rows, and streaming of zip archives member by member. Anything doubtful
becomes a `ParseIssue` on the trial instead of a silent None.
"""

from __future__ import annotations

import html
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import PurePosixPath

from trialmart import normalize, zipdir
from trialmart.criteria import INCLUSION, split_eligibility, strip_marker
from trialmart.records import Criterion, ParseIssue, Trial

# A zip member larger than this is skipped (with an issue), never decompressed: the
# biggest real record is under 1 MB, so 64 MB only ever catches broken or hostile archives.
MAX_MEMBER_BYTES = 64 * 1024 * 1024
# Bytes read from a zip member to decide which format the archive holds.
PEEK_BYTES = 4096

# --- issues -------------------------------------------------------------------------------


class Issues(list[ParseIssue]):
    """The issues of one record, with helpers that map a value and note when it fails."""

    def warn(self, field: str, message: str) -> None:
        self.append(ParseIssue(field, message))

    def code(self, field: str, raw: object, mapper: Callable[[str], str | None]) -> str | None:
        """`mapper(raw)`; an unrecognised non-empty value becomes a warning and None."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if not isinstance(raw, str):
            self.warn(field, f"unexpected value {raw!r}")
            return None
        mapped = mapper(raw)
        if mapped is None:
            self.warn(field, f"unrecognised value {raw!r}")
        return mapped

    def date(self, field: str, raw: object) -> tuple[date | None, str | None]:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None, None
        parsed, precision = normalize.parse_date(raw) if isinstance(raw, str) else (None, None)
        if parsed is None:
            self.warn(field, f"unreadable date {raw!r}")
        return parsed, precision

    def count(self, field: str, raw: object) -> int | None:
        if raw is None or raw == "":
            return None
        if isinstance(raw, bool):
            self.warn(field, f"unexpected value {raw!r}")
            return None
        if isinstance(raw, int):
            return raw
        text = str(raw).strip().replace(",", "")
        if text.isdigit():
            return int(text)
        self.warn(field, f"not a whole number: {raw!r}")
        return None

    def age(self, field: str, raw: object) -> tuple[float | None, str | None]:
        """(years, raw text). "N/A" is the registry's "no limit": NULL years, no issue."""
        if not isinstance(raw, str) or not raw.strip():
            return None, None
        text = raw.strip()
        years = normalize.age_years(text)
        if years is None and normalize.fold(text) not in NO_AGE_LIMIT:
            self.warn(field, f"unreadable age {raw!r}")
        return years, text

    def volunteers(self, raw: object) -> bool | None:
        if raw is None or raw == "":
            return None
        value = normalize.healthy_volunteers(raw if isinstance(raw, (str, bool)) else str(raw))
        if value is None:
            self.warn("healthy_volunteers", f"unrecognised value {raw!r}")
        return value


NO_AGE_LIMIT = frozenset({"n a", "na", "none", "no limit"})


def nct_mismatch(source_name: str, nct_id: str, issues: Issues) -> None:
    """Warn when a file named after one NCT id holds another (it happens in real dumps)."""
    named = normalize.NCT_ID.search(PurePosixPath(source_name).name)
    if named and named.group(0) != nct_id:
        issues.warn("nct_id", f"{PurePosixPath(source_name).name} is named {named.group(0)} but holds {nct_id}")


# --- text ---------------------------------------------------------------------------------

# CommonMark backslash escapes: API v2 text is Markdown ("5\~22", "\< 12 weeks"); the
# registry's website shows it without the backslashes, so do we.
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")
_TRAILING_SPACES = re.compile(r"[ \t]+\n")
# A line starting like this begins a new item; any other line continues the one above.
_LIST_ITEM = re.compile(r"^(?:[-*•·+]\s|\d{1,3}[.)]\s|\(\w{1,3}\)\s|[a-z][.)]\s|[ivx]{1,4}[.)]\s|[\u2460-\u2473])")


def markdown_text(raw: object) -> str | None:
    """API v2 long text: escapes removed, paragraphs kept, one blank line between them."""
    if not isinstance(raw, str):
        return None
    text = _MARKDOWN_ESCAPE.sub(r"\1", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = _TRAILING_SPACES.sub("\n", text)
    text = _BLANK_LINES.sub("\n\n", text).strip()
    return text or None


def short_text(raw: object) -> str | None:
    """A title, name or label: one line, escapes and entities decoded, spaces collapsed.

    Called ~80 times per record, so the regular expressions run only when needed.
    """
    if not isinstance(raw, str):
        return None
    text = raw
    if "\\" in text:
        text = _MARKDOWN_ESCAPE.sub(r"\1", text)
    if "&" in text:
        text = html.unescape(text)
    # str.split() splits on every Unicode space (tabs, newlines, no-break spaces) at C speed
    text = " ".join(text.split())
    return text or None


def unwrap_textblock(raw: str | None) -> str | None:
    """Legacy XML textblock -> paragraphs joined by a blank line, hard wraps undone.

    The XML wraps lines at ~100 characters and indents them. Inside a paragraph a line
    joins the one above unless it starts a list item or follows a line ending in ":";
    paragraphs (blank-line separated) stay apart.
    """
    if raw is None:
        return None
    if "\n" not in raw:  # most short blocks: one line, nothing to unwrap
        return " ".join(raw.split()) or None
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for physical in raw.split("\n"):
        line = " ".join(physical.split())
        if not line:
            if current:
                paragraphs.append(current)
                current = []
            continue
        if current and not current[-1].endswith(":") and not _LIST_ITEM.match(line):
            current[-1] = f"{current[-1]} {line}"
        else:
            current.append(line)
    if current:
        paragraphs.append(current)
    text = "\n\n".join("\n".join(lines) for lines in paragraphs)
    return text or None


def eligibility_criteria(text: str | None, issues: Issues) -> tuple[Criterion, ...]:
    """Criteria rows from eligibility text, one per item.

    With "Inclusion/Exclusion Criteria:" headings the shared splitter decides. Many
    legacy records (PDQ style "DISEASE CHARACTERISTICS: ...") have no such headings: the
    registry defines the whole text as the criteria for taking part, so its items are
    kept as INCLUSION rows rather than dropped.
    """
    if not text or not text.strip():
        return ()
    criteria = split_eligibility(text)
    if not criteria:
        # One row per paragraph or list item: here a blank line always ends an item.
        criteria = [
            Criterion(INCLUSION, item)
            for line in text.split("\n")
            if line.strip() and (item := normalize.clean_text(strip_marker(line)[2]))
        ]
        if criteria:
            issues.warn(
                "criteria", "eligibility text has no Inclusion/Exclusion headings: its items are kept as INCLUSION"
            )
    return tuple(criteria)


# --- codes with no normalize vocabulary -------------------------------------------------------

_NON_CODE = re.compile(r"[^0-9A-Za-z]+")


def role_code(raw: object) -> str | None:
    """ "Principal Investigator" / "PRINCIPAL_INVESTIGATOR" -> PRINCIPAL_INVESTIGATOR."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    return _NON_CODE.sub("_", raw.strip()).strip("_").upper() or None


# Classic API v1 and legacy wording of secondary id types -> API v2 codes.
_SECONDARY_ID_TYPES = {
    normalize.fold(label): code
    for label, code in {
        "U.S. NIH Grant/Contract": "NIH",
        "U.S. NIH Grant/Contract Award Number": "NIH",
        "U.S. FDA Grant/Contract": "FDA",
        "U.S. VA Grant/Contract": "VA",
        "U.S. CDC Grant/Contract": "CDC",
        "U.S. AHRQ Grant/Contract": "AHRQ",
        "U.S. SAMHSA Grant/Contract": "SAMHSA",
        "Other Grant/Funding Number": "OTHER_GRANT",
        "EudraCT Number": "EUDRACT_NUMBER",
        "CTIS": "CTIS",
        "Registry Identifier": "REGISTRY",
        "Other Identifier": "OTHER",
    }.items()
}


def secondary_id_type(raw: object) -> str:
    """API v2 secondary id type code; SECONDARY_ID when the record gives no type."""
    if not isinstance(raw, str) or not raw.strip():
        return "SECONDARY_ID"
    return _SECONDARY_ID_TYPES.get(normalize.fold(raw)) or role_code(raw) or "SECONDARY_ID"


def strip_type_prefix(name: str) -> str:
    """ "Drug: Aspirin" -> "Aspirin": arm groups name interventions as "<Type>: <name>"."""
    head, separator, rest = name.partition(": ")
    if separator and rest and normalize.intervention_type(head) is not None:
        return rest.strip()
    return name


def ordered_unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def contact_detail(*parts: object) -> str | None:
    kept = [text for part in parts if (text := short_text(part))]
    return "; ".join(kept) or None


# --- zip archives ------------------------------------------------------------------------------

# What reading one damaged member can raise (bad CRC, corrupt deflate data, truncated member).
ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, OSError, EOFError, ValueError)


@dataclass(frozen=True, slots=True)
class MemberProblem:
    """A zip member (or array element) that could not become a trial, and why."""

    member: str
    message: str


def first_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    for info in archive.infolist():
        if is_record_candidate(info):
            return info
    return None


def is_record_candidate(info: zipfile.ZipInfo | zipdir.Entry) -> bool:
    name = PurePosixPath(info.filename)
    return not info.is_dir() and name.parts[0] != "__MACOSX" and not name.name.startswith(".")


def peek_zip(path: object) -> tuple[str, bytes] | None:
    """(name, first bytes) of the first file in the archive, None if unreadable or empty.

    The directory is streamed (`trialmart.zipdir`) up to that first file: detecting a bulk
    export does not read all 550,000 entries of its directory."""
    try:
        info = next((entry for entry in zipdir.entries(path) if is_record_candidate(entry)), None)  # type: ignore[arg-type]
        if info is None:
            return None
        if info.file_size <= MAX_MEMBER_BYTES:
            try:
                with open(path, "rb") as handle:  # type: ignore[call-overload]
                    return info.filename, zipdir.read_member(handle, info)[:PEEK_BYTES]
            except zipdir.UnsupportedMethod:
                pass
        with zipfile.ZipFile(path) as archive, archive.open(info.filename) as handle:  # type: ignore[arg-type]
            return info.filename, handle.read(PEEK_BYTES)
    except (OSError, ValueError, zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError):
        return None


def zip_members(path: object, suffix: str) -> Iterator[tuple[str, bytes] | MemberProblem]:
    """Members ending in `suffix`, read one at a time; others come back as problems."""
    with zipfile.ZipFile(path) as archive:  # type: ignore[arg-type]
        skipped: list[str] = []
        for info in archive.infolist():
            if not is_record_candidate(info):
                continue
            if not info.filename.lower().endswith(suffix):
                skipped.append(info.filename)
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                yield MemberProblem(info.filename, f"over {MAX_MEMBER_BYTES} bytes uncompressed, not read")
                continue
            try:
                data = archive.read(info)
            except ZIP_READ_ERRORS as error:
                yield MemberProblem(info.filename, f"unreadable zip member: {error}")
                continue
            yield info.filename, data
        if skipped:
            shown = ", ".join(skipped[:5]) + (f" (+{len(skipped) - 5} more)" if len(skipped) > 5 else "")
            yield MemberProblem("", f"{len(skipped)} zip member(s) not {suffix} records were skipped: {shown}")


def attach_problems(items: Iterable[Trial | MemberProblem]) -> Iterator[Trial]:
    """Trials, with each member problem recorded as an issue on a neighbouring trial.

    A bad member must not reject the 6,000 good ones in the same archive, yet must not
    vanish either: its problem rides on the next trial (or the last one). With no trial
    at all, the problems become the document's rejection message.
    """
    pending: list[ParseIssue] = []
    held: Trial | None = None
    for item in items:
        if isinstance(item, MemberProblem):
            where = f"{item.member}: " if item.member else ""
            pending.append(ParseIssue("source_file", f"{where}{item.message}"))
            continue
        if held is not None:
            yield held
        if pending:
            item = replace(item, issues=(*tuple(pending), *item.issues))
            pending = []
        held = item
    if held is None:
        if pending:
            raise ValueError("; ".join(issue.message for issue in pending[:5]))
        return
    if pending:
        held = replace(held, issues=(*held.issues, *pending))
    yield held
