"""ClinicalTrials.gov JSON: API v2 study objects, and the retired classic API v1.

Accepted shapes (one document may hold many studies):
* one API v2 study object (``protocolSection``, ``derivedSection``, ``hasResults`` ...);
* a JSON array of them (the website's "Download -> JSON" export);
* an API v2 page ``{"studies": [...], "nextPageToken": ...}``;
* a classic API v1 ``{"FullStudiesResponse": {"FullStudies": [{"Study": ...}]}}``;
* a ``.zip`` of such files, read member by member (one ``json.loads`` per member).

API v1 records are first reshaped into the v2 layout (`v1_study_to_v2`), so one mapper
serves both; every value goes through `trialmart.normalize`, which reads v2 codes
("ACTIVE_NOT_RECRUITING") and v1 wording ("Active, not recruiting") alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from trialmart import normalize
from trialmart.documents import Document
from trialmart.records import (
    Arm,
    Contact,
    Identifier,
    Intervention,
    Location,
    Outcome,
    RelatedTrial,
    Sponsor,
    Trial,
)
from trialmart.sources._official import (
    Issues,
    MemberProblem,
    attach_problems,
    contact_detail,
    eligibility_criteria,
    markdown_text,
    nct_mismatch,
    ordered_unique,
    peek_zip,
    role_code,
    secondary_id_type,
    short_text,
    strip_type_prefix,
    zip_members,
)

KINDS = ("json", "zip")

# Top-level keys that mark a ClinicalTrials.gov JSON document (v2 study, v1 response).
V2_STUDY_KEY = "protocolSection"
V1_RESPONSE_KEY = "FullStudiesResponse"
_MARKERS = (f'"{V2_STUDY_KEY}"', f'"{V1_RESPONSE_KEY}"')
_BYTE_MARKERS = tuple(marker.encode() for marker in _MARKERS)

JsonObject = dict[str, Any]


def detect(document: Document) -> bool:
    if document.kind == "zip":
        peeked = peek_zip(document.path)
        if peeked is None:
            return False
        name, head = peeked
        return name.lower().endswith(".json") and any(marker in head for marker in _BYTE_MARKERS)
    text = document.text or ""
    return text.lstrip()[:1] in ("{", "[") and any(marker in text for marker in _MARKERS)


def parse(document: Document) -> Iterable[Trial]:
    if document.kind == "zip":
        return attach_problems(_zip_items(document))
    payload = json.loads(document.text or "")
    return attach_problems(studies_in(payload, document.source_file))


def _zip_items(document: Document) -> Iterator[Trial | MemberProblem]:
    for item in zip_members(document.path, ".json"):
        if isinstance(item, MemberProblem):
            yield item
            continue
        yield from member_items(*item)


# The suffix of the zip members this family reads as records.
MEMBER_SUFFIX = ".json"


def member_items(name: str, data: bytes) -> Iterator[Trial | MemberProblem]:
    """The studies of one zip member's bytes (a problem when they are not valid JSON)."""
    try:
        payload = json.loads(data)
    except ValueError as error:  # UnicodeDecodeError is a ValueError too
        yield MemberProblem(name, f"not valid JSON: {error}")
        return
    yield from studies_in(payload, name)


def record_items(study: object, label: str) -> Iterator[Trial | MemberProblem]:
    """One element of a streamed JSON array (or of a page's "studies"), labelled "[i]"."""
    yield from _one_study(study, "", label)


def studies_in(payload: object, source_name: str) -> Iterator[Trial | MemberProblem]:
    """Every study in one parsed JSON value, whatever its shape."""
    if isinstance(payload, list):
        for position, element in enumerate(payload):
            yield from _one_study(element, source_name, f"[{position}]")
        return
    if not isinstance(payload, dict):
        yield MemberProblem(source_name, "JSON is neither a study object nor a list of studies")
        return
    if V1_RESPONSE_KEY in payload:
        response = payload[V1_RESPONSE_KEY] or {}
        for position, entry in enumerate(response.get("FullStudies") or []):
            study = entry.get("Study") if isinstance(entry, dict) else None
            if not isinstance(study, dict):
                yield MemberProblem(source_name, f"FullStudies[{position}] holds no Study object")
                continue
            yield from _one_study(v1_study_to_v2(study), source_name, f"FullStudies[{position}]")
        return
    if isinstance(payload.get("studies"), list):  # an API v2 page
        for position, element in enumerate(payload["studies"]):
            yield from _one_study(element, source_name, f"studies[{position}]")
        return
    yield from _one_study(payload, source_name, "")


def _one_study(study: object, source_name: str, where: str) -> Iterator[Trial | MemberProblem]:
    label = f"{source_name}{where}"
    if not isinstance(study, dict) or not isinstance(study.get(V2_STUDY_KEY), dict):
        yield MemberProblem(label, "not a ClinicalTrials.gov study object (no protocolSection)")
        return
    trial = trial_from_v2(study, source_name)
    if trial is None:
        yield MemberProblem(label, "study has no valid NCT id (identificationModule.nctId)")
        return
    yield trial


# --- API v2 -> Trial ---------------------------------------------------------------------------


def _module(section: JsonObject, name: str) -> JsonObject:
    value = section.get(name)
    return value if isinstance(value, dict) else {}


def _objects(container: JsonObject, key: str) -> list[JsonObject]:
    value = container.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _strings(container: JsonObject, key: str) -> list[str]:
    value = container.get(key)
    return [item for item in value if isinstance(item, str) and item.strip()] if isinstance(value, list) else []


def trial_from_v2(study: JsonObject, source_name: str = "") -> Trial | None:
    """One API v2 study object -> Trial; None when it names no valid NCT id."""
    protocol = _module(study, V2_STUDY_KEY)
    identification = _module(protocol, "identificationModule")
    nct_id = short_text(identification.get("nctId"))
    if not normalize.is_nct_id(nct_id):
        return None
    assert nct_id is not None
    issues = Issues()
    nct_mismatch(source_name, nct_id, issues)

    status = _module(protocol, "statusModule")
    sponsors_module = _module(protocol, "sponsorCollaboratorsModule")
    description = _module(protocol, "descriptionModule")
    design = _module(protocol, "designModule")
    design_info = _module(design, "designInfo")
    enrollment_info = _module(design, "enrollmentInfo")
    eligibility = _module(protocol, "eligibilityModule")
    contacts_locations = _module(protocol, "contactsLocationsModule")

    brief_title = short_text(identification.get("briefTitle"))
    if brief_title is None:
        issues.warn("brief_title", "the record has no brief title")
    overall_status_raw = short_text(status.get("overallStatus"))
    phases = _strings(design, "phases")
    start, start_precision = issues.date("start_date", _module(status, "startDateStruct").get("date"))
    primary_completion, primary_completion_precision = issues.date(
        "primary_completion_date", _module(status, "primaryCompletionDateStruct").get("date")
    )
    completion, completion_precision = issues.date(
        "completion_date", _module(status, "completionDateStruct").get("date")
    )
    last_update, _ = issues.date("last_update_date", _module(status, "lastUpdatePostDateStruct").get("date"))
    minimum_age_years, minimum_age_raw = issues.age("minimum_age", eligibility.get("minimumAge"))
    maximum_age_years, maximum_age_raw = issues.age("maximum_age", eligibility.get("maximumAge"))
    has_results = study.get("hasResults")

    interventions = _interventions(_module(protocol, "armsInterventionsModule"), issues)
    return Trial(
        nct_id=nct_id,
        brief_title=brief_title,
        official_title=short_text(identification.get("officialTitle")),
        acronym=short_text(identification.get("acronym")),
        overall_status=issues.code("overall_status", overall_status_raw, normalize.overall_status),
        overall_status_raw=overall_status_raw,
        phase=_phase(phases, issues),
        study_type=issues.code("study_type", design.get("studyType"), normalize.study_type),
        enrollment=issues.count("enrollment", enrollment_info.get("count")),
        enrollment_type=issues.code("enrollment_type", enrollment_info.get("type"), normalize.enrollment_type),
        start_date=start,
        start_date_precision=start_precision,
        primary_completion_date=primary_completion,
        primary_completion_date_precision=primary_completion_precision,
        completion_date=completion,
        completion_date_precision=completion_precision,
        last_update_date=last_update,
        allocation=issues.code("allocation", design_info.get("allocation"), normalize.allocation),
        intervention_model=issues.code(
            "intervention_model", design_info.get("interventionModel"), normalize.intervention_model
        ),
        primary_purpose=issues.code("primary_purpose", design_info.get("primaryPurpose"), normalize.primary_purpose),
        masking=issues.code("masking", _module(design_info, "maskingInfo").get("masking"), normalize.masking),
        observational_model=issues.code(
            "observational_model", design_info.get("observationalModel"), normalize.observational_model
        ),
        time_perspective=issues.code(
            "time_perspective", design_info.get("timePerspective"), normalize.time_perspective
        ),
        sex=issues.code("sex", eligibility.get("sex"), normalize.sex),
        minimum_age_years=minimum_age_years,
        maximum_age_years=maximum_age_years,
        minimum_age_raw=minimum_age_raw,
        maximum_age_raw=maximum_age_raw,
        healthy_volunteers=issues.volunteers(eligibility.get("healthyVolunteers")),
        brief_summary=markdown_text(description.get("briefSummary")),
        detailed_description=markdown_text(description.get("detailedDescription")),
        has_results=has_results if isinstance(has_results, bool) else None,
        arms=_arms(_module(protocol, "armsInterventionsModule"), interventions, issues),
        interventions=interventions,
        outcomes=_outcomes(_module(protocol, "outcomesModule"), issues),
        conditions=ordered_unique(
            text for raw in _strings(_module(protocol, "conditionsModule"), "conditions") if (text := short_text(raw))
        ),
        criteria=eligibility_criteria(markdown_text(eligibility.get("eligibilityCriteria")), issues),
        sponsors=_sponsors(sponsors_module, issues),
        locations=_locations(contacts_locations),
        identifiers=_identifiers(identification),
        related_trials=_related_trials(status, nct_id),
        contacts=_contacts(contacts_locations, sponsors_module),
        issues=tuple(issues),
    )


def _phase(phases: list[str], issues: Issues) -> str | None:
    if not phases:
        return None
    code = normalize.phase(phases)
    if code is None:
        issues.warn("phase", f"unrecognised phases {phases!r}")
    return code


def _interventions(module: JsonObject, issues: Issues) -> tuple[Intervention, ...]:
    interventions = []
    for item in _objects(module, "interventions"):
        name = short_text(item.get("name"))
        if name is None:
            issues.warn("interventions", "an intervention without a name was left out")
            continue
        interventions.append(
            Intervention(
                name=name,
                intervention_type=issues.code("intervention_type", item.get("type"), normalize.intervention_type),
                description=markdown_text(item.get("description")),
            )
        )
    return tuple(interventions)


def _arms(module: JsonObject, interventions: tuple[Intervention, ...], issues: Issues) -> tuple[Arm, ...]:
    # The record links arms and interventions twice (arm -> "Drug: X", intervention -> arm
    # labels); the union of both directions is the link, by the interventions' own names.
    by_label: dict[str, list[str]] = {}
    for item in _objects(module, "interventions"):
        name = short_text(item.get("name"))
        for label in _strings(item, "armGroupLabels"):
            if name and (label_text := short_text(label)):
                by_label.setdefault(label_text, []).append(name)
    known_names = {intervention.name for intervention in interventions}
    arms = []
    for item in _objects(module, "armGroups"):
        label = short_text(item.get("label"))
        if label is None:
            issues.warn("arms", "an arm group without a label was left out")
            continue
        named = [strip_type_prefix(text) for raw in _strings(item, "interventionNames") if (text := short_text(raw))]
        for name in named:
            if name not in known_names:
                issues.warn("arms", f"arm {label!r} names an intervention the record does not list: {name!r}")
        arms.append(
            Arm(
                label=label,
                arm_type=issues.code("arm_type", item.get("type"), normalize.arm_type),
                description=markdown_text(item.get("description")),
                intervention_names=ordered_unique([*named, *by_label.get(label, [])]),
            )
        )
    return tuple(arms)


_OUTCOME_LISTS = (("primaryOutcomes", "PRIMARY"), ("secondaryOutcomes", "SECONDARY"), ("otherOutcomes", "OTHER"))


def _outcomes(module: JsonObject, issues: Issues) -> tuple[Outcome, ...]:
    outcomes = []
    for key, outcome_type in _OUTCOME_LISTS:
        for item in _objects(module, key):
            measure = short_text(item.get("measure"))
            if measure is None:
                issues.warn("outcomes", f"a {outcome_type.lower()} outcome without a measure was left out")
                continue
            outcomes.append(
                Outcome(
                    outcome_type=outcome_type,
                    measure=measure,
                    time_frame=short_text(item.get("timeFrame")),
                    description=markdown_text(item.get("description")),
                )
            )
    return tuple(outcomes)


def _sponsors(module: JsonObject, issues: Issues) -> tuple[Sponsor, ...]:
    sponsors = []
    entries = [(_module(module, "leadSponsor"), "LEAD")] + [
        (item, "COLLABORATOR") for item in _objects(module, "collaborators")
    ]
    for item, role in entries:
        name = short_text(item.get("name"))
        if name is None:
            continue
        sponsors.append(Sponsor(name, role, issues.code("agency_class", item.get("class"), normalize.agency_class)))
    return tuple(sponsors)


def _locations(module: JsonObject) -> tuple[Location, ...]:
    locations = []
    for item in _objects(module, "locations"):
        location = Location(
            facility=short_text(item.get("facility")),
            city=short_text(item.get("city")),
            state=short_text(item.get("state")),
            country=short_text(item.get("country")),
        )
        if location != Location():
            locations.append(location)
    return tuple(locations)


def _identifiers(identification: JsonObject) -> tuple[Identifier, ...]:
    identifiers = []
    if org_study_id := short_text(_module(identification, "orgStudyIdInfo").get("id")):
        identifiers.append(Identifier(org_study_id, "ORG_STUDY_ID"))
    for item in _objects(identification, "secondaryIdInfos"):
        if value := short_text(item.get("id")):
            identifiers.append(Identifier(value, secondary_id_type(item.get("type"))))
    for alias in _strings(identification, "nctIdAliases"):
        if value := short_text(alias):
            identifiers.append(Identifier(value, "NCT_ALIAS"))
    return tuple(identifiers)


def _related_trials(status: JsonObject, nct_id: str) -> tuple[RelatedTrial, ...]:
    # The expanded-access record of this study is the one trial an official record links to.
    related = short_text(_module(status, "expandedAccessInfo").get("nctId"))
    if related and normalize.is_nct_id(related) and related != nct_id:
        return (RelatedTrial(related),)
    return ()


def _contacts(contacts_locations: JsonObject, sponsors_module: JsonObject) -> tuple[Contact, ...]:
    contacts = []
    for item in _objects(contacts_locations, "centralContacts"):
        if name := short_text(item.get("name")):
            phone = item.get("phone")
            if phone and item.get("phoneExt"):
                phone = f"{phone} ext {item['phoneExt']}"
            contacts.append(Contact(name, "CENTRAL_CONTACT", contact_detail(phone, item.get("email"))))
    for item in _objects(contacts_locations, "overallOfficials"):
        if name := short_text(item.get("name")):
            contacts.append(Contact(name, role_code(item.get("role")), contact_detail(item.get("affiliation"))))
    # A responsible party is a contact only when the record names a person; "SPONSOR"
    # alone points at the lead sponsor, already in marts.sponsors.
    party = _module(sponsors_module, "responsibleParty")
    if name := short_text(party.get("investigatorFullName")) or short_text(party.get("oldNameTitle")):
        detail = contact_detail(
            party.get("investigatorTitle"), party.get("investigatorAffiliation") or party.get("oldOrganization")
        )
        contacts.append(Contact(name, "RESPONSIBLE_PARTY", detail))
    return tuple(contacts)


# --- classic API v1 (FullStudiesResponse) -> API v2 layout ---------------------------------------


def _v1_list(module: JsonObject, list_key: str, item_key: str) -> list[Any]:
    container = module.get(list_key)
    if not isinstance(container, dict):
        return []
    items = container.get(item_key)
    return items if isinstance(items, list) else []


def _v1_date(module: JsonObject, struct_key: str, date_key: str) -> JsonObject:
    struct = _module(module, struct_key)
    return {"date": struct.get(date_key), "type": struct.get(f"{date_key}Type")}


def _single(values: list[Any]) -> Any:
    """v1 lists design values; v2 has one. Several values stay visible (and unmapped)."""
    if not values:
        return None
    return values[0] if len(values) == 1 else ", ".join(str(value) for value in values)


def v1_study_to_v2(study: JsonObject) -> JsonObject:
    """A classic API v1 ``Study`` reshaped into the API v2 layout that `trial_from_v2` reads.

    Only the fields the contract uses are carried over. v1 has no ``hasResults`` flag:
    a ``ResultsSection`` is what says the study has results.
    """
    protocol = _module(study, "ProtocolSection")
    identification = _module(protocol, "IdentificationModule")
    status = _module(protocol, "StatusModule")
    sponsors = _module(protocol, "SponsorCollaboratorsModule")
    description = _module(protocol, "DescriptionModule")
    design = _module(protocol, "DesignModule")
    design_info = _module(design, "DesignInfo")
    arms_module = _module(protocol, "ArmsInterventionsModule")
    outcomes = _module(protocol, "OutcomesModule")
    eligibility = _module(protocol, "EligibilityModule")
    contacts = _module(protocol, "ContactsLocationsModule")
    lead = _module(sponsors, "LeadSponsor")
    party = _module(sponsors, "ResponsibleParty")
    enrollment = _module(design, "EnrollmentInfo")

    def outcome_list(list_key: str, item_key: str) -> list[JsonObject]:
        return [
            {
                "measure": item.get(f"{item_key}Measure"),
                "timeFrame": item.get(f"{item_key}TimeFrame"),
                "description": item.get(f"{item_key}Description"),
            }
            for item in _v1_list(outcomes, list_key, item_key)
            if isinstance(item, dict)
        ]

    return {
        V2_STUDY_KEY: {
            "identificationModule": {
                "nctId": identification.get("NCTId"),
                "orgStudyIdInfo": {"id": _module(identification, "OrgStudyIdInfo").get("OrgStudyId")},
                "secondaryIdInfos": [
                    {"id": item.get("SecondaryId"), "type": item.get("SecondaryIdType")}
                    for item in _v1_list(identification, "SecondaryIdInfoList", "SecondaryIdInfo")
                    if isinstance(item, dict)
                ],
                "nctIdAliases": _v1_list(identification, "NCTIdAliasList", "NCTIdAlias"),
                "briefTitle": identification.get("BriefTitle"),
                "officialTitle": identification.get("OfficialTitle"),
                "acronym": identification.get("Acronym"),
            },
            "statusModule": {
                "overallStatus": status.get("OverallStatus"),
                "startDateStruct": _v1_date(status, "StartDateStruct", "StartDate"),
                "primaryCompletionDateStruct": _v1_date(status, "PrimaryCompletionDateStruct", "PrimaryCompletionDate"),
                "completionDateStruct": _v1_date(status, "CompletionDateStruct", "CompletionDate"),
                "lastUpdatePostDateStruct": _v1_date(status, "LastUpdatePostDateStruct", "LastUpdatePostDate"),
                "expandedAccessInfo": {"nctId": _module(status, "ExpandedAccessInfo").get("ExpandedAccessNCTId")},
            },
            "sponsorCollaboratorsModule": {
                "leadSponsor": {"name": lead.get("LeadSponsorName"), "class": lead.get("LeadSponsorClass")},
                "collaborators": [
                    {"name": item.get("CollaboratorName"), "class": item.get("CollaboratorClass")}
                    for item in _v1_list(sponsors, "CollaboratorList", "Collaborator")
                    if isinstance(item, dict)
                ],
                "responsibleParty": {
                    "investigatorFullName": party.get("ResponsiblePartyInvestigatorFullName"),
                    "investigatorTitle": party.get("ResponsiblePartyInvestigatorTitle"),
                    "investigatorAffiliation": party.get("ResponsiblePartyInvestigatorAffiliation"),
                    "oldNameTitle": party.get("ResponsiblePartyOldNameTitle"),
                    "oldOrganization": party.get("ResponsiblePartyOldOrganization"),
                },
            },
            "descriptionModule": {
                "briefSummary": description.get("BriefSummary"),
                "detailedDescription": description.get("DetailedDescription"),
            },
            "conditionsModule": {
                "conditions": _v1_list(_module(protocol, "ConditionsModule"), "ConditionList", "Condition")
            },
            "designModule": {
                "studyType": design.get("StudyType"),
                "phases": _v1_list(design, "PhaseList", "Phase"),
                "designInfo": {
                    "allocation": design_info.get("DesignAllocation"),
                    "interventionModel": design_info.get("DesignInterventionModel"),
                    "primaryPurpose": design_info.get("DesignPrimaryPurpose"),
                    "maskingInfo": {"masking": _module(design_info, "DesignMaskingInfo").get("DesignMasking")},
                    "observationalModel": _single(
                        _v1_list(design_info, "DesignObservationalModelList", "DesignObservationalModel")
                    ),
                    "timePerspective": _single(
                        _v1_list(design_info, "DesignTimePerspectiveList", "DesignTimePerspective")
                    ),
                },
                "enrollmentInfo": {
                    "count": enrollment.get("EnrollmentCount"),
                    "type": enrollment.get("EnrollmentType"),
                },
            },
            "armsInterventionsModule": {
                "armGroups": [
                    {
                        "label": item.get("ArmGroupLabel"),
                        "type": item.get("ArmGroupType"),
                        "description": item.get("ArmGroupDescription"),
                        "interventionNames": _v1_list(item, "ArmGroupInterventionList", "ArmGroupInterventionName"),
                    }
                    for item in _v1_list(arms_module, "ArmGroupList", "ArmGroup")
                    if isinstance(item, dict)
                ],
                "interventions": [
                    {
                        "type": item.get("InterventionType"),
                        "name": item.get("InterventionName"),
                        "description": item.get("InterventionDescription"),
                        "armGroupLabels": _v1_list(item, "InterventionArmGroupLabelList", "InterventionArmGroupLabel"),
                    }
                    for item in _v1_list(arms_module, "InterventionList", "Intervention")
                    if isinstance(item, dict)
                ],
            },
            "outcomesModule": {
                "primaryOutcomes": outcome_list("PrimaryOutcomeList", "PrimaryOutcome"),
                "secondaryOutcomes": outcome_list("SecondaryOutcomeList", "SecondaryOutcome"),
                "otherOutcomes": outcome_list("OtherOutcomeList", "OtherOutcome"),
            },
            "eligibilityModule": {
                "eligibilityCriteria": eligibility.get("EligibilityCriteria"),
                "healthyVolunteers": eligibility.get("HealthyVolunteers"),
                "sex": eligibility.get("Gender"),
                "minimumAge": eligibility.get("MinimumAge"),
                "maximumAge": eligibility.get("MaximumAge"),
            },
            "contactsLocationsModule": {
                "centralContacts": [
                    {
                        "name": item.get("CentralContactName"),
                        "phone": item.get("CentralContactPhone"),
                        "phoneExt": item.get("CentralContactPhoneExt"),
                        "email": item.get("CentralContactEMail"),
                    }
                    for item in _v1_list(contacts, "CentralContactList", "CentralContact")
                    if isinstance(item, dict)
                ],
                "overallOfficials": [
                    {
                        "name": item.get("OverallOfficialName"),
                        "affiliation": item.get("OverallOfficialAffiliation"),
                        "role": item.get("OverallOfficialRole"),
                    }
                    for item in _v1_list(contacts, "OverallOfficialList", "OverallOfficial")
                    if isinstance(item, dict)
                ],
                "locations": [
                    {
                        "facility": item.get("LocationFacility"),
                        "city": item.get("LocationCity"),
                        "state": item.get("LocationState"),
                        "country": item.get("LocationCountry"),
                    }
                    for item in _v1_list(contacts, "LocationList", "Location")
                    if isinstance(item, dict)
                ],
            },
        },
        "hasResults": "ResultsSection" in study,
    }
