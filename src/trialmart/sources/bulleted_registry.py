"""The bulleted registry layout (seed 001): dash-bulleted label/value pairs.

The page is a title line, then ``- Label`` lines each followed by its value lines
(``- value`` bullets or plain paragraphs), grouped under a few undashed section
headings. Two quirks of the layout:

* eligibility has no labels: after the recruitment fields come two blocks, each
  opened by a lone ``-``; the first is inclusion, the second exclusion, and each is a
  one-line list numbered inline ("...criteria; 2. Newly-onset ...");
* the arms table and the outcome tables are flattened into running text
  ("Group Intervention Description Group I <intervention> <description> ...",
  "Name Time Method <measure> 18 months <description> ...").

HTML versions of the page reach us as `Document.lines` whose bullets may have lost
their dashes, so nothing here depends on blank lines, and labels are recognised by
name with or without the dash.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from trialmart import normalize
from trialmart.criteria import EXCLUSION, INCLUSION, split_criteria
from trialmart.documents import Document
from trialmart.records import (
    Arm,
    Criterion,
    Identifier,
    Intervention,
    Location,
    Outcome,
    ParseIssue,
    Sponsor,
    Trial,
)
from trialmart.sources._base import paragraphs, split_place

KINDS = ("text", "html")

# --- the layout as data -----------------------------------------------------------------

# Undashed section headings: they group fields and carry no value.
SECTION_HEADINGS = ("Recruitment & Eligibility", "Study & Design", "Trial Locations")

# "- Label" -> the field it opens.
FIELD_LABELS: dict[str, str] = {
    "Conditions": "conditions",
    "Interventions": "interventions",
    "Registration Number": "registration_number",
    "Lead Sponsor": "lead_sponsor",
    "Brief Summary": "brief_summary",
    "Detailed Description": "detailed_description",
    "Status": "status",
    "Sex": "sex",
    "Target Recruitment": "target_recruitment",
    "Study Type": "study_type",
    "Study Design": "study_design",
    "Arm && Interventions": "arms_table",
    "Primary Outcome Measures": "primary_outcomes",
    "Secondary Outcome Measures": "secondary_outcomes",
    "Other Outcome Measures": "other_outcomes",
}
_LOCATIONS_LABEL = re.compile(r"^Locations\s*\((\d+)\)$")

# Column headers of the flattened tables (printed once, before the first row).
ARMS_TABLE_HEADER = ("Group", "Intervention", "Description")
OUTCOMES_TABLE_HEADER = ("Name", "Time", "Method")

# The unlabeled eligibility blocks, in the order the layout prints them.
ELIGIBILITY_BLOCK_ORDER = (INCLUSION, EXCLUSION)

_OUTCOME_FIELDS = {
    "primary_outcomes": "PRIMARY",
    "secondary_outcomes": "SECONDARY",
    "other_outcomes": "OTHER",
}

_DASH = re.compile(r"^-\s*")
_LONE_DASH = "-"
_FLAG = re.compile(r"^((?:[\U0001F1E6-\U0001F1FF]{2})+)\s*")

# Labels the detector looks for; "Registration Number" and "Target Recruitment" are what
# set this layout apart from the ClinicalTrials.gov mirrors, which share "Brief Summary".
_DISTINCTIVE_LABELS = ("Registration Number", "Target Recruitment", "Arm && Interventions")
_DETECT_WINDOW = 400


# --- detection ----------------------------------------------------------------------------


def detect(document: Document) -> bool:
    lines = document.lines[:_DETECT_WINDOW]
    dashed = {_DASH.sub("", line) for line in lines if line.startswith("-")}
    plain = {line for line in lines}
    distinctive = sum(1 for label in _DISTINCTIVE_LABELS if label in dashed or label in plain)
    labels = sum(1 for label in FIELD_LABELS if label in dashed)
    headings = sum(1 for heading in SECTION_HEADINGS if heading in plain)
    # dashed label bullets are the layout's signature; the undashed variant (HTML list
    # items) must show the distinctive labels and the section headings instead
    return distinctive >= 2 and (labels >= 4 or headings >= 2)


# --- splitting the page into fields -------------------------------------------------------


@dataclass
class _Field:
    name: str  # a FIELD_LABELS value, "locations", or "unlabeled"
    values: list[str] = field(default_factory=list)
    stated_count: int | None = None  # "Locations (1)"


@dataclass
class _Page:
    title: str | None
    fields: list[_Field]

    def values(self, name: str) -> list[str]:
        for page_field in self.fields:
            if page_field.name == name:
                return page_field.values
        return []

    def first(self, name: str) -> str | None:
        values = self.values(name)
        return values[0] if values else None

    def all_named(self, name: str) -> list[_Field]:
        return [page_field for page_field in self.fields if page_field.name == name]


def _split_page(lines: Sequence[str]) -> _Page:
    title: str | None = None
    fields: list[_Field] = []
    for line in lines:
        text = _DASH.sub("", line).strip() if line.startswith("-") else line
        if line == _LONE_DASH:
            fields.append(_Field("unlabeled"))
            continue
        if line in SECTION_HEADINGS:
            continue
        if text in FIELD_LABELS:
            fields.append(_Field(FIELD_LABELS[text]))
            continue
        if match := _LOCATIONS_LABEL.match(text):
            fields.append(_Field("locations", stated_count=int(match.group(1))))
            continue
        if not fields:
            if title is None:
                title = text
            continue
        fields[-1].values.append(text)
    return _Page(title, fields)


# --- field readers ----------------------------------------------------------------------------


def _criteria(blocks: list[_Field], issues: list[ParseIssue]) -> list[Criterion]:
    if len(blocks) > len(ELIGIBILITY_BLOCK_ORDER):
        issues.append(
            ParseIssue(
                "criteria", f"{len(blocks)} unlabeled eligibility blocks, expected at most 2; extra blocks ignored"
            )
        )
    criteria: list[Criterion] = []
    for block, criterion_type in zip(blocks, ELIGIBILITY_BLOCK_ORDER, strict=False):
        # each block is one line numbered inline ("...; 2. ..."): split_criteria splits it
        criteria.extend(split_criteria(block.values, criterion_type))
    return criteria


def _undashed_eligibility_blocks(page: _Page) -> list[_Field]:
    """Without lone dashes (HTML), the two blocks are the extra lines after "Target Recruitment"."""
    extra = page.values("target_recruitment")[1:]
    return [_Field("unlabeled", [value]) for value in extra]


# One cell of the flattened arms table starts with an arm label such as "Group I",
# "Group 2", "Arm A" or "Cohort B", at the start or after the end of the previous cell.
_ARM_LABEL = re.compile(r"(?:^|(?<=[.。)\]]))\s*((?:Group|Arm|Cohort)\s+(?:[IVX]+|\d+|[A-Z]))(?=\s|$)")
_CONNECTORS = frozenset({"and", "or", "of", "with", "plus", "+", "&", "/", "-", "in", "for", "the"})


def _split_name_and_description(cell: str, known_names: Sequence[str]) -> tuple[str, str | None]:
    """ "Prednisone and Mycophenolate Mofetil Patients are treated ..." -> (name, description).

    A name the page lists elsewhere wins (longest first). Otherwise the name is the run of
    Title-Case words (connectors allowed) before the description's first sentence, which
    starts with the capitalised word just before the first lower-case word.
    """
    for name in sorted(known_names, key=len, reverse=True):
        if cell == name or cell.startswith(name + " "):
            return name, normalize.clean_text(cell[len(name) :])
    words = cell.split()
    for index, word in enumerate(words):
        if word[:1].islower() and word not in _CONNECTORS:
            boundary = index - 1
            while boundary > 0 and words[boundary] in _CONNECTORS:
                boundary -= 1
            if boundary <= 0:
                return cell, None
            return " ".join(words[:boundary]), " ".join(words[boundary:])
    return cell, None


def _arms(values: Sequence[str], known_names: Sequence[str], issues: list[ParseIssue]) -> tuple[list[Arm], list[str]]:
    """Arms in page order and the distinct intervention names they receive."""
    rows: list[tuple[str, str, str | None]] = []
    header = list(ARMS_TABLE_HEADER)
    if list(values[: len(header)]) == header:
        # table cells kept on their own lines (HTML): label, intervention, description
        cells = list(values[len(header) :])
        for start in range(0, len(cells) - len(cells) % 3, 3):
            rows.append((cells[start], cells[start + 1], cells[start + 2] or None))
        if len(cells) % 3:
            issues.append(ParseIssue("arms", "arms table has an incomplete last row; it was ignored"))
    else:
        text = " ".join(values)
        heading = " ".join(header)
        if text.startswith(heading):
            text = text[len(heading) :].strip()
        matches = list(_ARM_LABEL.finditer(text))
        if not matches and text:
            issues.append(ParseIssue("arms", "arms table found but no arm label (Group/Arm/Cohort) recognised"))
        for position, match in enumerate(matches):
            end = matches[position + 1].start() if position + 1 < len(matches) else len(text)
            cell = text[match.end(1) : end].strip()
            name, description = _split_name_and_description(cell, known_names)
            rows.append((match.group(1), name, description))

    arms: dict[str, Arm] = {}
    intervention_names: list[str] = []
    for label, name, description in rows:
        if name and name not in intervention_names:
            intervention_names.append(name)
        arm = arms.get(label)
        if arm is None:
            arms[label] = Arm(label, None, description, (name,) if name else ())
            continue
        if description and arm.description and description != arm.description:
            issues.append(ParseIssue("arms", f"{label}: rows give different descriptions; the first one was kept"))
        names = arm.intervention_names + ((name,) if name and name not in arm.intervention_names else ())
        arms[label] = Arm(label, None, arm.description or description, names)
    return list(arms.values()), intervention_names


# A time frame cell: "18 months", "12 weeks", "Up to 2 years", "Baseline to 6 months".
_TIME_FRAME = re.compile(
    r"(?:(?:[Uu]p to|[Bb]aseline(?:,| and| to)?|[Ww]eek|[Mm]onth|[Dd]ay)\s+)?"
    r"\d+(?:\.\d+)?(?:\s*(?:-|–|to)\s*\d+(?:\.\d+)?)?\s*(?:years?|months?|weeks?|days?|hours?)"
)
# Words that make a duration part of a sentence ("relapse rate in 18 months") rather than a cell.
_TIME_PREPOSITIONS = frozenset(
    {
        "in",
        "at",
        "within",
        "over",
        "after",
        "for",
        "to",
        "of",
        "by",
        "until",
        "during",
        "from",
        "before",
        "the",
        "first",
    }
)
_SENTENCE_END = re.compile(r"[.。!?]\s+(?=[A-Z0-9])")


def _time_frame_cells(text: str) -> list[re.Match[str]]:
    cells = []
    for match in _TIME_FRAME.finditer(text):
        after = text[match.end() :]
        # a cell boundary follows: end of text, or the next cell starting with a capital
        if after.strip() and not re.match(r"\s+[A-Z]", after):
            continue
        before = text[: match.start()].split()
        if before and before[-1].lower() in _TIME_PREPOSITIONS:
            continue
        cells.append(match)
    return cells


def _split_description_and_measure(segment: str) -> tuple[str | None, str]:
    """The text between two time frames: the previous row's description, then the next measure."""
    segment = segment.strip()
    if "\n" in segment:
        description, _, measure = segment.rpartition("\n")
        return normalize.clean_text(description.replace("\n", " ")), measure.strip()
    boundaries = list(_SENTENCE_END.finditer(segment))
    if boundaries:
        cut = boundaries[-1]
        return segment[: cut.end()].strip(), segment[cut.end() :].strip()
    return None, segment


def _outcomes(values: Sequence[str], outcome_type: str, issues: list[ParseIssue]) -> list[Outcome]:
    # keep line breaks: a row that starts on a new line is a reliable boundary
    text = "\n".join(values)
    header = re.compile(r"^\s*" + r"\s+".join(OUTCOMES_TABLE_HEADER) + r"\s*")
    text = header.sub("", text, count=1).strip()
    if not text:
        return []
    cells = _time_frame_cells(text)
    if not cells:
        issues.append(
            ParseIssue(f"outcomes.{outcome_type.lower()}", "no time frame recognised; the row was kept as one measure")
        )
        return [Outcome(outcome_type, normalize.clean_text(text.replace("\n", " ")) or text)]
    segments = [text[: cells[0].start()]]
    segments += [text[cells[index].end() : cells[index + 1].start()] for index in range(len(cells) - 1)]
    segments.append(text[cells[-1].end() :])

    measures = [segments[0].strip()]
    descriptions: list[str | None] = []
    for segment in segments[1:-1]:
        description, measure = _split_description_and_measure(segment)
        descriptions.append(description)
        measures.append(measure)
    descriptions.append(normalize.clean_text(segments[-1].replace("\n", " ")))

    outcomes = []
    for measure, cell, description in zip(measures, cells, descriptions, strict=True):
        measure_text = normalize.clean_text(measure.replace("\n", " "))
        if not measure_text:
            issues.append(
                ParseIssue(
                    f"outcomes.{outcome_type.lower()}", f"a row with time frame {cell.group(0)!r} has no measure"
                )
            )
            continue
        outcomes.append(Outcome(outcome_type, measure_text, cell.group(0).strip(), description))
    return outcomes


def _locations(page_field: _Field, issues: list[ParseIssue]) -> list[Location]:
    """Facility line, then the place line that starts with a country flag."""
    locations: list[Location] = []
    facility: str | None = None
    values = page_field.values
    has_flags = any(_FLAG.match(value) for value in values)
    for index, value in enumerate(values):
        flag = _FLAG.match(value)
        is_place = bool(flag) if has_flags else index % 2 == 1
        if not is_place:
            if facility is not None:
                locations.append(Location(facility=facility))
            facility = value
            continue
        city, state, country = split_place(value[flag.end() :] if flag else value)
        locations.append(Location(facility, city, state, country))
        facility = None
    if facility is not None:
        locations.append(Location(facility=facility))
    if page_field.stated_count is not None and page_field.stated_count != len(locations):
        issues.append(
            ParseIssue(
                "locations",
                f"the page counts {page_field.stated_count} locations but lists {len(locations)}",
            )
        )
    return locations


_TYPED_NAME = re.compile(r"^([A-Za-z /]+):\s*(.+)$")


def _listed_interventions(values: Sequence[str]) -> list[Intervention]:
    interventions = []
    for value in values:
        typed = _TYPED_NAME.match(value)
        kind = normalize.intervention_type(typed.group(1)) if typed else None
        if typed and kind:
            interventions.append(Intervention(typed.group(2).strip(), kind))
        else:
            interventions.append(Intervention(value))
    return interventions


# --- the parser -----------------------------------------------------------------------------


def parse(document: Document) -> Iterable[Trial]:
    page = _split_page(document.lines)
    issues: list[ParseIssue] = []

    registration = page.first("registration_number")
    nct_id = registration if normalize.is_nct_id(registration) else None
    if nct_id is None:
        found = normalize.NCT_ID.search(document.text or "")
        nct_id = found.group(0) if found else None
    if nct_id is None:
        return []
    identifiers = (Identifier(registration, None),) if registration and not normalize.is_nct_id(registration) else ()

    status_raw = page.first("status")
    overall_status = normalize.overall_status(status_raw)
    if status_raw and overall_status is None:
        issues.append(ParseIssue("overall_status", f"{status_raw!r} does not map to one status code"))

    sex_raw = page.first("sex")
    sex = normalize.sex(sex_raw)
    if sex_raw and sex is None:
        issues.append(ParseIssue("sex", f"unrecognised sex {sex_raw!r}"))

    # "Target Recruitment" is the site's fixed label for every trial, not a statement
    # that the count is an estimate, so the enrollment type stays NULL.
    enrollment_raw = page.first("target_recruitment")
    enrollment, _ = normalize.enrollment(enrollment_raw)
    if enrollment_raw and enrollment is None:
        issues.append(ParseIssue("enrollment", f"unreadable target recruitment {enrollment_raw!r}"))

    study_type_raw = page.first("study_type")
    study_type = normalize.study_type(study_type_raw)
    if study_type_raw and study_type is None:
        issues.append(ParseIssue("study_type", f"unrecognised study type {study_type_raw!r}"))

    design: dict[str, str] = {}
    for value in page.values("study_design"):
        classified = normalize.classify_design_value(value)
        if classified is None:
            issues.append(ParseIssue("study_design", f"design value {value!r} fits no single design field"))
        else:
            design[classified[0]] = classified[1]

    listed = _listed_interventions(page.values("interventions"))
    arms, arm_intervention_names = _arms(
        page.values("arms_table"), [intervention.name for intervention in listed], issues
    )
    # the page's Interventions list is often empty: the arms table then names them (type unknown)
    listed_names = {intervention.name for intervention in listed}
    interventions = listed + [Intervention(name) for name in arm_intervention_names if name not in listed_names]

    outcomes: list[Outcome] = []
    for field_name, outcome_type in _OUTCOME_FIELDS.items():
        outcomes += _outcomes(page.values(field_name), outcome_type, issues)

    blocks = page.all_named("unlabeled") or _undashed_eligibility_blocks(page)
    criteria = _criteria(blocks, issues)

    locations: list[Location] = []
    for locations_field in page.all_named("locations"):
        locations += _locations(locations_field, issues)

    sponsor_name = page.first("lead_sponsor")
    sponsors = (Sponsor(sponsor_name, "LEAD", None),) if sponsor_name else ()

    return [
        Trial(
            nct_id=nct_id,
            brief_title=normalize.clean_text(page.title),
            overall_status=overall_status,
            overall_status_raw=status_raw,
            study_type=study_type,
            enrollment=enrollment,
            enrollment_type=None,
            allocation=design.get("allocation"),
            intervention_model=design.get("intervention_model"),
            primary_purpose=design.get("primary_purpose"),
            masking=design.get("masking"),
            observational_model=design.get("observational_model"),
            time_perspective=design.get("time_perspective"),
            sex=sex,
            brief_summary=paragraphs(page.values("brief_summary")),
            detailed_description=paragraphs(page.values("detailed_description")),
            arms=tuple(arms),
            interventions=tuple(interventions),
            outcomes=tuple(outcomes),
            conditions=tuple(page.values("conditions")),
            criteria=tuple(criteria),
            sponsors=sponsors,
            locations=tuple(locations),
            identifiers=identifiers,
            issues=tuple(issues),
        )
    ]
