"""The source registry: one explicit mapping from source family to its parser.

A family module exposes ``KINDS`` (document kinds it reads: text, html, json, xml, zip),
``detect(document) -> bool`` and ``parse(document) -> Iterable[Trial]``. Detection
tries the families in the order below; the first that claims a document parses it.
Adding a layout is one module, one line here and one golden pair under tests/golden/.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import ModuleType

from trialmart.documents import Document, Rejection, file_size, read_document, sha256_file
from trialmart.records import ParsedDocument, ParseIssue, ParseStatus, Severity, Trial
from trialmart.sources import aggregator, bulleted_registry, ctgov_json, ctgov_mirror, ctgov_xml, veeva

FAMILIES: dict[str, ModuleType] = {
    "ctgov_json": ctgov_json,
    "ctgov_xml": ctgov_xml,
    "ctgov_mirror": ctgov_mirror,
    "bulleted_registry": bulleted_registry,
    "veeva": veeva,
    "aggregator": aggregator,
}


def detect(document: Document) -> str | None:
    """Name of the family that reads this document, or None."""
    return _detect(document)[0]


def _detect(document: Document) -> tuple[str | None, list[str]]:
    """The first family that claims the document, and the detectors that crashed on the way.

    A crashing detector must not stop a later family from claiming its own page.
    """
    crashes: list[str] = []
    for name, module in FAMILIES.items():
        if document.kind not in module.KINDS:
            continue
        try:
            claimed = module.detect(document)
        except Exception as error:
            crashes.append(f"{name}.detect raised {type(error).__name__}: {error}")
            continue
        if claimed:
            return name, crashes
    return None, crashes


def _status_of(trials: tuple[Trial, ...]) -> tuple[ParseStatus, str | None]:
    prefix_id = len(trials) > 1
    warnings = [
        f"{trial.nct_id}: {issue.field}: {issue.message}" if prefix_id else f"{issue.field}: {issue.message}"
        for trial in trials
        for issue in trial.issues
        if issue.severity in (Severity.WARNING, Severity.ERROR)
    ]
    if warnings:
        shown = "; ".join(warnings[:20])
        more = f" (+{len(warnings) - 20} more)" if len(warnings) > 20 else ""
        return ParseStatus.PARTIAL, shown + more
    return ParseStatus.PARSED, None


def _safe_sha256(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError:
        return ""  # vanished, unreadable or not a regular file: nothing to hash


def _with_document_warnings(trials: tuple[Trial, ...], warnings: tuple[str, ...]) -> tuple[Trial, ...]:
    """Doubts about the whole document (guessed encoding, truncated HTML) become issues of its trials."""
    if not warnings:
        return trials
    issues = tuple(ParseIssue("document", warning) for warning in warnings)
    return tuple(replace(trial, issues=issues + trial.issues) for trial in trials)


def parse_file(raw_dir: Path, path: Path, max_bytes: int) -> ParsedDocument:
    """Read, detect and parse one raw file. Never raises: problems become a REJECTED row."""
    try:
        source_file = path.relative_to(raw_dir).as_posix()
    except ValueError:
        source_file = path.as_posix()
    family: str | None = None
    try:
        document = read_document(raw_dir, path, max_bytes)
        if isinstance(document, Rejection):
            return ParsedDocument(
                source_file, _safe_sha256(path), file_size(path), None, ParseStatus.REJECTED, document.reason
            )
        family, crashes = _detect(document)
        if family is None:
            reason = f"not a trial page: no known layout matched this {document.kind} document"
            if crashes:
                reason += " (" + "; ".join(crashes) + ")"
            return ParsedDocument(
                source_file, document.content_sha256, document.bytes, None, ParseStatus.REJECTED, reason
            )
        trials = tuple(FAMILIES[family].parse(document))
        if not trials:
            return ParsedDocument(
                source_file,
                document.content_sha256,
                document.bytes,
                family,
                ParseStatus.REJECTED,
                f"no trial found: the {family} layout matched but the document names no NCT id",
            )
        trials = _with_document_warnings(trials, document.warnings)
        status, message = _status_of(trials)
        return ParsedDocument(source_file, document.content_sha256, document.bytes, family, status, message, trials)
    except Exception as error:
        where = f"{family} parser" if family else "parser"
        return ParsedDocument(
            source_file,
            _safe_sha256(path),
            file_size(path),
            family,
            ParseStatus.REJECTED,
            f"{where} error: {type(error).__name__}: {error}",
        )
