"""ClinicalTrials.gov legacy XML: one ``<clinical_study>`` per file, or a zip of them.

The legacy feed (AllPublicXML.zip, retired in 2023) states values in display wording
("Active, not recruiting", "Phase 1/Phase 2", "July 2020", "U.S. Fed"); `normalize`
maps them to the contract's API v2 codes. Textblocks are hard-wrapped at ~100
characters: paragraphs are rebuilt before anything reads them. Parsing uses lxml and
zip archives are read one member at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from lxml import etree

from trialmart import normalize
from trialmart.documents import Document
from trialmart.records import Arm, Contact, Identifier, Intervention, Location, Outcome, Sponsor, Trial
from trialmart.sources._official import (
    Issues,
    MemberProblem,
    attach_problems,
    contact_detail,
    eligibility_criteria,
    nct_mismatch,
    ordered_unique,
    peek_zip,
    role_code,
    short_text,
    unwrap_textblock,
    zip_members,
)

KINDS = ("xml", "zip")

ROOT_TAG = "clinical_study"
_ROOT_MARKER = f"<{ROOT_TAG}"
_ROOT_MARKER_BYTES = _ROOT_MARKER.encode()
# Comments (the feed's column notes) are noise; huge_tree lifts lxml's 10 MB text limit
# that a long results section could hit; no network, no entity expansion.
_PARSER = etree.XMLParser(remove_comments=True, huge_tree=True, resolve_entities=False, no_network=True)
_TEXT_PARSER = etree.XMLParser(
    remove_comments=True, huge_tree=True, resolve_entities=False, no_network=True, encoding="utf-8"
)

# Outcome elements and their contract types, in the order the contract lists them.
OUTCOME_ELEMENTS = (("primary_outcome", "PRIMARY"), ("secondary_outcome", "SECONDARY"), ("other_outcome", "OTHER"))
# Where the record says when it was last updated: the current tag, then the pre-2017 one.
LAST_UPDATE_ELEMENTS = ("last_update_posted", "lastchanged_date")


def detect(document: Document) -> bool:
    if document.kind == "zip":
        peeked = peek_zip(document.path)
        if peeked is None:
            return False
        name, head = peeked
        return name.lower().endswith(".xml") and _ROOT_MARKER_BYTES in head
    return _ROOT_MARKER in (document.text or "")[:4096]


def parse(document: Document) -> Iterable[Trial]:
    if document.kind == "zip":
        return attach_problems(_zip_items(document))
    # The document text is already decoded, so any encoding declaration is overridden.
    root = etree.fromstring((document.text or "").encode("utf-8"), _TEXT_PARSER)
    return attach_problems(_studies(root, document.source_file))


def _zip_items(document: Document) -> Iterator[Trial | MemberProblem]:
    for item in zip_members(document.path, ".xml"):
        if isinstance(item, MemberProblem):
            yield item
            continue
        yield from member_items(*item)


# The suffix of the zip members this family reads as records.
MEMBER_SUFFIX = ".xml"


def member_items(name: str, data: bytes) -> Iterator[Trial | MemberProblem]:
    """The study of one zip member's bytes (a problem when they are not well-formed XML)."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        yield MemberProblem(name, f"not well-formed XML: {error}")
        return
    yield from _studies(root, name)


def _studies(root: etree._Element, source_name: str) -> Iterator[Trial | MemberProblem]:
    if root.tag != ROOT_TAG:
        yield MemberProblem(source_name, f"root element is <{root.tag}>, not <{ROOT_TAG}>")
        return
    trial = trial_from_xml(root, source_name)
    if trial is None:
        yield MemberProblem(source_name, "no valid NCT id in id_info/nct_id")
        return
    yield trial


def _leaves(element: etree._Element | None) -> dict[str, str]:
    """Text of each child element by tag (first one wins): one pass instead of many finds."""
    leaves: dict[str, str] = {}
    if element is None:
        return leaves
    for child in element:
        if child.tag not in leaves and child.text is not None:
            leaves[child.tag] = child.text
    return leaves


def _clean_all(element: etree._Element, tag: str) -> list[str]:
    return [text for node in element.iterfind(tag) if (text := short_text(node.text))]


class _Study:
    """The children of one ``<clinical_study>``, indexed by tag once."""

    def __init__(self, root: etree._Element) -> None:
        self.children: dict[str, list[etree._Element]] = {}
        for child in root:
            self.children.setdefault(child.tag, []).append(child)

    def all(self, tag: str) -> list[etree._Element]:
        return self.children.get(tag, [])

    def first(self, tag: str) -> etree._Element | None:
        found = self.children.get(tag)
        return found[0] if found else None

    def text(self, tag: str) -> str | None:
        node = self.first(tag)
        return short_text(node.text) if node is not None else None

    def block(self, tag: str) -> str | None:
        node = self.first(tag)
        return unwrap_textblock(node.findtext("textblock")) if node is not None else None


def trial_from_xml(root: etree._Element, source_name: str = "") -> Trial | None:
    """One ``<clinical_study>`` element -> Trial; None when it names no valid NCT id."""
    study = _Study(root)
    id_info = study.first("id_info")
    nct_id = short_text(id_info.findtext("nct_id")) if id_info is not None else None
    if not normalize.is_nct_id(nct_id):
        return None
    assert nct_id is not None and id_info is not None
    issues = Issues()
    nct_mismatch(source_name, nct_id, issues)

    brief_title = study.text("brief_title")
    if brief_title is None:
        issues.warn("brief_title", "the record has no brief title")
    overall_status_raw = study.text("overall_status")
    start, start_precision = issues.date("start_date", study.text("start_date"))
    primary_completion, primary_completion_precision = issues.date(
        "primary_completion_date", study.text("primary_completion_date")
    )
    completion, completion_precision = issues.date("completion_date", study.text("completion_date"))
    last_update_raw = next((text for tag in LAST_UPDATE_ELEMENTS if (text := study.text(tag))), None)
    last_update, _ = issues.date("last_update_date", last_update_raw)
    enrollment_node = study.first("enrollment")
    design = _leaves(study.first("study_design_info"))
    eligibility_node = study.first("eligibility")
    eligibility = _leaves(eligibility_node)
    criteria_text = (
        unwrap_textblock(eligibility_node.findtext("criteria/textblock")) if eligibility_node is not None else None
    )
    minimum_age_years, minimum_age_raw = issues.age("minimum_age", short_text(eligibility.get("minimum_age")))
    maximum_age_years, maximum_age_raw = issues.age("maximum_age", short_text(eligibility.get("maximum_age")))

    interventions, labels_by_intervention = _interventions(study, issues)
    return Trial(
        nct_id=nct_id,
        brief_title=brief_title,
        official_title=study.text("official_title"),
        acronym=study.text("acronym"),
        overall_status=issues.code("overall_status", overall_status_raw, normalize.overall_status),
        overall_status_raw=overall_status_raw,
        phase=issues.code("phase", study.text("phase"), normalize.phase),
        study_type=issues.code("study_type", _stated(study.text("study_type")), normalize.study_type),
        enrollment=issues.count(
            "enrollment", short_text(enrollment_node.text) if enrollment_node is not None else None
        ),
        enrollment_type=issues.code(
            "enrollment_type",
            enrollment_node.get("type") if enrollment_node is not None else None,
            normalize.enrollment_type,
        ),
        start_date=start,
        start_date_precision=start_precision,
        primary_completion_date=primary_completion,
        primary_completion_date_precision=primary_completion_precision,
        completion_date=completion,
        completion_date_precision=completion_precision,
        last_update_date=last_update,
        allocation=issues.code("allocation", short_text(design.get("allocation")), normalize.allocation),
        intervention_model=issues.code(
            "intervention_model", short_text(design.get("intervention_model")), normalize.intervention_model
        ),
        primary_purpose=issues.code(
            "primary_purpose", short_text(design.get("primary_purpose")), normalize.primary_purpose
        ),
        masking=issues.code("masking", short_text(design.get("masking")), normalize.masking),
        observational_model=issues.code(
            "observational_model", short_text(design.get("observational_model")), normalize.observational_model
        ),
        time_perspective=issues.code(
            "time_perspective", short_text(design.get("time_perspective")), normalize.time_perspective
        ),
        sex=issues.code("sex", short_text(eligibility.get("gender")), normalize.sex),
        minimum_age_years=minimum_age_years,
        maximum_age_years=maximum_age_years,
        minimum_age_raw=minimum_age_raw,
        maximum_age_raw=maximum_age_raw,
        healthy_volunteers=issues.volunteers(short_text(eligibility.get("healthy_volunteers"))),
        brief_summary=study.block("brief_summary"),
        detailed_description=study.block("detailed_description"),
        # The legacy record always states it: results are either posted or not.
        has_results=study.first("clinical_results") is not None,
        arms=_arms(study, labels_by_intervention, issues),
        interventions=interventions,
        outcomes=_outcomes(study, issues),
        conditions=ordered_unique(text for node in study.all("condition") if (text := short_text(node.text))),
        criteria=eligibility_criteria(criteria_text, issues),
        sponsors=_sponsors(study, issues),
        locations=_locations(study),
        identifiers=_identifiers(id_info),
        contacts=_contacts(study),
        issues=tuple(issues),
    )


# Values that mean "the record states nothing here" rather than an unknown code.
NOT_STATED = frozenset({"N/A", "NA"})


def _stated(value: str | None) -> str | None:
    return None if value in NOT_STATED else value


def _interventions(study: _Study, issues: Issues) -> tuple[tuple[Intervention, ...], list[tuple[str, list[str]]]]:
    interventions = []
    labels: list[tuple[str, list[str]]] = []
    for node in study.all("intervention"):
        leaves = _leaves(node)
        name = short_text(leaves.get("intervention_name"))
        if name is None:
            issues.warn("interventions", "an intervention without a name was left out")
            continue
        interventions.append(
            Intervention(
                name=name,
                intervention_type=issues.code(
                    "intervention_type", short_text(leaves.get("intervention_type")), normalize.intervention_type
                ),
                description=unwrap_textblock(leaves.get("description")),
            )
        )
        labels.append((name, _clean_all(node, "arm_group_label")))
    return tuple(interventions), labels


def _arms(study: _Study, labels_by_intervention: list[tuple[str, list[str]]], issues: Issues) -> tuple[Arm, ...]:
    # Legacy XML links the other way round: each intervention lists its arm labels.
    names_by_label: dict[str, list[str]] = {}
    for name, labels in labels_by_intervention:
        for label in labels:
            names_by_label.setdefault(label, []).append(name)
    arms = []
    for node in study.all("arm_group"):
        leaves = _leaves(node)
        label = short_text(leaves.get("arm_group_label"))
        if label is None:
            issues.warn("arms", "an arm group without a label was left out")
            continue
        arms.append(
            Arm(
                label=label,
                arm_type=issues.code("arm_type", short_text(leaves.get("arm_group_type")), normalize.arm_type),
                description=unwrap_textblock(leaves.get("description")),
                intervention_names=ordered_unique(names_by_label.get(label, [])),
            )
        )
    return tuple(arms)


def _outcomes(study: _Study, issues: Issues) -> tuple[Outcome, ...]:
    outcomes = []
    for tag, outcome_type in OUTCOME_ELEMENTS:
        for node in study.all(tag):
            leaves = _leaves(node)
            measure = short_text(leaves.get("measure"))
            if measure is None:
                issues.warn("outcomes", f"a {outcome_type.lower()} outcome without a measure was left out")
                continue
            outcomes.append(
                Outcome(
                    outcome_type,
                    measure,
                    short_text(leaves.get("time_frame")),
                    unwrap_textblock(leaves.get("description")),
                )
            )
    return tuple(outcomes)


def _sponsors(study: _Study, issues: Issues) -> tuple[Sponsor, ...]:
    sponsors = []
    for group in study.all("sponsors"):
        for node in group:
            role = SPONSOR_ROLES.get(node.tag)
            if role is None:
                continue
            leaves = _leaves(node)
            if name := short_text(leaves.get("agency")):
                agency_class = issues.code(
                    "agency_class", short_text(leaves.get("agency_class")), normalize.agency_class
                )
                sponsors.append(Sponsor(name, role, agency_class))
    return tuple(sponsors)


SPONSOR_ROLES = {"lead_sponsor": "LEAD", "collaborator": "COLLABORATOR"}


def _locations(study: _Study) -> tuple[Location, ...]:
    # ~11 locations per record: one pass over each facility's children, no path lookups
    locations = []
    for node in study.all("location"):
        for facility in node.iterchildren("facility"):
            values: list[str | None] = [None, None, None, None]  # facility, city, state, country
            for child in facility:
                if child.tag == "name":
                    values[0] = child.text
                elif child.tag == "address":
                    for part in child:
                        if (position := ADDRESS_PARTS.get(part.tag)) is not None:
                            values[position] = part.text
            location = Location(*(short_text(value) for value in values))
            if location != _NO_LOCATION:
                locations.append(location)
    return tuple(locations)


ADDRESS_PARTS = {"city": 1, "state": 2, "country": 3}
_NO_LOCATION = Location()


def _identifiers(id_info: etree._Element) -> tuple[Identifier, ...]:
    identifiers = []
    for node in id_info:
        kind = IDENTIFIER_TYPES.get(node.tag)
        if kind and (value := short_text(node.text)):
            identifiers.append(Identifier(value, kind))
    return tuple(identifiers)


# id_info children other than nct_id, and their identifier types.
IDENTIFIER_TYPES = {"org_study_id": "ORG_STUDY_ID", "secondary_id": "SECONDARY_ID", "nct_alias": "NCT_ALIAS"}


def _person_name(leaves: dict[str, str]) -> str | None:
    # The legacy feed puts the whole name (with degrees) in last_name; the schema also
    # allows first/middle names and degrees, so use them when present.
    parts = [text for tag in ("first_name", "middle_name", "last_name") if (text := short_text(leaves.get(tag)))]
    if not parts:
        return None
    name = " ".join(parts)
    degrees = short_text(leaves.get("degrees"))
    return f"{name}, {degrees}" if degrees else name


def _contacts(study: _Study) -> tuple[Contact, ...]:
    contacts = []
    for tag in ("overall_contact", "overall_contact_backup"):
        for node in study.all(tag):
            leaves = _leaves(node)
            if name := _person_name(leaves):
                phone = leaves.get("phone")
                if phone and (extension := leaves.get("phone_ext")):
                    phone = f"{phone} ext {extension}"
                contacts.append(Contact(name, "CENTRAL_CONTACT", contact_detail(phone, leaves.get("email"))))
    for node in study.all("overall_official"):
        leaves = _leaves(node)
        if name := _person_name(leaves):
            contacts.append(Contact(name, role_code(leaves.get("role")), contact_detail(leaves.get("affiliation"))))
    # A responsible party is a contact only when a person is named ("Sponsor" alone is not).
    for node in study.all("responsible_party"):
        leaves = _leaves(node)
        if name := short_text(leaves.get("investigator_full_name")) or short_text(leaves.get("name_title")):
            detail = contact_detail(
                leaves.get("investigator_title"), leaves.get("investigator_affiliation") or leaves.get("organization")
            )
            contacts.append(Contact(name, "RESPONSIBLE_PARTY", detail))
    return tuple(contacts)
