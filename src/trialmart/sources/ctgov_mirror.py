"""The ClinicalTrials.gov mirror layout (seeds 000 and 003): headed blocks of unlabeled values.

The page is the title, "NCT ID: NCT########", "Last Updated: YYYY-MM-DD", then blocks each
opened by a fixed heading ("Basic Information", "Study Design", ...) and a fixed site sentence
describing the block (boilerplate, kept in `SECTIONS`). Values are printed without labels, in
API v2 codes, so each value is classified by what it is, not by where it stands:

* Basic Information: a status code, maybe a phase, "N participants", a study type and two
  dates. The page does not say which milestones the dates are; the first is read as the start
  date and the second as the (study) completion date, because those are the two milestones a
  "timeline" of start and end shows. The page never says "primary completion", so
  primary_completion_date stays NULL. A third date is not guessed at (ParseIssue).
* Study Results: "The study team has not published outcome measurements ..." is a statement
  about this trial (results are not posted), so has_results is False; any other text there is
  not interpreted (NULL + ParseIssue).
* Study Groups: label, description, then the names of the interventions the group receives
  (names printed again under "Interventions", each maybe followed by its description again):
  those are links (Arm.intervention_names), not groups. "No interventions assigned to this
  group" is site text meaning no links.
* Eligibility Criteria: the inclusion / exclusion blocks (split by `trialmart.criteria`), then
  the minimum age, maximum age, sex code and healthy-volunteers answer, recognised by value.
* Countries lists the countries of the locations; there is no table for it, so it is not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from trialmart import normalize
from trialmart.criteria import EXCLUSION, INCLUSION, heading_kind, split_criteria
from trialmart.documents import Document
from trialmart.records import (
    Arm,
    Contact,
    Criterion,
    Identifier,
    Intervention,
    Location,
    ParseIssue,
    RelatedTrial,
    Sponsor,
    Trial,
)
from trialmart.sources._base import (
    Section,
    SplitPage,
    find_value,
    issue,
    looks_like_prose,
    paragraphs,
    split_place,
    split_sections,
)

KINDS = ("text", "html")

# --- the layout as data -------------------------------------------------------------------

NCT_ID_LABEL = "NCT ID"
LAST_UPDATED_LABEL = "Last Updated"

SECTIONS: tuple[Section, ...] = (
    Section(
        "study_results",
        ("Study Results",),
        (
            "The study team has not published outcome measurements, participant flow, or safety data "
            "for this trial yet. Check back later for updates.",
        ),
    ),
    Section(
        "basic_information",
        ("Basic Information",),
        (
            "Get a concise snapshot of the trial, including recruitment status, study phase, enrollment "
            "targets, and key timeline milestones.",
        ),
    ),
    Section(
        "brief_summary",
        ("Brief Summary",),
        (
            "Review the sponsor-provided synopsis that highlights what the study is about and why it is "
            "being conducted.",
        ),
    ),
    Section(
        "related_trials",
        ("Related Clinical Trials",),
        ("Explore similar clinical trials based on study characteristics and research focus.",),
    ),
    Section(
        "detailed_description",
        ("Detailed Description",),
        (
            "Dive into the extended narrative that explains the scientific background, objectives, and "
            "procedures in greater depth.",
        ),
    ),
    Section(
        "conditions",
        ("Conditions",),
        ("See the medical conditions and disease areas that this research is targeting or investigating.",),
    ),
    Section(
        "study_design",
        ("Study Design",),
        (
            "Understand how the trial is structured, including allocation methods, masking strategies, "
            "primary purpose, and other design elements.",
        ),
    ),
    Section(
        "study_groups",
        ("Study Groups",),
        ("Review each arm or cohort in the study, along with the interventions and objectives associated with them.",),
    ),
    Section(
        "interventions",
        ("Interventions",),
        (
            "Learn about the drugs, procedures, or behavioral strategies being tested and how they are "
            "applied within this trial.",
        ),
    ),
    Section(
        "eligibility",
        ("Eligibility Criteria",),
        (
            "Check the participation requirements, including inclusion and exclusion rules, age limits, "
            "and whether healthy volunteers are accepted.",
        ),
    ),
    Section(
        "sponsors",
        ("Sponsors",),
        ("Meet the organizations funding or collaborating on the study and learn about their roles.",),
    ),
    Section(
        "responsible_party",
        ("Responsible Party",),
        (
            "Identify the individual or organization who holds primary responsibility for the study "
            "information submitted to regulators.",
        ),
    ),
    Section(
        "central_contacts",
        ("Central Contacts",),
        ("Reach out to these primary contacts for questions about participation or study logistics.",),
    ),
    Section(
        "locations",
        ("Locations",),
        ("Explore where the study is taking place and check the recruitment status at each participating site.",),
    ),
    Section(
        "countries",
        ("Countries",),
        ("Review the countries where the study has at least one active or historical site.",),
    ),
    Section(
        "other_identifiers",
        ("Other Identifiers",),
        ("Review additional registry numbers or institutional identifiers associated with this trial.",),
    ),
    Section(
        "more_related_trials",
        ("More Related Trials",),
        ("Additional clinical trials that may be relevant based on similarity analysis.",),
    ),
    # Blocks the layout can show that the seeds leave out: recognised so their lines never
    # leak into the block above, but not interpreted (their wording is unknown): a ParseIssue.
    Section("outcomes", ("Outcome Measures", "Primary Outcomes", "Secondary Outcomes"), ()),
    Section("collaborators", ("Collaborators",), ()),
    Section("investigators", ("Investigators",), ()),
    Section("keywords", ("Keywords",), ()),
)
UNREAD_SECTIONS = ("outcomes", "collaborators", "investigators", "keywords", "countries")
# Detection: the layout's id lines plus at least this many of its headings.
MIN_HEADINGS_FOR_DETECTION = 2

NO_RESULTS_STATEMENTS = SECTIONS[0].boilerplate
NO_INTERVENTIONS_FOR_GROUP = "No interventions assigned to this group"
IDENTIFIER_TYPE_LABEL = "Identifier Type"
IDENTIFIER_SOURCE_LABEL = "Identifier Source"
IDENTIFIER_SOURCES = {"org study id": "ORG_STUDY_ID", "secondary id": "SECONDARY_ID"}
NO_VALUE = ("-", "", "N/A")
# Status wordings that are statuses but map to no single code (kept raw, code NULL).
UNMAPPED_STATUS_WORDINGS = ("Not Recruiting", "Active", "Closed", "Open", "Ongoing")

_AGE_LINE = re.compile(r"^\d+(?:\.\d+)?\s*(?:years?|months?|weeks?|days?|hours?|minutes?)$", re.IGNORECASE)
_PHONE_OR_EMAIL = re.compile(r"@|^\+?[\d\s().\-ext]{6,}$|^(?:phone|tel|email|e-mail)\b", re.IGNORECASE)

# --- detection ------------------------------------------------------------------------------


def _id_line(lines: Sequence[str], label: str) -> str | None:
    return find_value(lines[:10], label)


def detect(document: Document) -> bool:
    lines = document.lines
    nct = _id_line(lines, NCT_ID_LABEL)
    if not nct or not normalize.is_nct_id(nct) or _id_line(lines, LAST_UPDATED_LABEL) is None:
        return False
    page = split_sections(lines, SECTIONS)
    return "basic_information" in page.present and len(set(page.present)) >= MIN_HEADINGS_FOR_DETECTION


# --- parsing --------------------------------------------------------------------------------


def parse(document: Document) -> Iterable[Trial]:
    lines = document.lines
    nct_id = _id_line(lines, NCT_ID_LABEL)
    if not nct_id or not normalize.is_nct_id(nct_id):
        return []
    issues: list[ParseIssue] = []
    page = split_sections(lines, SECTIONS)
    fields: dict[str, object] = {}

    fields["brief_title"] = _title(page.preamble, issues)
    last_updated_raw = _id_line(lines, LAST_UPDATED_LABEL)
    last_updated, _ = normalize.parse_date(last_updated_raw)
    if last_updated_raw and last_updated is None:
        issues.append(issue("last_update_date", f"unreadable date {last_updated_raw!r}"))
    fields["last_update_date"] = last_updated
    fields["has_results"] = _has_results(page, issues)
    fields.update(_basic_information(page.lines("basic_information"), issues))
    fields.update(_design(page.lines("study_design"), issues))
    fields["brief_summary"] = paragraphs(page.lines("brief_summary"))
    fields["detailed_description"] = paragraphs(page.lines("detailed_description"))
    interventions = _interventions(page.lines("interventions"))
    criteria, eligibility = _eligibility(page.lines("eligibility"), issues)
    fields.update(eligibility)
    for key in UNREAD_SECTIONS:
        if page.lines(key) and key != "countries":
            issues.append(issue(key, f"section not read by the ctgov_mirror parser: {page.lines(key)[0]!r}"))

    return [
        Trial(
            nct_id=nct_id,
            **fields,  # type: ignore[arg-type]
            arms=tuple(_arms(page.lines("study_groups"), interventions, issues)),
            interventions=tuple(interventions),
            conditions=tuple(text for line in page.lines("conditions") if (text := normalize.clean_text(line))),
            criteria=tuple(criteria),
            sponsors=tuple(_sponsors(page.lines("sponsors"), issues)),
            locations=tuple(_locations(page.lines("locations"), issues)),
            identifiers=tuple(_identifiers(page.lines("other_identifiers"), issues)),
            related_trials=tuple(
                _related(page.lines("related_trials"), issues) + _related(page.lines("more_related_trials"), issues)
            ),
            contacts=tuple(
                _responsible_party(page.lines("responsible_party")) + _central_contacts(page.lines("central_contacts"))
            ),
            issues=tuple(issues),
        )
    ]


def _title(preamble: Sequence[str], issues: list[ParseIssue]) -> str | None:
    """The first line, once (a repeated title line is the same title, not a second field)."""
    labels = (NCT_ID_LABEL, LAST_UPDATED_LABEL)
    rest = [
        line for line in preamble if find_value([line], labels[0]) is None and find_value([line], labels[1]) is None
    ]
    if not rest:
        issues.append(issue("brief_title", "the page has no title line"))
        return None
    title = rest[0]
    extra = [line for line in rest[1:] if normalize.fold(line) != normalize.fold(title)]
    if extra:
        issues.append(issue("brief_title", f"unexpected line(s) before the first section: {extra[0]!r}"))
    return normalize.clean_text(title)


def _has_results(page: SplitPage, issues: list[ParseIssue]) -> bool | None:
    if not page.has("study_results"):
        return None
    if page.lines("study_results"):
        issues.append(issue("has_results", "Study Results shows text this parser does not interpret"))
        return None
    # the heading is there and only the "not published" statement was under it
    return False


def _basic_information(lines: Sequence[str], issues: list[ParseIssue]) -> dict[str, object]:
    """Classify each unlabeled value of Basic Information by what it is."""
    values: dict[str, object] = {}
    dates: list[str] = []
    unmapped_status = {normalize.fold(wording) for wording in UNMAPPED_STATUS_WORDINGS}
    for line in lines:
        if (status := normalize.overall_status(line)) and "overall_status" not in values:
            values["overall_status"], values["overall_status_raw"] = status, normalize.clean_text(line)
        elif normalize.fold(line) in unmapped_status and "overall_status_raw" not in values:
            values["overall_status_raw"] = normalize.clean_text(line)
            issues.append(issue("overall_status", f"status {line!r} maps to no single code"))
        elif (phase := normalize.phase(line)) and "phase" not in values:
            values["phase"] = phase
        elif (study_type := normalize.study_type(line)) and "study_type" not in values:
            values["study_type"] = study_type
        elif normalize.enrollment(line)[0] is not None and "enrollment" not in values:
            values["enrollment"], values["enrollment_type"] = normalize.enrollment(line)
        elif normalize.looks_like_date(line):
            dates.append(line)
        else:
            issues.append(issue("basic_information", f"unrecognised value {line!r}"))
    # the two timeline milestones, in page order: start, then (study) completion
    for name, raw in zip(("start_date", "completion_date"), dates, strict=False):
        values[name], values[f"{name}_precision"] = normalize.parse_date(raw)
    if len(dates) > 2:
        issues.append(issue("basic_information", f"{len(dates)} dates; only the first two are read"))
    return values


def _design(lines: Sequence[str], issues: list[ParseIssue]) -> dict[str, object]:
    values: dict[str, object] = {}
    for line in lines:
        classified = normalize.classify_design_value(line)
        if classified is None or classified[0] in values:
            issues.append(issue("study_design", f"unclassifiable design value {line!r}"))
            continue
        values[classified[0]] = classified[1]
    return values


def _interventions(lines: Sequence[str]) -> list[Intervention]:
    """Name lines, each optionally followed by one description line (a sentence)."""
    interventions: list[Intervention] = []
    for line in lines:
        text = normalize.clean_text(line) or ""
        if interventions and interventions[-1].description is None and looks_like_prose(text):
            last = interventions[-1]
            interventions[-1] = Intervention(last.name, last.intervention_type, text)
        else:
            interventions.append(Intervention(text))
    return interventions


def _arms(lines: Sequence[str], interventions: Sequence[Intervention], issues: list[ParseIssue]) -> list[Arm]:
    by_name = {normalize.fold(item.name): item for item in interventions}
    arms: list[dict] = []
    last_link: Intervention | None = None
    for line in lines:
        text = normalize.clean_text(line) or ""
        if normalize.fold(text) == normalize.fold(NO_INTERVENTIONS_FOR_GROUP):
            last_link = None
            continue
        linked = by_name.get(normalize.fold(text))
        if linked is not None and arms:
            arms[-1]["intervention_names"].append(linked.name)
            last_link = linked
            continue
        if (
            last_link is not None
            and last_link.description
            and normalize.fold(text) == normalize.fold(last_link.description)
        ):
            continue  # the intervention's description printed again under the group
        last_link = None
        current = arms[-1] if arms else None
        if current is not None and not current["intervention_names"] and looks_like_prose(text):
            if current["description"] is None:
                current["description"] = text
            else:
                current["description"] += " " + text
            continue
        if looks_like_prose(text, min_words=12):
            issues.append(issue("arms", f"group label looks like a sentence: {text[:60]!r}"))
        arms.append({"label": text, "description": None, "intervention_names": []})
    return [Arm(arm["label"], None, arm["description"], tuple(arm["intervention_names"])) for arm in arms]


def _eligibility(lines: Sequence[str], issues: list[ParseIssue]) -> tuple[list[Criterion], dict[str, object]]:
    """Inclusion / exclusion blocks, then age, sex and healthy-volunteer values (read from the end)."""
    values: dict[str, object] = {}
    tail: list[str] = []
    body = list(lines)
    while body and (
        _AGE_LINE.match(body[-1]) or normalize.sex(body[-1]) or normalize.healthy_volunteers(body[-1]) is not None
    ):
        tail.insert(0, body.pop())
    ages = [line for line in tail if _AGE_LINE.match(line)]
    for line in tail:
        if _AGE_LINE.match(line):
            continue
        if (sex := normalize.sex(line)) and "sex" not in values:
            values["sex"] = sex
        elif normalize.healthy_volunteers(line) is not None and "healthy_volunteers" not in values:
            values["healthy_volunteers"] = normalize.healthy_volunteers(line)
        else:
            issues.append(issue("eligibility", f"unexpected value {line!r}"))
    if len(ages) == 2:
        for name, raw in zip(("minimum_age", "maximum_age"), ages, strict=True):
            values[f"{name}_raw"] = raw
            values[f"{name}_years"] = normalize.age_years(raw)
    elif ages:
        # one unlabeled age: the page does not say whether it is the lower or the upper limit
        issues.append(issue("minimum_age_years", f"{len(ages)} unlabeled age value(s) {ages!r}; not read"))

    blocks: dict[str, list[str]] = {INCLUSION: [], EXCLUSION: []}
    current: str | None = None
    for line in body:
        if (kind := heading_kind(line)) is not None:
            current = kind
        elif current is None:
            issues.append(issue("criteria", f"eligibility text before any heading: {line[:60]!r}"))
        else:
            blocks[current].append(line)
    criteria = split_criteria(blocks[INCLUSION], INCLUSION) + split_criteria(blocks[EXCLUSION], EXCLUSION)
    return criteria, values


def _sponsors(lines: Sequence[str], issues: list[ParseIssue]) -> list[Sponsor]:
    """Name lines, each optionally followed by its agency class code; the first is the lead."""
    sponsors: list[Sponsor] = []
    for line in lines:
        agency = normalize.agency_class(line)
        if agency is not None and sponsors and sponsors[-1].agency_class is None:
            last = sponsors[-1]
            sponsors[-1] = Sponsor(last.name, last.role, agency)
        elif agency is not None:
            issues.append(issue("sponsors", f"agency class {line!r} without a sponsor name"))
        else:
            role = "LEAD" if not sponsors else "COLLABORATOR"
            sponsors.append(Sponsor(normalize.clean_text(line) or line, role))
    return sponsors


def _responsible_party(lines: Sequence[str]) -> list[Contact]:
    """Name, then its title / affiliation lines."""
    if not lines:
        return []
    detail = ", ".join(text for line in lines[1:] if (text := normalize.clean_text(line)))
    return [Contact(normalize.clean_text(lines[0]) or lines[0], "RESPONSIBLE_PARTY", detail or None)]


def _central_contacts(lines: Sequence[str]) -> list[Contact]:
    """Each name line, followed by its phone / e-mail lines."""
    contacts: list[Contact] = []
    for line in lines:
        text = normalize.clean_text(line) or line
        if contacts and _PHONE_OR_EMAIL.search(text):
            last = contacts[-1]
            contacts[-1] = Contact(last.name, last.role, f"{last.detail}; {text}" if last.detail else text)
        else:
            contacts.append(Contact(text, "CENTRAL_CONTACT"))
    return contacts


def _locations(lines: Sequence[str], issues: list[ParseIssue]) -> list[Location]:
    """Facility line, then its "City, State, Country" line."""
    if len(lines) % 2:
        issues.append(issue("locations", "odd number of location lines; the last one is not read"))
    locations = []
    for facility, place in zip(lines[0::2], lines[1::2], strict=False):
        city, state, country = split_place(place)
        locations.append(Location(normalize.clean_text(facility), city, state, country))
    return locations


def _identifiers(lines: Sequence[str], issues: list[ParseIssue]) -> list[Identifier]:
    """Value, then "Identifier Type: x" and "Identifier Source: y" lines."""
    groups: list[list[str]] = []
    attribute_labels = (normalize.fold(IDENTIFIER_TYPE_LABEL), normalize.fold(IDENTIFIER_SOURCE_LABEL))
    for line in lines:
        # "Identifier Type: -" has an empty-looking value, so compare the label, not find_value()
        is_attribute = normalize.fold(line.partition(":")[0]) in attribute_labels
        if is_attribute and groups:
            groups[-1].append(line)
        elif is_attribute:
            issues.append(issue("identifiers", f"{line!r} without an identifier value"))
        else:
            groups.append([line])
    identifiers = []
    for value, *attributes in groups:
        source = find_value(attributes, IDENTIFIER_SOURCE_LABEL)
        declared_type = find_value(attributes, IDENTIFIER_TYPE_LABEL)
        identifier_type = IDENTIFIER_SOURCES.get(normalize.fold(source)) if source else None
        if identifier_type is None and declared_type is not None and declared_type not in NO_VALUE:
            identifier_type = declared_type
        if source and normalize.fold(source) not in IDENTIFIER_SOURCES:
            issues.append(issue("identifiers", f"unknown identifier source {source!r}"))
        identifiers.append(Identifier(normalize.clean_text(value) or value, identifier_type))
    return identifiers


def _related(lines: Sequence[str], issues: list[ParseIssue]) -> list[RelatedTrial]:
    """Title line, then the trial's NCT id line."""
    related = []
    title: str | None = None
    for line in lines:
        if normalize.is_nct_id(line):
            related.append(RelatedTrial(line.strip(), normalize.clean_text(title) if title else None))
            title = None
        else:
            if title is not None:
                issues.append(issue("related_trials", f"title without an NCT id: {title[:60]!r}"))
            title = line
    if title is not None:
        issues.append(issue("related_trials", f"title without an NCT id: {title[:60]!r}"))
    return related
