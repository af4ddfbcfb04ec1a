"""The aggregator layout (seed 004): an AI-summary trial page with a FAQ footer.

The page opens with an image alt text ("Image"), the title (printed twice), an
unlabeled fact block (status, age range, sex, phase, in any order), the "Powered by
AI" badge, then headed sections: "Overview" (brief summary), "Description" (detailed
description), "Eligibility" ("Inclusion Criteria:" / "Exclusion Criteria:" with
bullets) and "Study details" (conditions, the NCT id, the sponsor, an unlabeled date).
Everything from "FAQs" after "Study details" on is site boilerplate, as is the "Add a
private note" widget.

Structure used for any trial (issue #11): the site's block order (a heading only opens a
section after the ones before it), one criterion per "•" bullet, and blank lines as
paragraph breaks in Overview/Description. Assumptions the seed does not show, chosen to
fail safe:
- a line break inside a paragraph (no blank line) is kept as a newline within the paragraph;
  visible HTML text without any blank line gives one paragraph per line (the old reading);
- an unbulleted line under a bullet continues that criterion; eligibility text without
  bullets is split generically and, if unsplittable, left unloaded with a ParseIssue;
- fact-block wordings the seed does not show are read with the shared vocabularies
  (ClinicalTrials.gov wordings); an ambiguous one ("Not Recruiting") gives NULL + ParseIssue.
Indentation is never relied on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from trialmart import normalize
from trialmart.criteria import heading_kind, split_eligibility
from trialmart.documents import Document
from trialmart.records import Criterion, ParseIssue, Sponsor, Trial
from trialmart.sources._base import cut_off

KINDS = ("text", "html")

# --- the layout as data ---------------------------------------------------------------------

IMAGE_ALT_TEXT = ("Image",)
AI_BADGE = "Powered by AI"
SECTION_HEADINGS: dict[str, str] = {
    "Overview": "overview",
    "Description": "description",
    "Eligibility": "eligibility",
    "Study details": "study_details",
}
STUDY_DETAILS = "Study details"
# the site's block order: a heading is only a heading after the blocks before it
_ORDER = {heading: rank for rank, heading in enumerate(SECTION_HEADINGS)}
# each criterion is one bullet line ("  • text" in the seed)
BULLET = "•"
# Everything from the first of these lines on is the site's FAQ and note widget.
FOOTER_START = ("FAQs", "Learn more about clinical trials", "Add a private note")
_DETECT_MARKERS = (
    AI_BADGE,
    "Overview",
    "Eligibility",
    "FAQs",
    "Add a private note",
    "Learn more about clinical trials",
)
_AGE_TEXT = re.compile(r"\d.*\b(?:years?|months?|weeks?|days?)\b", re.IGNORECASE)


# --- detection --------------------------------------------------------------------------------


def detect(document: Document) -> bool:
    lines = set(document.lines)
    markers = sum(1 for marker in _DETECT_MARKERS if marker in lines)
    return "Study details" in lines and AI_BADGE in lines and markers >= 4


# --- splitting --------------------------------------------------------------------------------


def _rows(document: Document) -> list[str]:
    """The page's lines, stripped, with "" where the page leaves a blank line (a paragraph break).

    The visible text of an HTML page may have no blank lines: then every line is a paragraph.
    """
    if document.text is None:
        return []
    return [line.strip() for line in document.text.split("\n")]


def _split(rows: Sequence[str]) -> tuple[list[str], dict[str, list[str]]]:
    """(lines before the first section heading, section -> rows); the footer is dropped.

    The site prints its sections in a fixed order (SECTION_HEADINGS), so a heading counts only
    when it comes after the current section in that order: a summary line reading "Description"
    after the description, or "Overview" inside the description, stays text. The FAQ footer
    starts only once "Study details" was reached (a paragraph "FAQs" in a description is text),
    unless the page has no "Study details" at all.
    """
    head: list[str] = []
    sections: dict[str, list[str]] = {}
    current: str | None = None
    rank = -1
    has_details = STUDY_DETAILS in rows
    for line in rows:
        if line in FOOTER_START and (current == "study_details" or not has_details):
            break
        if line in SECTION_HEADINGS and _ORDER[line] > rank:
            current = SECTION_HEADINGS[line]
            rank = _ORDER[line]
            sections[current] = []
        elif current is None:
            if line:
                head.append(line)
        else:
            sections[current].append(line)
    return head, sections


def _paragraphs(rows: Sequence[str] | None) -> str | None:
    """Paragraphs (separated by blank rows) joined by a blank line; lines inside one by a newline."""
    paragraphs: list[list[str]] = [[]]
    for row in rows or ():
        if not row:
            if paragraphs[-1]:
                paragraphs.append([])
        elif text := normalize.clean_text(row):
            paragraphs[-1].append(text)
    if len(paragraphs) == 1 and len(paragraphs[0]) > 1 and "" not in (rows or ()):
        # no blank lines at all (HTML visible text): every line is a paragraph
        paragraphs = [[line] for line in paragraphs[0]]
    return "\n\n".join("\n".join(lines) for lines in paragraphs if lines) or None


def _criteria(rows: Sequence[str]) -> tuple[list[Criterion], list[str]]:
    """The site prints one criterion per "•" bullet under its heading: a bullet is one criterion,
    whatever numbering its text holds ("1. ... 2. ..." inside one bullet stays one criterion). A line
    without a bullet continues the bullet above. Without any bullet the text is split generically."""
    lines = [row for row in rows if row]
    if not any(line.startswith(BULLET) for line in lines):
        return split_eligibility("\n".join(lines)), []
    criteria: list[Criterion] = []
    kind: str | None = None
    unplaced: list[str] = []
    for line in lines:
        heading = heading_kind(line) if not line.startswith(BULLET) else None
        if heading:
            kind = heading
        elif line.startswith(BULLET):
            text = normalize.clean_text(line[len(BULLET) :])
            if text and kind:
                criteria.append(Criterion(kind, text))
            elif text:
                # a bullet before any Inclusion/Exclusion heading: its type is not stated, not loaded
                unplaced.append(text)
        elif criteria and kind:
            # assumption (not shown by the seed): an unbulleted line under a bullet is its wrapped tail
            last = criteria[-1]
            criteria[-1] = Criterion(last.criterion_type, f"{last.text} {normalize.clean_text(line)}")
    return criteria, unplaced


# --- the parser ---------------------------------------------------------------------------------


def parse(document: Document) -> Iterable[Trial]:
    rows = _rows(document)
    while rows and not rows[-1]:
        rows.pop()
    rows, issues = cut_off(
        rows, FOOTER_START, (*SECTION_HEADINGS, *FOOTER_START, AI_BADGE), "aggregator", document.kind
    )
    head, sections = _split(rows)

    details = [row for row in sections.get("study_details", []) if row]
    nct_positions = [index for index, line in enumerate(details) if normalize.is_nct_id(line)]
    if nct_positions:
        nct_id = details[nct_positions[0]]
    else:
        found = normalize.NCT_ID.search(document.text or "")
        if not found:
            return []
        nct_id = found.group(0)
        issues.append(ParseIssue("nct_id", "no NCT id line in 'Study details'; taken from the page text"))

    # head: [image alt text], title (printed twice), fact lines, the AI badge
    head = [line for line in head if line not in IMAGE_ALT_TEXT]
    title = head[0] if head else None
    facts = head[1:]
    if facts and facts[0] == title:
        facts = facts[1:]
    facts = [line for line in facts if line != AI_BADGE]

    status_raw: str | None = None
    phase_code = sex_code = None
    minimum_age = maximum_age = None
    ages_raw: str | None = None
    for line in facts:
        if phase_code is None and (code := normalize.phase(line)):
            phase_code = code
        elif sex_code is None and (code := normalize.sex(line)):
            sex_code = code
        elif ages_raw is None and _AGE_TEXT.search(line):
            ages_raw = line
            minimum_age, maximum_age = normalize.age_range_years(line)
            if minimum_age is None and maximum_age is None:
                issues.append(ParseIssue("ages", f"unreadable age range {line!r}"))
        elif status_raw is None:
            status_raw = line
        else:
            issues.append(ParseIssue("facts", f"unrecognised line in the fact block: {line!r}"))
    overall_status = normalize.overall_status(status_raw)
    if status_raw and overall_status is None:
        # e.g. "Not Recruiting": active-not-recruiting, completed, terminated ... the raw text is kept
        issues.append(ParseIssue("overall_status", f"{status_raw!r} does not map to exactly one status code"))

    conditions: list[str] = []
    sponsors: list[Sponsor] = []
    if nct_positions:
        conditions = details[: nct_positions[0]]
        for line in details[nct_positions[0] + 1 :]:
            if normalize.looks_like_date(line):
                # the page does not say what this date is (last update? first posted?), so it is not loaded
                issues.append(
                    ParseIssue("study_details", f"unlabeled date {line!r} not loaded: its meaning is not stated")
                )
            elif not sponsors:
                sponsors.append(Sponsor(line, "LEAD", None))
            else:
                issues.append(ParseIssue("study_details", f"unlabeled line {line!r} after the sponsor not loaded"))

    eligibility = [row for row in sections.get("eligibility", []) if row]
    criteria, unplaced = _criteria(eligibility)
    if unplaced:
        issues.append(
            ParseIssue("criteria", f"{len(unplaced)} bullet(s) before any Inclusion/Exclusion heading not loaded")
        )
    if eligibility and not criteria:
        issues.append(ParseIssue("criteria", "eligibility text without Inclusion/Exclusion headings not split"))

    return [
        Trial(
            nct_id=nct_id,
            brief_title=normalize.clean_text(title),
            overall_status=overall_status,
            overall_status_raw=status_raw,
            phase=phase_code,
            sex=sex_code,
            minimum_age_years=minimum_age,
            maximum_age_years=maximum_age,
            minimum_age_raw=ages_raw if minimum_age is not None else None,
            maximum_age_raw=ages_raw if maximum_age is not None else None,
            brief_summary=_paragraphs(sections.get("overview")),
            detailed_description=_paragraphs(sections.get("description")),
            conditions=tuple(conditions),
            criteria=tuple(criteria),
            sponsors=tuple(sponsors),
            issues=tuple(issues),
        )
    ]
