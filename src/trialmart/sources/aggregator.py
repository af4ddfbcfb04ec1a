"""The aggregator layout (seed 004): an AI-summary trial page with a FAQ footer.

The page opens with an image alt text ("Image"), the title (printed twice), an
unlabeled fact block (status, age range, sex, phase, in any order), the "Powered by
AI" badge, then headed sections: "Overview" (brief summary), "Description" (detailed
description), "Eligibility" ("Inclusion Criteria:" / "Exclusion Criteria:" with
bullets) and "Study details" (conditions, the NCT id, the sponsor, an unlabeled date).
Everything from "FAQs" on is site boilerplate, as is the "Add a private note" widget.

Nothing depends on blank lines or indentation: the visible text of the HTML page
parses the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from trialmart import normalize
from trialmart.criteria import split_eligibility
from trialmart.documents import Document
from trialmart.records import ParseIssue, Sponsor, Trial

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


def _split(lines: Sequence[str]) -> tuple[list[str], dict[str, list[str]]]:
    """(lines before the first section heading, section -> lines); the footer is dropped."""
    head: list[str] = []
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines:
        if line in FOOTER_START:
            break
        if line in SECTION_HEADINGS and SECTION_HEADINGS[line] not in sections:
            current = SECTION_HEADINGS[line]
            sections[current] = []
        elif current is None:
            head.append(line)
        else:
            sections[current].append(line)
    return head, sections


def _paragraphs(lines: Sequence[str] | None) -> str | None:
    paragraphs = [text for line in lines or () if (text := normalize.clean_text(line))]
    return "\n\n".join(paragraphs) or None


# --- the parser ---------------------------------------------------------------------------------


def parse(document: Document) -> Iterable[Trial]:
    head, sections = _split(document.lines)
    issues: list[ParseIssue] = []

    details = sections.get("study_details", [])
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

    eligibility = sections.get("eligibility", [])
    criteria = split_eligibility("\n".join(eligibility))
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
