"""Print a study the way the dash-bulleted registry prints it (seed 001).

Follows seed 001: title; "- Label" bullets each followed by "- value" bullets or plain
paragraph lines; the undashed headings "Recruitment & Eligibility", "Study & Design",
"Trial Locations"; two unlabeled eligibility blocks opened by a lone "-"; the arms and outcome
tables flattened into text. Choices the seed does not dictate:

* Conditions: one "- value" bullet each. Interventions: the label with no values (as the seed,
  whose study has interventions); interventions are stated from the arms table (names only).
* Texts: one plain line per non-blank source line (the seed's paragraphs); Detailed
  Description left out when the study has none. Stated as those lines joined by a blank line.
* Status: the API v2 code (seed "RECRUITING"); Sex: "All" / "Female" / "Male".
* Eligibility: only when the study has criteria; each block is one line, the first item
  unnumbered and each next one " N. text" (seed); an empty inclusion block is a lone "-" with no
  line. Item text is printed as the registry has it (line breaks as spaces); stated without a
  trailing ";" or "," (list punctuation, as the golden).
* Study Design: the intervention model (interventional) or observational model code, the one
  value the seed shows; nothing else from the design module.
* Arms table: left out when the study has no arms; one line "Group Intervention Description"
  then, per arm and per linked intervention, "label name description" (seed); an arm with no
  intervention prints "label description". Arm types are not printed, so not stated.
* Outcome tables: "Name Time Method" then one row per line "measure time_frame description"
  (the seed starts its third row on a new line); line breaks inside cells become spaces.
* Locations: "- Locations (N)" then facility line and "<flag>City, State, Country" (state only when
  the registry has one); sites without a facility are not printed and not counted.
"""

from __future__ import annotations

import pycountry
from roundtrip_corpus import Printed, Study

from trialmart import normalize
from trialmart.records import Arm, Criterion, Intervention, Location, Outcome, Sponsor, Trial

SEX = {"ALL": "All", "FEMALE": "Female", "MALE": "Male"}


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").split("\n") if line.strip()]


def _cleaned(lines: list[str]) -> str | None:
    """The lines as trialmart stores page text: entities decoded, paragraphs joined."""
    return "\n\n".join(text for line in lines if (text := normalize.clean_text(line))) or None


def _flag(country: str | None) -> str:
    try:
        code = pycountry.countries.lookup(country).alpha_2
    except LookupError:
        try:  # "Turkey (Türkiye)", "Korea, Republic of" ...: the site flags every country
            code = pycountry.countries.search_fuzzy((country or "").split(" (")[0])[0].alpha_2
        except LookupError:
            return ""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code)


def print_page(study: Study) -> Printed:
    t = study.trial
    out = [t.brief_title or ""]
    st: dict[str, object] = {"nct_id": t.nct_id, "brief_title": normalize.clean_text(t.brief_title)}
    out += ["- Conditions", *[f"- {c}" for c in t.conditions]]
    st["conditions"] = t.conditions
    out += ["- Interventions", "- Registration Number", f"- {t.nct_id}"]
    lead = next((s for s in t.sponsors if s.role == "LEAD"), None)
    if lead:
        out += ["- Lead Sponsor", f"- {lead.name}"]
        st["sponsors"] = (Sponsor(lead.name, "LEAD", None),)
    summary = _lines(t.brief_summary)
    if summary:
        out += ["- Brief Summary", *summary]
        st["brief_summary"] = _cleaned(summary)
    description = _lines(t.detailed_description)
    if description:
        out += ["- Detailed Description", *description]
        st["detailed_description"] = _cleaned(description)

    out.append("Recruitment & Eligibility")
    if t.overall_status:
        out += ["- Status", f"- {t.overall_status}"]
        st.update(overall_status=t.overall_status, overall_status_raw=t.overall_status)
    if t.sex in SEX:
        out += ["- Sex", f"- {SEX[t.sex]}"]
        st["sex"] = t.sex
    if t.enrollment is not None:
        out += ["- Target Recruitment", f"- {t.enrollment}"]
        st["enrollment"] = t.enrollment
    criteria: list[Criterion] = []
    if t.criteria:
        for kind in ("INCLUSION", "EXCLUSION"):
            items = [_one_line(c.text) for c in t.criteria if c.criterion_type == kind]
            items = [item for item in items if item]
            out.append("-")
            if items:
                out.append("- " + " ".join(f"{n}. {item}" if n > 1 else item for n, item in enumerate(items, 1)))
            # the ";" or "," ending an item that another follows is list punctuation (full-width too)
            criteria += [
                Criterion(kind, i.rstrip(";,；，").rstrip() if n < len(items) else i) for n, i in enumerate(items, 1)
            ]
        st["criteria"] = tuple(criteria)

    out.append("Study & Design")
    if t.study_type:
        out += ["- Study Type", f"- {t.study_type}"]
        st["study_type"] = t.study_type
    model_field = "observational_model" if t.study_type == "OBSERVATIONAL" else "intervention_model"
    model = getattr(t, model_field)
    if model:
        out += ["- Study Design", f"- {model}"]
        st[model_field] = model
    if t.arms:
        by_name = {i.name: i for i in t.interventions}
        cells, arms, names = [], [], []
        for arm in t.arms:
            desc = _one_line(arm.description)
            linked = [n for n in arm.intervention_names if n in by_name] or [None]
            for name in linked:
                cells.append(" ".join(part for part in (arm.label, name, desc) if part))
                if name and name not in names:
                    names.append(name)
            arms.append(Arm(arm.label, None, desc or None, tuple(n for n in linked if n)))
        out += ["- Arm && Interventions", "Group Intervention Description " + " ".join(cells)]
        st["arms"] = tuple(arms)
        st["interventions"] = tuple(Intervention(n) for n in names)
    outcomes: list[Outcome] = []
    for kind, label in (("PRIMARY", "Primary"), ("SECONDARY", "Secondary"), ("OTHER", "Other")):
        rows = [o for o in t.outcomes if o.outcome_type == kind and _one_line(o.measure)]
        if not rows:
            continue
        printed = []
        for o in rows:
            measure, frame, desc = _one_line(o.measure), _one_line(o.time_frame), _one_line(o.description)
            printed.append(" ".join(part for part in (measure, frame, desc) if part))
            outcomes.append(Outcome(kind, measure, frame or None, desc or None))
        printed[0] = "Name Time Method " + printed[0]
        out += [f"- {label} Outcome Measures", *printed]
    st["outcomes"] = tuple(outcomes)

    sites = [loc for loc in t.locations if loc.facility]
    if sites:
        out += ["Trial Locations", f"- Locations ({len(sites)})"]
        locations = []
        for loc in sites:
            place = ", ".join(part for part in (loc.city, loc.state, loc.country) if part)
            out += [loc.facility, _flag(loc.country) + place]
            locations.append(Location(loc.facility, loc.city, loc.state, loc.country))
        st["locations"] = tuple(locations)
    return Printed("\n".join(out) + "\n", Trial(**st))
