"""Print a study the way ClinicalTrials.Veeva prints it (seed 002, interventional).

Follows seed 002: site header, title, "<Sponsor> logo", sponsor, then the headed blocks in
the seed's order, one value per line, footer; blocks apart by a blank line, a block's values
on consecutive lines (the seed's trial printed this way gives the seed's text). Choices the
seed does not dictate:

* Status and phase: ClinicalTrials.gov's display wording of the status ("Unknown",
  "Active, not recruiting", ...); the phase as "Phase 4"; a combined phase on one line
  ("Phase 1/Phase 2", the shape issue #11 reports); "Early Phase 1"; no phase line for NA
  or a study without a phase (observational).
* Conditions / Treatments: one per line; treatments as "<Type>: <name>" (type display
  wording of ClinicalTrials.gov). A block without values is left out.
* Funder types: the distinct classes of all sponsors, lead first (display wording "Other",
  "Industry", "NIH", "U.S. Fed", "Network", "Other Government", "Unknown"). The lead's class is
  stated only when a single class is listed. Collaborators are not printed.
* Identifiers: NCT id, then the org study id and secondary ids, unlabeled (type NULL).
* About / Full description: one line per non-blank source line (the seed's paragraph
  lines), stated as those lines joined by a blank line. "Full description" is the site's
  heading for the detailed description (not in the seed).
* Enrollment: "N estimated patients" (seed) or "N patients" for an actual count; the latter
  does not say actual, so enrollment_type is not stated.
* Ages: "18 to 65 years old" (seed), "18+ years old", "Up to 65 years old"; other units as
  "6 months to 17 years old". Both raw fields state the printed line when that bound is stated.
* Criteria: "  N. text" per item (seed); the block is left out when there are no items.
* Trial design: interventional = primary purpose, allocation, interventional model,
  masking (display wordings); observational = observational model, time perspective.
  Values the registry does not give (or NA allocation) are left out.
* Groups: "<enrollment> participants in <K> patient group(s)", then per arm: label,
  "<Type> group" when typed, the description (one line per source line, after the type line
  as the golden HTML variant shows; an untyped group prints it after the label),
  "Treatment:" (one) or "Treatments:" (several) and the linked interventions as "<Type>: <name>".
  Without an enrollment count the sentence cannot be printed, so the groups are left out.
* Trial contacts and locations: the site count (when any sites), "Loading..." (the cards load
  by script, as in the seed), so no site is stated; then "Central trial contact(s)" and the
  contact names (no phone / e-mail, as in the seed).
"""

from __future__ import annotations

from roundtrip_corpus import PHASE_WORDING, STATUS_WORDING, Printed, Study

from trialmart import normalize
from trialmart.records import Arm, Criterion, Identifier, Intervention, Sponsor, Trial

STATUS = {**STATUS_WORDING, "UNKNOWN": "Unknown"}
PHASE = {code: wording for code, wording in PHASE_WORDING.items() if code != "NA"}  # no phase line for NA
STUDY_TYPE = {
    "INTERVENTIONAL": "Interventional",
    "OBSERVATIONAL": "Observational",
    "EXPANDED_ACCESS": "Expanded Access",
}
AGENCY = {
    "NIH": "NIH",
    "FED": "U.S. Fed",
    "OTHER_GOV": "Other Government",
    "INDUSTRY": "Industry",
    "NETWORK": "Network",
    "OTHER": "Other",
    "UNKNOWN": "Unknown",
}
INTERVENTION_TYPE = {
    "DRUG": "Drug",
    "BIOLOGICAL": "Biological",
    "DEVICE": "Device",
    "PROCEDURE": "Procedure",
    "RADIATION": "Radiation",
    "BEHAVIORAL": "Behavioral",
    "GENETIC": "Genetic",
    "DIETARY_SUPPLEMENT": "Dietary Supplement",
    "COMBINATION_PRODUCT": "Combination Product",
    "DIAGNOSTIC_TEST": "Diagnostic Test",
    "OTHER": "Other",
}
ARM_TYPE = {
    "EXPERIMENTAL": "Experimental",
    "ACTIVE_COMPARATOR": "Active Comparator",
    "PLACEBO_COMPARATOR": "Placebo Comparator",
    "SHAM_COMPARATOR": "Sham Comparator",
    "NO_INTERVENTION": "No Intervention",
    "OTHER": "Other",
}
DESIGN = {
    "primary_purpose": (
        "Primary purpose",
        {
            "TREATMENT": "Treatment",
            "PREVENTION": "Prevention",
            "DIAGNOSTIC": "Diagnostic",
            "SUPPORTIVE_CARE": "Supportive Care",
            "SCREENING": "Screening",
            "HEALTH_SERVICES_RESEARCH": "Health Services Research",
            "BASIC_SCIENCE": "Basic Science",
            "DEVICE_FEASIBILITY": "Device Feasibility",
            "ECT": "Educational/Counseling/Training",
            "OTHER": "Other",
        },
    ),
    "allocation": ("Allocation", {"RANDOMIZED": "Randomized", "NON_RANDOMIZED": "Non-Randomized"}),
    "intervention_model": (
        "Interventional model",
        {
            "SINGLE_GROUP": "Single Group Assignment",
            "PARALLEL": "Parallel Assignment",
            "CROSSOVER": "Crossover Assignment",
            "FACTORIAL": "Factorial Assignment",
            "SEQUENTIAL": "Sequential Assignment",
        },
    ),
    "masking": (
        "Masking",
        {
            "NONE": "None (Open label)",
            "SINGLE": "Single Blind",
            "DOUBLE": "Double Blind",
            "TRIPLE": "Triple Blind",
            "QUADRUPLE": "Quadruple Blind",
        },
    ),
    "observational_model": (
        "Observational model",
        {
            "COHORT": "Cohort",
            "CASE_CONTROL": "Case-Control",
            "CASE_ONLY": "Case-Only",
            "CASE_CROSSOVER": "Case-Crossover",
            "ECOLOGIC_OR_COMMUNITY": "Ecologic or Community",
            "FAMILY_BASED": "Family-Based",
            "DEFINED_POPULATION": "Defined Population",
            "NATURAL_HISTORY": "Natural History",
            "OTHER": "Other",
        },
    ),
    "time_perspective": (
        "Time perspective",
        {
            "PROSPECTIVE": "Prospective",
            "RETROSPECTIVE": "Retrospective",
            "CROSS_SECTIONAL": "Cross-Sectional",
            "OTHER": "Other",
        },
    ),
}
FOOTER = [
    "Data sourced from clinicaltrials.gov",
    "Clinical trials",
    "Find clinical trialsTrials by location\n© Copyright 2026 Veeva Systems",
]


def _text_lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").split("\n") if line.strip()]


def _stated_text(lines: list[str]) -> str | None:
    """Paragraph lines as trialmart stores them: cleaned, joined by a blank line."""
    return "\n\n".join(text for line in lines if (text := normalize.clean_text(line))) or None


def _age(raw: str) -> tuple[str, str]:
    """("18", "years") from "18 Years"."""
    number, _, unit = raw.partition(" ")
    return number, unit.lower()


def _ages_line(t: Trial) -> str | None:
    low = _age(t.minimum_age_raw) if t.minimum_age_raw and t.minimum_age_years is not None else None
    high = _age(t.maximum_age_raw) if t.maximum_age_raw and t.maximum_age_years is not None else None
    if low and high:
        start = low[0] if low[1] == high[1] else f"{low[0]} {low[1]}"
        return f"{start} to {high[0]} {high[1]} old"
    if low:
        return f"{low[0]}+ {low[1]} old"
    if high:
        return f"Up to {high[0]} {high[1]} old"
    return None


def print_page(study: Study) -> Printed:
    t = study.trial
    lead = next((s for s in t.sponsors if s.role == "LEAD"), None)
    out: list[str] = ["ClinicalTrials.Veeva", "Menu", t.brief_title or ""]
    stated: dict[str, object] = {"brief_title": t.brief_title}
    if lead:
        out += [f"{lead.name} logo", lead.name]

    def block(heading: str, values: list[str]) -> None:
        if values:
            out.extend([heading, "\n".join(values)])

    status_phase: list[str] = []
    if t.overall_status:
        status_phase.append(STATUS[t.overall_status])
        stated.update(overall_status=t.overall_status, overall_status_raw=STATUS[t.overall_status])
    if t.phase in PHASE:
        status_phase.append(PHASE[t.phase])
        stated["phase"] = t.phase
    block("Status and phase", status_phase)
    block("Conditions", list(t.conditions))
    stated["conditions"] = t.conditions
    types = {item.name: item.intervention_type for item in t.interventions}

    def typed(name: str, kind: str | None) -> str:
        return f"{INTERVENTION_TYPE[kind]}: {name}" if kind else name

    block("Treatments", [typed(item.name, item.intervention_type) for item in t.interventions])
    stated["interventions"] = tuple(Intervention(i.name, i.intervention_type) for i in t.interventions)
    if t.study_type:
        block("Study type", [STUDY_TYPE[t.study_type]])
        stated["study_type"] = t.study_type
    classes = list(dict.fromkeys(s.agency_class for s in sorted(t.sponsors, key=lambda s: s.role != "LEAD")))
    classes = [c for c in classes if c]
    block("Funder types", [AGENCY[c] for c in classes])
    if lead:
        single = lead.agency_class if len(classes) == 1 and lead.agency_class else None
        stated["sponsors"] = (Sponsor(lead.name, "LEAD", single),)
    org = [i for i in t.identifiers if i.identifier_type == "ORG_STUDY_ID"]
    others = [i for i in t.identifiers if i.identifier_type != "ORG_STUDY_ID" and i.identifier != t.nct_id]
    ids = [i.identifier for i in org + others if i.identifier != t.nct_id]
    block("Identifiers", [t.nct_id, *ids])
    stated["identifiers"] = tuple(Identifier(i) for i in ids)

    out.append("Details and patient eligibility")
    for heading, field in (("About", "brief_summary"), ("Full description", "detailed_description")):
        lines = _text_lines(getattr(t, field))
        if lines:
            out.extend([heading, "\n\n".join(lines)])  # paragraphs apart, as text blocks are
        stated[field] = _stated_text(lines)
    if t.enrollment is not None:
        if t.enrollment_type == "ESTIMATED":
            block("Enrollment", [f"{t.enrollment} estimated patients"])
            stated["enrollment_type"] = "ESTIMATED"
        else:
            block("Enrollment", [f"{t.enrollment} patients"])
        stated["enrollment"] = t.enrollment
    if t.sex:
        block("Sex", [t.sex.title()])
        stated["sex"] = t.sex
    ages = _ages_line(t)
    if ages:
        block("Ages", [ages])
        if t.minimum_age_raw and t.minimum_age_years is not None:
            stated.update(minimum_age_years=t.minimum_age_years, minimum_age_raw=ages)
        if t.maximum_age_raw and t.maximum_age_years is not None:
            stated.update(maximum_age_years=t.maximum_age_years, maximum_age_raw=ages)
    if t.healthy_volunteers is not None:
        block("Volunteers", ["Accepts Healthy Volunteers" if t.healthy_volunteers else "No Healthy Volunteers"])
        stated["healthy_volunteers"] = t.healthy_volunteers
    criteria: list[Criterion] = []
    for kind, heading in (("INCLUSION", "Inclusion criteria"), ("EXCLUSION", "Exclusion criteria")):
        items = [c for c in t.criteria if c.criterion_type == kind]
        block(heading, [f"  {n}. {c.text}" for n, c in enumerate(items, start=1)])
        criteria += items
    stated["criteria"] = tuple(criteria)

    out.append("Trial design")
    if t.study_type == "OBSERVATIONAL":
        names = ("observational_model", "time_perspective")
    else:
        names = ("primary_purpose", "allocation", "intervention_model", "masking")
    for name in names:
        heading, wording = DESIGN[name]
        value = getattr(t, name)
        if value in wording:
            block(heading, [wording[value]])
            stated[name] = value
    if t.arms and t.enrollment is not None:
        count = len(t.arms)
        out.append(f"{t.enrollment} participants in {count} patient group{'s' if count != 1 else ''}")
        groups: list[str] = []  # one block of lines, as in the seed
        for arm in t.arms:
            groups.append(arm.label)
            if arm.arm_type:
                groups.append(f"{ARM_TYPE[arm.arm_type]} group")
            groups += _text_lines(arm.description)
            if arm.intervention_names:
                groups.append("Treatment:" if len(arm.intervention_names) == 1 else "Treatments:")
                groups += [typed(name, types.get(name)) for name in arm.intervention_names]
        out.append("\n".join(groups))
        stated["arms"] = tuple(
            Arm(a.label, a.arm_type, _stated_text(_text_lines(a.description)), a.intervention_names) for a in t.arms
        )

    central = [c for c in t.contacts if c.role == "CENTRAL_CONTACT" and c.name]
    if t.locations or central:
        out.append("Trial contacts and locations")
        if t.locations:
            out.append(str(len(t.locations)))
        out.append("Loading...")
        block("Central trial contact" if len(central) == 1 else "Central trial contacts", [c.name for c in central])
        stated["contacts"] = tuple(type(c)(c.name, "CENTRAL_CONTACT") for c in central)
    out += FOOTER
    return Printed("\n\n".join(out) + "\n", Trial(nct_id=t.nct_id, **stated))  # type: ignore[arg-type]
