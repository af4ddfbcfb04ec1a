"""Print a study the way the ClinicalTrials.gov mirror prints it (seeds 000 and 003).

Follows seed 003 (interventional) and seed 000 (observational): title, "NCT ID:", "Last
Updated:", then each block's heading and its fixed site sentence, values unlabeled in API v2
codes, in the seeds' block order. Choices the seeds do not dictate:

* Study Results: printed with the "not published" sentence when the study has no results;
  a study with results leaves the block out (the seeds never show posted results), so the page
  states nothing about results (has_results NULL).
* Basic Information: status code, phase code (when the study has one), "N participants",
  study type code, then the start and the completion date as the registry gives them
  (YYYY-MM-DD or YYYY-MM). A study with only one of the two dates prints that one date; the
  page then does not say which milestone it is, so neither is stated.
* Texts (summary, description): one line per non-blank source line, as the seed prints its
  paragraphs; stated as those lines joined by a blank line (the contract's paragraph rule).
* Conditions: one per line (the seeds show the block empty). Detailed Description, Related
  Clinical Trials, More Related Trials: heading and sentence always (as both seeds do).
* Study Design: interventional = allocation, intervention model, primary purpose, masking;
  observational = observational model, time perspective; absent values are left out.
* Study Groups: label, description (when any), then each linked intervention's name and its
  description (seed 003; of several interventions with the same name, the one whose own arm
  labels include the group), or "No interventions assigned to this group" (seed 000). Arm and
  intervention types are not printed (the seeds never show them), so they are not stated.
* Interventions: left out when the study has none (seed 000); name, then description if any.
* Eligibility: "Inclusion Criteria", the inclusion items as "N. text", "Exclusion Criteria",
  the exclusion items, then minimum age, maximum age (each only when the registry has it), sex
  code, Yes/No. A single age line is stated as the bound the registry gives it (the page does
  not label it; the parser must infer which one).
* Sponsors: lead then collaborators, each name then agency class code (when known).
* Responsible Party: the name, then each detail part on its own line (seed 003); Central
  Contacts: left out when none (as seed 000), else name then phone / e-mail lines.
* Locations / Countries: left out when there are no sites (seed 003); a site without a
  facility name is not printed (the seeds always show facility, then place).
* Other Identifiers: org study id, then secondary ids, each with "Identifier Type:" (the
  registry's type code or "-") and "Identifier Source:" (org_study_id / secondary_id). NCT id
  aliases are not secondary ids: not printed (the seeds show no place for them).
"""

from __future__ import annotations

from dataclasses import replace

from roundtrip_corpus import Printed, Study

from trialmart import normalize
from trialmart.records import Contact, Criterion, Intervention, Location, Trial
from trialmart.sources._official import short_text

SENTENCES = {
    "Study Results": "The study team has not published outcome measurements, participant flow, or safety data "
    "for this trial yet. Check back later for updates.",
    "Basic Information": "Get a concise snapshot of the trial, including recruitment status, study phase, enrollment "
    "targets, and key timeline milestones.",
    "Brief Summary": "Review the sponsor-provided synopsis that highlights what the study is about and why it is "
    "being conducted.",
    "Related Clinical Trials": "Explore similar clinical trials based on study characteristics and research focus.",
    "Detailed Description": "Dive into the extended narrative that explains the scientific background, objectives, "
    "and procedures in greater depth.",
    "Conditions": "See the medical conditions and disease areas that this research is targeting or investigating.",
    "Study Design": "Understand how the trial is structured, including allocation methods, masking strategies, "
    "primary purpose, and other design elements.",
    "Study Groups": "Review each arm or cohort in the study, along with the interventions and objectives "
    "associated with them.",
    "Interventions": "Learn about the drugs, procedures, or behavioral strategies being tested and how they are "
    "applied within this trial.",
    "Eligibility Criteria": "Check the participation requirements, including inclusion and exclusion rules, age "
    "limits, and whether healthy volunteers are accepted.",
    "Sponsors": "Meet the organizations funding or collaborating on the study and learn about their roles.",
    "Responsible Party": "Identify the individual or organization who holds primary responsibility for the study "
    "information submitted to regulators.",
    "Central Contacts": "Reach out to these primary contacts for questions about participation or study logistics.",
    "Locations": "Explore where the study is taking place and check the recruitment status at each participating site.",
    "Countries": "Review the countries where the study has at least one active or historical site.",
    "Other Identifiers": "Review additional registry numbers or institutional identifiers associated with this trial.",
    "More Related Trials": "Additional clinical trials that may be relevant based on similarity analysis.",
}
NO_LINKS = "No interventions assigned to this group"


def _text_lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").split("\n") if line.strip()]


def _cleaned(lines: list[str]) -> str | None:
    """The lines as trialmart stores page text: entities decoded, paragraphs joined."""
    return "\n\n".join(text for line in lines if (text := normalize.clean_text(line))) or None


def _linked_intervention(study: Study, name: str, label: str) -> Intervention | None:
    """The intervention a group's link shows: of those named `name`, the one whose own arm labels
    include the group (the registry links both ways), else the first one so named."""
    named = [item for item in study.trial.interventions if item.name == name]
    raw = study.module("armsInterventionsModule").get("interventions") or []
    raw_named = [item for item in raw if short_text(item.get("name")) == name]
    if len(raw_named) == len(named):
        for item, record in zip(named, raw_named, strict=True):
            if label in [short_text(text) for text in record.get("armGroupLabels") or []]:
                return item
    return named[0] if named else None


def print_page(study: Study) -> Printed:
    t = study.trial
    out: list[str] = [t.brief_title or "", f"NCT ID: {t.nct_id}"]
    out.append(f"Last Updated: {t.last_update_date.isoformat() if t.last_update_date else '-'}")
    stated: dict[str, object] = {
        "brief_title": t.brief_title,
        "last_update_date": t.last_update_date,
    }

    def block(heading: str, *values: str) -> None:
        out.extend([heading, SENTENCES[heading], *values])

    if t.has_results is False:
        block("Study Results")
        stated["has_results"] = False

    status = study.module("statusModule")
    basic: list[str] = []
    if t.overall_status:
        basic.append(t.overall_status)
        stated.update(overall_status=t.overall_status, overall_status_raw=t.overall_status)
    if t.phase and t.study_type != "OBSERVATIONAL":
        basic.append(t.phase)
        stated["phase"] = t.phase
    if t.enrollment is not None:
        basic.append(f"{t.enrollment} participants")
        stated["enrollment"] = t.enrollment
    if t.study_type:
        basic.append(t.study_type)
        stated["study_type"] = t.study_type
    start = (status.get("startDateStruct") or {}).get("date")
    end = (status.get("completionDateStruct") or {}).get("date")
    if start and end:
        basic += [start, end]
        stated.update(
            start_date=t.start_date,
            start_date_precision=t.start_date_precision,
            completion_date=t.completion_date,
            completion_date_precision=t.completion_date_precision,
        )
    elif start or end:
        basic.append(start or end)  # one unlabeled date: the page does not say which
    block("Basic Information", *basic)

    summary = _text_lines(t.brief_summary)
    block("Brief Summary", *summary)
    stated["brief_summary"] = _cleaned(summary)
    block("Related Clinical Trials")
    description = _text_lines(t.detailed_description)
    block("Detailed Description", *description)
    stated["detailed_description"] = _cleaned(description)
    block("Conditions", *t.conditions)
    stated["conditions"] = t.conditions

    if t.study_type == "INTERVENTIONAL":
        names = ("allocation", "intervention_model", "primary_purpose", "masking")
    elif t.study_type == "OBSERVATIONAL":
        names = ("observational_model", "time_perspective")
    else:
        names = ()
    design = [(name, getattr(t, name)) for name in names if getattr(t, name)]
    block("Study Design", *[value for _, value in design])
    stated.update(design)

    groups: list[str] = []
    for arm in t.arms:
        groups.append(arm.label)
        arm_text = _text_lines(arm.description)
        groups += arm_text
        for name in arm.intervention_names:
            groups.append(name)
            linked = _linked_intervention(study, name, arm.label)
            if linked is not None:
                groups += _text_lines(linked.description)
        if not arm.intervention_names:
            groups.append(NO_LINKS)
    block("Study Groups", *groups)
    stated["arms"] = tuple(
        replace(arm, arm_type=None, description=_cleaned(_text_lines(arm.description))) for arm in t.arms
    )
    if t.interventions:
        lines: list[str] = []
        for item in t.interventions:
            lines += [item.name, *_text_lines(item.description)]
        block("Interventions", *lines)
        stated["interventions"] = tuple(
            replace(item, intervention_type=None, description=_cleaned(_text_lines(item.description)))
            for item in t.interventions
        )

    eligibility: list[str] = []
    criteria: list[Criterion] = []
    for kind, heading in (("INCLUSION", "Inclusion Criteria"), ("EXCLUSION", "Exclusion Criteria")):
        items = [criterion for criterion in t.criteria if criterion.criterion_type == kind]
        if items:
            eligibility.append(heading)
            eligibility += [f"{number}. {item.text}" for number, item in enumerate(items, start=1)]
            criteria += items
    stated["criteria"] = tuple(criteria)
    ages = [raw for raw in (t.minimum_age_raw, t.maximum_age_raw) if raw]
    eligibility += ages
    # each printed age line states the bound the registry gives it (the parser must infer it)
    if t.minimum_age_raw:
        stated.update(minimum_age_raw=t.minimum_age_raw, minimum_age_years=t.minimum_age_years)
    if t.maximum_age_raw:
        stated.update(maximum_age_raw=t.maximum_age_raw, maximum_age_years=t.maximum_age_years)
    if t.sex:
        eligibility.append(t.sex)
        stated["sex"] = t.sex
    if t.healthy_volunteers is not None:
        eligibility.append("Yes" if t.healthy_volunteers else "No")
        stated["healthy_volunteers"] = t.healthy_volunteers
    block("Eligibility Criteria", *eligibility)

    sponsors = sorted(t.sponsors, key=lambda sponsor: sponsor.role != "LEAD")
    block("Sponsors", *[line for s in sponsors for line in (s.name, s.agency_class) if line])
    stated["sponsors"] = tuple(sponsors)

    contacts: list[Contact] = []
    party = [contact for contact in t.contacts if contact.role == "RESPONSIBLE_PARTY"][:1]
    block("Responsible Party", *[line for c in party for line in (c.name, *(c.detail or "").split("; ")) if line])
    contacts += party
    central = [contact for contact in t.contacts if contact.role == "CENTRAL_CONTACT"]
    if central:
        block("Central Contacts", *[line for c in central for line in (c.name, *(c.detail or "").split("; ")) if line])
        contacts += central
    stated["contacts"] = tuple(contacts)

    sites: list[Location] = [site for site in t.locations if site.facility]
    if sites:
        places = [", ".join(part for part in (s.city, s.state, s.country) if part) for s in sites]
        block(
            "Locations", *[line for site, place in zip(sites, places, strict=True) for line in (site.facility, place)]
        )
        block("Countries", *dict.fromkeys(site.country for site in sites if site.country))
    stated["locations"] = tuple(sites)

    identifiers: list[str] = []
    module = study.module("identificationModule")
    for identifier in t.identifiers:
        if identifier.identifier_type == "ORG_STUDY_ID":
            identifiers += [identifier.identifier, "Identifier Type: -", "Identifier Source: org_study_id"]
    secondary = {item.get("id"): item for item in module.get("secondaryIdInfos") or []}
    shown = [i for i in t.identifiers if i.identifier_type not in ("NCT_ALIAS",)]
    for identifier in shown:
        if identifier.identifier_type != "ORG_STUDY_ID":
            raw_type = (secondary.get(identifier.identifier) or {}).get("type") or "-"
            identifiers += [identifier.identifier, f"Identifier Type: {raw_type}", "Identifier Source: secondary_id"]
    block("Other Identifiers", *identifiers)
    stated["identifiers"] = tuple(shown)
    block("More Related Trials")
    return Printed("\n".join(out), Trial(nct_id=t.nct_id, **stated))  # type: ignore[arg-type]
