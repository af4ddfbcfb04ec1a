"""The ClinicalTrials.Veeva layout (seed 002): headed blocks, one value per line.

The page is a site header ("ClinicalTrials.Veeva", "Menu"), the title, the sponsor's
logo alt text and name, then blocks each opened by a fixed heading line ("Status and
phase", "Conditions", "Treatments", ... "Trial contacts and locations") and closed by
the next heading. Arms follow "<N> participants in <M> patient groups" as
label / "<Type> group" / description / "Treatment:" / "Drug: ..." lines; the stated group
count decides where the reading is ambiguous (see `_arms`). The footer ("Data sourced
from clinicaltrials.gov", copyright) ends the page.

Nothing depends on blank lines: headings are recognised by their exact wording and the
site's block order, so the visible text of the HTML page parses the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from trialmart import normalize
from trialmart.criteria import EXCLUSION, INCLUSION, split_criteria
from trialmart.documents import Document
from trialmart.records import (
    Arm,
    Contact,
    Identifier,
    Intervention,
    Location,
    ParseIssue,
    Sponsor,
    Trial,
)
from trialmart.sources._base import Section, cut_off, looks_like_prose, paragraphs, split_place

KINDS = ("text", "html")

# --- the layout as data -------------------------------------------------------------------

SITE_NAME = "ClinicalTrials.Veeva"
# Site chrome before the title, and the footer that ends the trial's content.
HEADER_BOILERPLATE = (SITE_NAME, "Menu")
FOOTER_START = ("Data sourced from clinicaltrials.gov",)
FOOTER_BOILERPLATE = (
    "Data sourced from clinicaltrials.gov",
    "Clinical trials",
    "Find clinical trialsTrials by location",
)
COPYRIGHT = re.compile(r"^©\s*Copyright\s+\d{4}\s+Veeva Systems", re.IGNORECASE)
# Placeholders the page shows while a widget loads.
PLACEHOLDERS = ("Loading...", "Loading…")
LOGO_ALT_SUFFIX = " logo"

# The page's headed blocks, in the order the site prints them. "Details and patient
# eligibility" and "Trial design" are section titles with no value of their own; "Central
# trial contact" sits inside contacts and locations. A line is a heading only when it is
# exactly one of these (case included) and comes after the current block in this order, so
# "Inclusion Criteria" inside a description or "Treatments:" inside a group stays text.
# ASSUMPTIONS (the seed does not show them): "Full description" holds the detailed
# description; observational studies print "Observational model" / "Time perspective"
# where the seed prints the interventional design; "Central trial contacts" for several.
SECTIONS = (
    Section("status_and_phase", ("Status and phase",)),
    Section("conditions", ("Conditions",)),
    Section("treatments", ("Treatments",)),
    Section("study_type", ("Study type",)),
    Section("funder_types", ("Funder types",)),
    Section("identifiers", ("Identifiers",)),
    Section("details", ("Details and patient eligibility",)),
    Section("about", ("About",)),
    Section("full_description", ("Full description",)),
    Section("enrollment", ("Enrollment",)),
    Section("sex", ("Sex",)),
    Section("ages", ("Ages",)),
    Section("volunteers", ("Volunteers",)),
    Section("inclusion", ("Inclusion criteria",)),
    Section("exclusion", ("Exclusion criteria",)),
    Section("trial_design", ("Trial design",)),
    Section("primary_purpose", ("Primary purpose",)),
    Section("allocation", ("Allocation",)),
    Section("intervention_model", ("Interventional model",)),
    Section("masking", ("Masking",)),
    Section("observational_model", ("Observational model",)),
    Section("time_perspective", ("Time perspective",)),
    Section("contacts_and_locations", ("Trial contacts and locations",), PLACEHOLDERS),
    Section("central_contact", ("Central trial contact", "Central trial contacts")),
)
# The site's fixed texts: a page's last line that is the start of one is a cut-off fragment.
SITE_TEXTS = (
    *HEADER_BOILERPLATE,
    *FOOTER_BOILERPLATE,
    *(text for section in SECTIONS for text in (*section.headings, *section.boilerplate)),
)
# "110 participants in 2 patient groups" opens the arms block inside "Trial design".
ARMS_HEADING = re.compile(r"^(\d[\d,]*)\s+participants?\s+in\s+(\d+)\s+patient\s+groups?$", re.IGNORECASE)
ARM_TREATMENT_LABELS = ("Treatment:", "Treatments:")
# A group's type line: "Active Comparator group", "Experimental group".
ARM_TYPE_SUFFIX = " group"
_DESIGN_FIELDS = (
    "primary_purpose",
    "allocation",
    "intervention_model",
    "masking",
    "observational_model",
    "time_perspective",
)
_DESIGN_READERS = {
    "primary_purpose": normalize.primary_purpose,
    "allocation": normalize.allocation,
    "intervention_model": normalize.intervention_model,
    "masking": normalize.masking,
    "observational_model": normalize.observational_model,
    "time_perspective": normalize.time_perspective,
}
_DESIGN_POSITION = next(i for i, section in enumerate(SECTIONS) if section.key == "trial_design")
_DISTINCTIVE_HEADINGS = (
    "Status and phase",
    "Funder types",
    "Details and patient eligibility",
    "Trial contacts and locations",
)
_DETECT_WINDOW = 40
_TYPED_NAME = re.compile(r"^([A-Za-z][A-Za-z /]*):\s*(.+)$")
_CONTACT_DETAIL = re.compile(r"(@|^\+?[\d\s().-]{6,}$|^(?:phone|email|e-mail|tel)\b)", re.IGNORECASE)


# --- detection ------------------------------------------------------------------------------


def detect(document: Document) -> bool:
    lines = document.lines
    branded = SITE_NAME in lines[:_DETECT_WINDOW] or any(COPYRIGHT.match(line) for line in lines[-10:])
    headings = sum(1 for heading in _DISTINCTIVE_HEADINGS if heading in lines)
    return (branded and headings >= 2) or headings == len(_DISTINCTIVE_HEADINGS)


# --- splitting -------------------------------------------------------------------------------


def _content_lines(lines: Sequence[str]) -> list[str]:
    """The trial's lines: header chrome, footer and loading placeholders removed."""
    content = []
    for line in lines:
        if line in FOOTER_START:
            break
        if line in PLACEHOLDERS:
            continue
        content.append(line)
    while content and content[0] in HEADER_BOILERPLATE:
        content.pop(0)
    return [line for line in content if line not in FOOTER_BOILERPLATE and not COPYRIGHT.match(line)]


_HEADING_ORDER = {
    heading: (position, section.key) for position, section in enumerate(SECTIONS) for heading in section.headings
}


def _split_blocks(lines: Sequence[str]) -> tuple[list[str], dict[str, list[str]]]:
    """(lines before the first heading, section key -> its lines), arms as their own "arms" block.

    The site prints its headings in one fixed order and spelling, so a line is a heading only
    when it is exactly a heading (case included) that comes after the current block in
    `SECTIONS`: "Treatments:" inside a group, or "Inclusion Criteria" inside a description,
    stays text. "<N> participants in <M> patient groups" is not a fixed heading: it follows
    the last design value, so it and the lines after it form the "arms" block.
    """
    preamble: list[str] = []
    blocks: dict[str, list[str]] = {}
    current: list[str] = preamble
    position = -1
    in_arms = False
    for line in lines:
        found = _HEADING_ORDER.get(line)
        if found is not None and found[0] > position:
            position, key = found
            current = blocks.setdefault(key, [])
            in_arms = False
            continue
        if not in_arms and position >= _DESIGN_POSITION and ARMS_HEADING.match(line):
            current = blocks.setdefault("arms", [])
            in_arms = True
        current.append(line)
    return preamble, blocks


# --- block readers ---------------------------------------------------------------------------


def _typed_intervention(line: str) -> Intervention:
    """ "Drug: Individualized dose of rituximab" -> Intervention(name, DRUG)."""
    typed = _TYPED_NAME.match(line)
    if typed and (kind := normalize.intervention_type(typed.group(1))):
        return Intervention(typed.group(2).strip(), kind)
    return Intervention(line)


def _arms(lines: Sequence[str], treatments: Sequence[str], issues: list[ParseIssue]) -> list[Arm]:
    """Per group: label, ["<Type> group"], [description lines], ["Treatment(s):", "<Type>: <name>"].

    Evident structure first: the first line, a line right before a type line and the first
    line after a group's treatments are labels; a typed group's lines after its type line
    are its description (golden HTML variant). ASSUMPTION (no page shows it): an untyped
    group (observational) prints label then description lines, so its other lines are
    labels or description; the stated group count decides: all labels or all description
    when the count says so, else the short non-sentence lines are labels, else (only untyped
    groups, as many lines each) every group's first line; when nothing agrees with the count,
    no group is stated (ParseIssue).
    """
    if not lines:
        return []
    heading = ARMS_HEADING.match(lines[0])
    body = list(lines[1:] if heading else lines)
    stated = int(heading.group(2)) if heading else None
    listed = set(treatments)
    is_type = [line.endswith(ARM_TYPE_SUFFIX) and normalize.arm_type(line) is not None for line in body]
    # pass 1: tokens ("label" | "type" | "desc" | "open" | "treat", line); "open" = label or description
    tokens: list[tuple[str, str]] = []
    typed = in_treatments = has_description = False
    seen: set[str] = set()
    for index, line in enumerate(body):
        if tokens and line in ARM_TREATMENT_LABELS and not in_treatments and not seen:
            in_treatments = True
            continue
        if tokens and in_treatments and line not in seen and _is_treatment(line, listed):
            tokens.append(("treat", line))
            seen.add(line)
            continue
        if tokens and not in_treatments and not typed and not has_description and is_type[index]:
            tokens.append(("type", line))
            typed = True
            continue
        if not tokens or in_treatments or (index + 1 < len(body) and is_type[index + 1]):
            tokens.append(("label", line))
            typed = in_treatments = has_description = False
            seen = set()
        else:
            tokens.append(("desc" if typed else "open", line))
            has_description = True
    # pass 2: the stated count resolves the open lines
    open_lines = [line for kind, line in tokens if kind == "open"]
    labels = sum(kind == "label" for kind, _ in tokens)
    wanted = None if stated is None else stated - labels
    if open_lines:
        if wanted is None or wanted <= 0:
            resolved = [False] * len(open_lines)
        elif wanted >= len(open_lines):
            resolved = [True] * len(open_lines)
        else:
            resolved = [not looks_like_prose(line) for line in open_lines]
            if sum(resolved) != wanted and stated and all(kind in ("label", "open") for kind, _ in tokens):
                # only untyped, untreated groups: groups printed with equally many lines each
                size, rest = divmod(len(tokens), stated)
                if size >= 2 and not rest and all(kind == "open" for kind, _ in tokens[1:]):
                    resolved = [(position + 1) % size == 0 for position in range(len(open_lines))]
            if sum(resolved) != wanted:
                # no evidence tells labels from descriptions: state no group rather than guess
                issues.append(
                    ParseIssue("arms", f"{stated} patient groups announced; cannot tell their labels from descriptions")
                )
                return []
        answers = iter(resolved)
        tokens = [
            ("label" if next(answers) else "desc", line) if kind == "open" else (kind, line) for kind, line in tokens
        ]
    arms: list[dict] = []
    for kind, line in tokens:
        if kind == "label":
            arms.append({"label": line, "arm_type": None, "description": [], "interventions": []})
        elif kind == "type":
            arms[-1]["arm_type"] = normalize.arm_type(line)
        elif kind == "desc":
            arms[-1]["description"].append(line)
        else:
            arms[-1]["interventions"].append(_typed_intervention(line).name)
    if stated is not None and stated != len(arms):
        issues.append(ParseIssue("arms", f"the page announces {stated} patient groups but lists {len(arms)}"))
    return [
        Arm(arm["label"], arm["arm_type"], paragraphs(arm["description"]), tuple(arm["interventions"])) for arm in arms
    ]


def _is_treatment(line: str, listed: set[str]) -> bool:
    if listed:
        return line in listed
    typed = _TYPED_NAME.match(line)
    return bool(typed and normalize.intervention_type(typed.group(1)))


def _contacts_and_locations(
    location_lines: Sequence[str], contact_lines: Sequence[str], issues: list[ParseIssue]
) -> tuple[list[Location], list[Contact]]:
    # The block opens with the number of sites; the site cards load by script, so a
    # saved page usually shows the count alone: no site is stated, so no row.
    lines = list(location_lines)
    if lines and lines[0].isdigit():
        lines = lines[1:]
    locations: list[Location] = []
    index = 0
    while index < len(lines):
        facility = lines[index]
        place = lines[index + 1] if index + 1 < len(lines) else None
        if place is None or "," not in place:
            issues.append(
                ParseIssue("locations", f"site {facility!r} has no 'City, Country' line; kept as facility only")
            )
            locations.append(Location(facility=facility))
            index += 1
            continue
        city, state, country = split_place(place)
        locations.append(Location(facility, city, state, country))
        index += 2

    contacts: list[Contact] = []
    for line in contact_lines:
        if contacts and _CONTACT_DETAIL.search(line):
            previous = contacts[-1]
            detail = f"{previous.detail}; {line}" if previous.detail else line
            contacts[-1] = Contact(previous.name, previous.role, detail)
        else:
            contacts.append(Contact(line, "CENTRAL_CONTACT"))
    return locations, contacts


def _ages(raw: str | None, issues: list[ParseIssue]) -> tuple[float | None, float | None]:
    if raw is None:
        return None, None
    minimum, maximum = normalize.age_range_years(raw)
    if minimum is None and maximum is None:
        issues.append(ParseIssue("ages", f"unreadable age range {raw!r}"))
    return minimum, maximum


def _first(block: Sequence[str] | None) -> str | None:
    return block[0] if block else None


# --- the parser -------------------------------------------------------------------------------


def parse(document: Document) -> Iterable[Trial]:
    lines, issues = cut_off(document.lines, FOOTER_START, SITE_TEXTS, "ClinicalTrials.Veeva", document.kind)
    preamble, blocks = _split_blocks(_content_lines(lines))

    identifiers_block = blocks.get("identifiers", [])
    nct_ids = [line for line in identifiers_block if normalize.is_nct_id(line)]
    if not nct_ids:
        found = normalize.NCT_ID.search(document.text or "")
        nct_ids = [found.group(0)] if found else []
    if not nct_ids:
        return []
    nct_id = nct_ids[0]
    # The other identifiers are unlabeled on the page (sponsor protocol numbers and
    # secondary ids look alike), so their type stays NULL.
    identifiers = tuple(Identifier(line) for line in identifiers_block if line != nct_id)

    # preamble: title, "<Sponsor> logo" (image alt text), sponsor name
    title = preamble[0] if preamble else None
    sponsor_lines = [line for line in preamble[1:] if not line.endswith(LOGO_ALT_SUFFIX)]
    if not sponsor_lines:
        sponsor_lines = [line[: -len(LOGO_ALT_SUFFIX)] for line in preamble[1:]]
    funder_types = blocks.get("funder_types", [])
    # "Funder types" lists the classes of all funders; it names the lead's class only when single
    agency_class = normalize.agency_class(funder_types[0]) if len(funder_types) == 1 else None
    if len(funder_types) == 1 and agency_class is None:
        issues.append(ParseIssue("sponsors", f"unrecognised funder type {funder_types[0]!r}"))
    sponsors = tuple(
        Sponsor(name, "LEAD" if position == 0 else "COLLABORATOR", agency_class if position == 0 else None)
        for position, name in enumerate(sponsor_lines[:1])
    )
    if len(sponsor_lines) > 1:
        issues.append(ParseIssue("sponsors", f"extra lines before 'Status and phase' ignored: {sponsor_lines[1:]}"))

    status_raw: str | None = None
    phase_lines: list[str] = []
    for line in blocks.get("status_and_phase", []):
        if normalize.phase(line) is not None:
            phase_lines.append(line)
        elif status_raw is None:
            status_raw = line
        else:
            issues.append(ParseIssue("overall_status", f"extra line in 'Status and phase': {line!r}"))
    overall_status = normalize.overall_status(status_raw)
    if status_raw and overall_status is None:
        issues.append(ParseIssue("overall_status", f"{status_raw!r} does not map to one status code"))
    # "Phase 1/Phase 2" on one line, or one phase per line
    phase = normalize.phase(phase_lines[0] if len(phase_lines) == 1 else phase_lines) if phase_lines else None
    if phase_lines and phase is None:
        issues.append(ParseIssue("phase", f"unrecognised phases {phase_lines}"))

    study_type_raw = _first(blocks.get("study_type"))
    study_type = normalize.study_type(study_type_raw)
    if study_type_raw and study_type is None:
        issues.append(ParseIssue("study_type", f"unrecognised study type {study_type_raw!r}"))

    enrollment_raw = _first(blocks.get("enrollment"))
    enrollment, enrollment_type = normalize.enrollment(enrollment_raw)
    if enrollment_raw and enrollment is None:
        issues.append(ParseIssue("enrollment", f"unreadable enrollment {enrollment_raw!r}"))

    sex_raw = _first(blocks.get("sex"))
    sex = normalize.sex(sex_raw)
    if sex_raw and sex is None:
        issues.append(ParseIssue("sex", f"unrecognised sex {sex_raw!r}"))

    ages_raw = _first(blocks.get("ages"))
    minimum_age, maximum_age = _ages(ages_raw, issues)

    volunteers_raw = _first(blocks.get("volunteers"))
    healthy_volunteers = normalize.healthy_volunteers(volunteers_raw)
    if volunteers_raw and healthy_volunteers is None:
        issues.append(ParseIssue("healthy_volunteers", f"unrecognised volunteers value {volunteers_raw!r}"))

    design: dict[str, str | None] = {}
    for name in _DESIGN_FIELDS:
        raw = _first(blocks.get(name))
        design[name] = _DESIGN_READERS[name](raw)
        if raw and design[name] is None:
            issues.append(ParseIssue(name, f"unrecognised value {raw!r}"))

    interventions = tuple(_typed_intervention(line) for line in blocks.get("treatments", []))
    arms = tuple(_arms(blocks.get("arms", []), blocks.get("treatments", []), issues))
    locations, contacts = _contacts_and_locations(
        blocks.get("contacts_and_locations", []), blocks.get("central_contact", []), issues
    )
    criteria = split_criteria(blocks.get("inclusion", []), INCLUSION) + split_criteria(
        blocks.get("exclusion", []), EXCLUSION
    )

    return [
        Trial(
            nct_id=nct_id,
            brief_title=normalize.clean_text(title),
            overall_status=overall_status,
            overall_status_raw=status_raw,
            phase=phase,
            study_type=study_type,
            enrollment=enrollment,
            enrollment_type=enrollment_type,
            allocation=design["allocation"],
            intervention_model=design["intervention_model"],
            primary_purpose=design["primary_purpose"],
            masking=design["masking"],
            observational_model=design["observational_model"],
            time_perspective=design["time_perspective"],
            sex=sex,
            minimum_age_years=minimum_age,
            maximum_age_years=maximum_age,
            minimum_age_raw=ages_raw if minimum_age is not None else None,
            maximum_age_raw=ages_raw if maximum_age is not None else None,
            healthy_volunteers=healthy_volunteers,
            brief_summary=paragraphs(blocks.get("about", [])),
            detailed_description=paragraphs(blocks.get("full_description", [])),
            arms=arms,
            interventions=interventions,
            conditions=tuple(blocks.get("conditions", [])),
            criteria=tuple(criteria),
            sponsors=sponsors,
            locations=tuple(locations),
            identifiers=identifiers,
            contacts=tuple(contacts),
            issues=tuple(issues),
        )
    ]
