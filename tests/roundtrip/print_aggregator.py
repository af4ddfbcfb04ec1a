"""Print a study the way the AI aggregator site prints a trial (seed 004_e47fc4a004cc872c.txt).

Followed from the seed: "Image" alt text; the brief title twice; the unlabeled fact block in
the seed's order (status, age range as "18-80 years", sex "All", phase "Phase 3"); "Powered by
AI"; "Overview" (brief summary); "Description" (detailed description, paragraphs separated by a
blank line); "Eligibility" ("Inclusion Criteria:" / "Exclusion Criteria:", each followed by a
blank line and "  • " bullets); "Study details" (conditions indented four spaces, the NCT id, the
lead sponsor, an unlabeled "12 December 2025" date); then the FAQ footer and note widget verbatim.

Choices the seed does not dictate (documented, not chosen to ease parsing):
- Status: ClinicalTrials.gov's display wording ("Completed", "Active, not recruiting", "Unknown
  status"...). The seed's "Not Recruiting" is not used: which status it stands for is unknown.
- Ages: both limits "18-80 years" (mixed units "6 months-17 years"); minimum only "18 years and
  older"; maximum only "up to 65 years"; no limits: no line. Units as ClinicalTrials.gov gives them,
  lower-cased, singular for 1. Raw age text stated = the printed line (as the golden stores it).
- Sex: "All" / "Female" / "Male". Phase: "Phase 1", "Early Phase 1", "Phase 1/Phase 2",
  "Not Applicable"; no phase (observational): no line.
- Sections without data are left out (no "Description" heading without a description...).
- Multi-line text: paragraphs separated by one blank line (as the seed's Description); a line break
  inside a paragraph stays a line break. Stated text = each visible line space-collapsed.
- Eligibility: the verified criteria are printed as bullets under their heading; a type without
  criteria has no heading. Criteria text the official parser could not split would be printed as
  plain lines (none in the corpus).
- Study details: only the lead sponsor (no class shown); the unlabeled date is the last update
  posted date and is stated as nothing (the page does not say what it is).
"""

from __future__ import annotations

from datetime import date

from roundtrip_corpus import PHASE_WORDING, STATUS_WORDING, Printed, Study

from trialmart import normalize
from trialmart.records import Criterion, Sponsor, Trial

SEX_WORDING = {"ALL": "All", "FEMALE": "Female", "MALE": "Male"}
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
FOOTER = """FAQs

Learn more about clinical trials

What is a clinical trial?

A clinical trial is a study designed to test specific interventions or treatments' effectiveness and safety, paving the way for new, innovative healthcare solutions.

Why should I take part in a clinical trial?

Participating in a clinical trial provides early access to potentially effective treatments and directly contributes to the healthcare advancements that benefit us all.

How long does a clinical trial take place?

The duration of clinical trials varies. Some trials last weeks, some years, depending on the phase and intention of the trial.

Do I get compensated for taking part in clinical trials?

Compensation varies per trial. Some offer payment or reimbursement for time and travel, while others may not.

How safe are clinical trials?

Clinical trials follow strict ethical guidelines and protocols to safeguard participants' health. They are closely monitored and safety reviewed regularly.
Add a private note
  • abc Select a piece of text.
  • Add notes visible only to you.
  • Send it to people through a passcode protected link."""


def _age_part(raw: str | None) -> tuple[str, str] | None:
    """("18", "years") from "18 Years"; None for a missing / N/A age."""
    parts = (raw or "").split()
    if len(parts) != 2 or not parts[0].replace(".", "", 1).isdigit():
        return None
    unit = parts[1].lower()
    return parts[0], unit[:-1] if parts[0] == "1" and unit.endswith("s") else unit


def _ages(study: Study) -> str | None:
    eligibility = study.module("eligibilityModule")
    low, high = _age_part(eligibility.get("minimumAge")), _age_part(eligibility.get("maximumAge"))
    if study.trial.minimum_age_years is None:
        low = None
    if study.trial.maximum_age_years is None:
        high = None
    if low and high:
        return f"{low[0]}-{high[0]} {high[1]}" if low[1] == high[1] else f"{low[0]} {low[1]}-{high[0]} {high[1]}"
    if low:
        return f"{low[0]} {low[1]} and older"
    if high:
        return f"up to {high[0]} {high[1]}"
    return None


def _text_block(text: str | None) -> tuple[list[str], str | None]:
    """(page lines, stated text): paragraphs separated by a blank line, lines space-collapsed."""
    paragraphs = []
    for paragraph in (text or "").split("\n\n"):
        lines = [clean for line in paragraph.split("\n") if (clean := normalize.clean_text(line))]
        if lines:
            paragraphs.append(lines)
    page: list[str] = []
    for lines in paragraphs:
        page += [*lines, ""]
    return page, "\n\n".join("\n".join(lines) for lines in paragraphs) or None


def _date(value: date | None) -> str | None:
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}" if value else None


def print_page(study: Study) -> Printed:
    trial = study.trial
    title = trial.brief_title or ""
    lines = ["Image", "", title, "", title, ""]
    status = STATUS_WORDING.get(trial.overall_status or "")
    ages = _ages(study)
    facts = [status, ages, SEX_WORDING.get(trial.sex or ""), PHASE_WORDING.get(trial.phase or "")]
    lines += [fact for fact in facts if fact]
    lines += ["", "Powered by AI", ""]

    summary_lines, summary = _text_block(trial.brief_summary)
    if summary_lines:
        lines += ["Overview", "", *summary_lines]
    description_lines, description = _text_block(trial.detailed_description)
    if description_lines:
        lines += ["Description", "", *description_lines]

    criteria: tuple[Criterion, ...] = trial.criteria
    if criteria:
        lines += ["Eligibility", ""]
        for kind, heading in (("INCLUSION", "Inclusion Criteria:"), ("EXCLUSION", "Exclusion Criteria:")):
            items = [c.text for c in criteria if c.criterion_type == kind]
            if items:
                lines += [heading, "", *[f"  • {item}" for item in items], ""]
        criteria = tuple(c for c in criteria if c.criterion_type == "INCLUSION") + tuple(
            c for c in criteria if c.criterion_type == "EXCLUSION"
        )

    lead = next((s.name for s in trial.sponsors if s.role == "LEAD"), None)
    lines += ["Study details", *[f"    {condition}" for condition in trial.conditions], "", trial.nct_id, ""]
    if lead:
        lines += [lead, ""]
    if updated := _date(trial.last_update_date):
        lines += [updated, ""]
    lines.append(FOOTER)

    stated = Trial(
        nct_id=trial.nct_id,
        brief_title=trial.brief_title,
        overall_status=trial.overall_status if status else None,
        overall_status_raw=status,
        phase=trial.phase if trial.phase in PHASE_WORDING else None,
        sex=trial.sex if trial.sex in SEX_WORDING else None,
        minimum_age_years=trial.minimum_age_years if ages else None,
        maximum_age_years=trial.maximum_age_years if ages else None,
        minimum_age_raw=ages if ages and trial.minimum_age_years is not None else None,
        maximum_age_raw=ages if ages and trial.maximum_age_years is not None else None,
        brief_summary=summary,
        detailed_description=description,
        conditions=trial.conditions,
        criteria=criteria,
        sponsors=(Sponsor(lead, "LEAD", None),) if lead else (),
    )
    return Printed("\n".join(lines) + "\n", stated)
