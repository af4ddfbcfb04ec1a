# ruff: noqa: E501  (the seed layouts' boilerplate sentences are kept verbatim, one per line)
"""Build a registry-scale benchmark corpus: N trial pages in the five seed layouts, text and HTML.

Every page is a realistic variant of one of the five seed pages in data/raw (ClinicalTrials.gov
mirror, observational and interventional; bulleted registry; ClinicalTrials.Veeva; AI
aggregator): same headings, boilerplate sentences and value formats, with the NCT id, title,
dates, status/phase codes, arms, interventions, outcomes, criteria, sponsors and locations
varied. A share of the pages is written as HTML (the same lines wrapped in real-looking markup
with <head>, scripts, navigation and footer chrome), the rest as text.

The official records under /work/shared/realdata (API v2 JSON, legacy XML, zips) are linked
into the corpus when present (symbolic links: nothing is copied, nothing enters git).

Deterministic: document i is a pure function of (seed, i, revision), so a rebuild gives the
same bytes, and `render_document(..., revision=1)` gives a changed version of one page
(used for the incremental re-run benchmark). NCT ids are unique per document: the
NCT09xxxxxx range, through a bijection of the index, collides with no real record.

    python benchmarks/build_corpus.py --count 100000 --out benchmarks/corpus/100000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from html import escape
from pathlib import Path

BENCHMARKS_DIR = Path(__file__).resolve().parent
REPOSITORY = BENCHMARKS_DIR.parent
DEFAULT_REALDATA = REPOSITORY.parent / "shared" / "realdata"
GENERATOR_VERSION = 1  # bump when the pages change: cached corpora are rebuilt
PAGES_PER_FOLDER = 1000
MAX_DOCUMENTS = 1_000_000  # the NCT id bijection covers one million ids
REALDATA_SUFFIXES = (".json", ".xml", ".zip")

# --- vocabulary ------------------------------------------------------------------------------

CONDITIONS = (
    "Pemphigus Vulgaris", "Bullous Pemphigoid", "Systemic Lupus Erythematosus", "IgG4-Related Disease",
    "Idiopathic Membranous Nephropathy", "Rheumatoid Arthritis", "Psoriasis", "Atopic Dermatitis",
    "Type 2 Diabetes Mellitus", "Heart Failure", "Non-small Cell Lung Cancer", "Breast Cancer",
    "Multiple Myeloma", "Chronic Kidney Disease", "Crohn Disease", "Ulcerative Colitis", "Asthma",
    "Chronic Obstructive Pulmonary Disease", "Major Depressive Disorder", "Alzheimer Disease",
    "Parkinson Disease", "Multiple Sclerosis", "Hepatitis B", "HIV Infections", "Sepsis",
    "Osteoarthritis, Knee", "Erectile Dysfunction", "Hypertension", "Obesity", "Migraine",
    "Sjogren's Syndrome", "Myasthenia Gravis", "ANCA-Associated Vasculitis", "Lupus Nephritis",
)  # fmt: skip
DRUGS = (
    "Rituximab", "Intravenous Immunoglobulin", "Mycophenolate Mofetil", "Leflunomide", "Cyclosporine",
    "Azathioprine", "Prednisone", "Methotrexate", "Tacrolimus", "Belimumab", "Dupilumab",
    "Metformin", "Empagliflozin", "Pembrolizumab", "Nivolumab", "Daratumumab", "Efgartigimod",
    "Rilzabrutinib", "Tofacitinib", "Adalimumab", "Ustekinumab", "Semaglutide", "Dapagliflozin",
    "Obinutuzumab", "Cyclophosphamide", "Hydroxychloroquine", "Telitacicept", "Baricitinib",
)  # fmt: skip
POPULATIONS = ("Adults", "Patients", "Adult Patients", "Children", "Elderly Patients", "Participants")
DESIGN_PHRASES = (
    "A Randomized Study of", "A Phase 2 Trial of", "Efficacy and Safety of", "A Pilot Study of",
    "Long-term Outcomes of", "Comparing", "An Open-label Study of", "A Multicenter Trial of",
)  # fmt: skip
SPONSORS = (
    ("Peking Union Medical College Hospital", "Beijing", None, "China"),
    ("Ruijin Hospital", "Shanghai", "Shanghai Municipality", "China"),
    ("Zhejiang University", "Hangzhou", "Zhejiang", "China"),
    ("Charite University, Berlin, Germany", "Berlin", None, "Germany"),
    ("Assistance Publique - Hôpitaux de Paris", "Paris", None, "France"),
    ("Mayo Clinic", "Rochester", "Minnesota", "United States"),
    ("Massachusetts General Hospital", "Boston", "Massachusetts", "United States"),
    ("University of Hong Kong", "Hong Kong", None, "Hong Kong"),
    ("Seoul National University Hospital", "Seoul", None, "Korea, Republic of"),
    ("University Hospital, Basel, Switzerland", "Basel", None, "Switzerland"),
    ("Karolinska Institutet", "Stockholm", None, "Sweden"),
    ("Tel-Aviv Sourasky Medical Center", "Tel Aviv", None, "Israel"),
    ("University of Sao Paulo", "São Paulo", "SP", "Brazil"),
    ("Oslo University Hospital", "Oslo", None, "Norway"),
    ("McMaster University", "Hamilton", "Ontario", "Canada"),
    ("Royal Melbourne Hospital", "Melbourne", "Victoria", "Australia"),
)
FLAGS = {
    "China": "🇨🇳", "Germany": "🇩🇪", "France": "🇫🇷", "United States": "🇺🇸", "Hong Kong": "🇭🇰",
    "Korea, Republic of": "🇰🇷", "Switzerland": "🇨🇭", "Sweden": "🇸🇪", "Israel": "🇮🇱", "Brazil": "🇧🇷",
    "Norway": "🇳🇴", "Canada": "🇨🇦", "Australia": "🇦🇺",
}  # fmt: skip
PEOPLE = (
    "Jing Xue",
    "Chao Ji",
    "Wen Zhang",
    "Maria Keller",
    "David Cohen",
    "Anna Larsen",
    "Hiroshi Sato",
    "Laura Rossi",
)
INCLUSION = (
    "Age 18 to 75 years at the time of signing informed consent",
    "Clearly diagnosed according to the current international classification criteria",
    "Active disease despite at least 12 weeks of standard treatment",
    "Stable dose of glucocorticoids (prednisone 20 mg/day or less) for at least 4 weeks",
    "Estimated glomerular filtration rate of at least 40 ml/min/1.73m2",
    "Women of childbearing potential agree to use effective contraception throughout the study",
    "Willing and able to comply with the visit schedule and sign informed consent",
    "Proteinuria of at least 1 g/24h on two samples collected within 2 weeks",
    "Body weight of at least 40 kg",
    "Positive serum autoantibodies at screening",
)  # fmt: skip
EXCLUSION = (
    "Active infection requiring systemic antibiotics within 30 days before randomization",
    "Positive hepatitis B surface antigen, hepatitis C antibody or HIV antibody",
    "Pregnant or breastfeeding women",
    "History of malignancy within the past 5 years, except cured basal cell carcinoma",
    "Severe cardiopulmonary disease (NYHA class III-IV heart failure)",
    "Received any B-cell targeted therapy within 6 months before screening",
    "Participation in another interventional study within 4 weeks",
    "ALT or AST more than 2 times the upper limit of normal",
    "Live vaccine within 4 weeks before the first dose",
    "Any condition that in the opinion of the investigator makes participation unsafe",
)  # fmt: skip
OUTCOMES = (
    ("Relapse rate", "18 months", "Relapse defined as an increase of the disease activity index by 2 points or more."),
    ("Complete remission rate", "52 weeks", "Proportion of participants in complete remission off therapy."),
    ("Time to first relapse", "24 months", "Time from randomization to the first documented relapse."),
    ("Change in disease activity score", "Baseline and week 24", "Change from baseline in the activity index."),
    ("Incidence of adverse events", "Up to 56 weeks", "Number of participants with treatment-emergent adverse events."),
    ("Cumulative glucocorticoid dose", "12 months", "Total prednisone-equivalent dose received."),
    ("Serum autoantibody titer", "Week 12", "Change in ELISA index from baseline."),
)  # fmt: skip
SUMMARY_SENTENCES = (
    "This study compares the efficacy and safety of two treatment strategies in adults with active disease.",
    "Participants are randomly assigned at a 1:1 ratio and followed up every 3 months.",
    "The primary endpoint is the difference in relapse rate between the two groups at 18 months.",
    "Secondary endpoints include time to relapse, response rate and adverse events.",
    "Previous pilot studies suggested a synergistic effect of the combination on remission.",
    "The investigators hypothesize that adding the study drug shortens the time to remission.",
    "Disease activity, laboratory tests and imaging are recorded at every visit.",
    "There is no recognized scheme for the dose, interval and course of maintenance treatment.",
)  # fmt: skip

MIRROR_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING", "COMPLETED", "TERMINATED",
                   "ENROLLING_BY_INVITATION", "SUSPENDED", "WITHDRAWN", "UNKNOWN")  # fmt: skip
MIRROR_PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE1/PHASE2", "PHASE2", "PHASE2/PHASE3", "PHASE3", "PHASE4", "NA")
WORDED_STATUSES = ("Recruiting", "Not yet recruiting", "Active, not recruiting", "Completed", "Terminated", "Unknown")
WORDED_PHASES = ("Phase 1", "Phase 2", "Phase 3", "Phase 4", "Phase 1/2", "Phase 2/3")
ARM_TYPES = ("Experimental", "Active Comparator", "Placebo Comparator", "No Intervention", "Other")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip

# --- the seed layouts' fixed text (as the seeds print it) -----------------------------------

MIRROR_SECTIONS = {
    "Study Results": "The study team has not published outcome measurements, participant flow, or safety data for this trial yet. Check back later for updates.",
    "Basic Information": "Get a concise snapshot of the trial, including recruitment status, study phase, enrollment targets, and key timeline milestones.",
    "Brief Summary": "Review the sponsor-provided synopsis that highlights what the study is about and why it is being conducted.",
    "Related Clinical Trials": "Explore similar clinical trials based on study characteristics and research focus.",
    "Detailed Description": "Dive into the extended narrative that explains the scientific background, objectives, and procedures in greater depth.",
    "Conditions": "See the medical conditions and disease areas that this research is targeting or investigating.",
    "Study Design": "Understand how the trial is structured, including allocation methods, masking strategies, primary purpose, and other design elements.",
    "Study Groups": "Review each arm or cohort in the study, along with the interventions and objectives associated with them.",
    "Interventions": "Learn about the drugs, procedures, or behavioral strategies being tested and how they are applied within this trial.",
    "Eligibility Criteria": "Check the participation requirements, including inclusion and exclusion rules, age limits, and whether healthy volunteers are accepted.",
    "Sponsors": "Meet the organizations funding or collaborating on the study and learn about their roles.",
    "Responsible Party": "Identify the individual or organization who holds primary responsibility for the study information submitted to regulators.",
    "Central Contacts": "Reach out to these primary contacts for questions about participation or study logistics.",
    "Locations": "Explore where the study is taking place and check the recruitment status at each participating site.",
    "Countries": "Review the countries where the study has at least one active or historical site.",
    "Other Identifiers": "Review additional registry numbers or institutional identifiers associated with this trial.",
    "More Related Trials": "Additional clinical trials that may be relevant based on similarity analysis.",
}  # fmt: skip
AGGREGATOR_FAQ = (
    "FAQs", "Learn more about clinical trials", "What is a clinical trial?",
    "A clinical trial is a study designed to test specific interventions or treatments' effectiveness and safety, paving the way for new, innovative healthcare solutions.",
    "Why should I take part in a clinical trial?",
    "Participating in a clinical trial provides early access to potentially effective treatments and directly contributes to the healthcare advancements that benefit us all.",
    "How long does a clinical trial take place?",
    "The duration of clinical trials varies. Some trials last weeks, some years, depending on the phase and intention of the trial.",
    "Add a private note", "• abc Select a piece of text.", "• Add notes visible only to you.",
    "• Send it to people through a passcode protected link.",
)  # fmt: skip
# Lines that become headings (<h2>) in the HTML form of each layout.
HEADINGS = {
    "ctgov_mirror": frozenset(MIRROR_SECTIONS) | {"Inclusion Criteria", "Exclusion Criteria"},
    "bulleted_registry": frozenset({"Recruitment & Eligibility", "Study & Design", "Trial Locations"}),
    "veeva": frozenset({"Status and phase", "Conditions", "Treatments", "Study type", "Funder types", "Identifiers",
                        "Details and patient eligibility", "About", "Enrollment", "Sex", "Ages", "Volunteers",
                        "Inclusion criteria", "Exclusion criteria", "Trial design", "Primary purpose", "Allocation",
                        "Interventional model", "Masking", "Trial contacts and locations", "Central trial contact"}),
    "aggregator": frozenset({"Overview", "Description", "Eligibility", "Study details", "FAQs"}),
}  # fmt: skip


# --- one document ----------------------------------------------------------------------------


def nct_id(index: int, seed: int) -> str:
    """A unique id per index: an affine bijection of 0..999999 (387331 is coprime to 10**6)."""
    return f"NCT09{(index * 387_331 + seed * 7_919 + 12_345) % 1_000_000:06d}"


def _date(rng: random.Random, first_year: int = 2005, last_year: int = 2027) -> tuple[int, int, int]:
    return rng.randint(first_year, last_year), rng.randint(1, 12), rng.randint(1, 28)


def _iso(ymd: tuple[int, int, int]) -> str:
    return f"{ymd[0]:04d}-{ymd[1]:02d}-{ymd[2]:02d}"


@dataclass
class _Trial:
    """The facts one page shows; each layout prints them its own way."""

    nct: str
    title: str
    condition: str
    conditions: list[str]
    drugs: list[str]
    interventional: bool
    status: int
    phase: int
    enrollment: int
    start: tuple[int, int, int]
    completion: tuple[int, int, int]
    updated: tuple[int, int, int]
    summary: list[str]
    description: list[str]
    inclusion: list[str]
    exclusion: list[str]
    min_age: int
    max_age: int
    sex: str
    healthy: bool
    sponsor: tuple[str, str, str | None, str]
    sites: list[tuple[str, str, str | None, str]]
    outcomes: list[tuple[str, str, str]]
    related: list[tuple[str, str]]
    org_id: str
    contact: str


def _trial(index: int, seed: int, revision: int) -> _Trial:
    rng = random.Random(seed * 1_000_003 + index)
    condition = rng.choice(CONDITIONS)
    drugs = rng.sample(DRUGS, rng.randint(1, 3))
    title = f"{rng.choice(DESIGN_PHRASES)} {' and '.join(drugs)} in {rng.choice(POPULATIONS)} With {condition}"
    start = _date(rng, 2005, 2026)
    completion = (start[0] + rng.randint(1, 5), rng.randint(1, 12), rng.randint(1, 28))
    updated = _date(rng, 2019, 2026)
    summary = rng.sample(SUMMARY_SENTENCES, rng.randint(2, 5))
    if revision:
        # a changed page, as a registry update would change it: new date, reworded summary
        updated = (2026, 11, min(28, revision))
        summary = [*summary, f"Protocol amendment {revision}: the follow-up period was extended."]
    return _Trial(
        nct=nct_id(index, seed),
        title=title,
        condition=condition,
        conditions=[condition, *rng.sample(CONDITIONS, rng.randint(0, 2))],
        drugs=drugs,
        interventional=rng.random() < 0.8,
        status=rng.randrange(len(MIRROR_STATUSES)),
        phase=rng.randrange(len(MIRROR_PHASES)),
        enrollment=rng.choice((12, 24, 40, 60, 76, 100, 110, 150, 240, 400, 1200)),
        start=start,
        completion=completion,
        updated=updated,
        summary=summary,
        description=rng.sample(SUMMARY_SENTENCES, rng.randint(0, 4)),
        inclusion=rng.sample(INCLUSION, rng.randint(2, 8)),
        exclusion=rng.sample(EXCLUSION, rng.randint(2, 8)),
        min_age=rng.choice((18, 18, 18, 12, 40, 65)),
        max_age=rng.choice((65, 75, 80, 100)),
        sex=rng.choice(("ALL", "ALL", "ALL", "FEMALE", "MALE")),
        healthy=rng.random() < 0.1,
        sponsor=rng.choice(SPONSORS),
        sites=rng.sample(SPONSORS, rng.randint(1, 4)),
        outcomes=rng.sample(OUTCOMES, rng.randint(1, 4)),
        related=[
            (
                rng.choice(DESIGN_PHRASES) + f" {rng.choice(DRUGS)} for {rng.choice(CONDITIONS)}",
                nct_id(rng.randrange(MAX_DOCUMENTS), seed),
            )
            for _ in range(rng.randint(0, 5))
        ],
        org_id=f"{rng.choice(('IRB', 'KY', 'MR', 'STUDY', 'PRO'))}-{start[0]}-{rng.randint(100, 99999)}",
        contact=rng.choice(PEOPLE),
    )


def _mirror(t: _Trial, rng: random.Random) -> list[str]:
    s = MIRROR_SECTIONS
    lines = [t.title, f"NCT ID: {t.nct}", f"Last Updated: {_iso(t.updated)}", "Study Results", s["Study Results"]]
    lines += ["Basic Information", s["Basic Information"], MIRROR_STATUSES[t.status]]
    if t.interventional:
        lines.append(MIRROR_PHASES[t.phase])
    lines += [f"{t.enrollment} participants", "INTERVENTIONAL" if t.interventional else "OBSERVATIONAL"]
    lines += [_iso(t.start), _iso(t.completion), "Brief Summary", s["Brief Summary"], " ".join(t.summary)]
    lines += ["Related Clinical Trials", s["Related Clinical Trials"]]
    for title, related in t.related:
        lines += [title, related]
    lines += ["Detailed Description", s["Detailed Description"], *t.description]
    lines += ["Conditions", s["Conditions"], *t.conditions, "Study Design", s["Study Design"]]
    if t.interventional:
        lines += [rng.choice(("RANDOMIZED", "NON_RANDOMIZED")), rng.choice(("PARALLEL", "SINGLE_GROUP", "CROSSOVER"))]
        lines += [
            rng.choice(("TREATMENT", "PREVENTION", "SUPPORTIVE_CARE")),
            rng.choice(("NONE", "DOUBLE", "QUADRUPLE")),
        ]
    else:
        lines += [rng.choice(("COHORT", "CASE_CONTROL", "CASE_ONLY")), rng.choice(("RETROSPECTIVE", "PROSPECTIVE"))]
    lines += ["Study Groups", s["Study Groups"]]
    for number, drug in enumerate(t.drugs, start=1):
        lines += [f"{drug} group {number}", f"Participants receive {drug} in addition to standard of care."]
        lines += [drug] if t.interventional else ["No interventions assigned to this group"]
    if t.interventional:
        lines += ["Interventions", s["Interventions"]]
        for drug in t.drugs:
            lines += [drug, f"{drug} administered according to the protocol schedule."]
    lines += ["Eligibility Criteria", s["Eligibility Criteria"], "Inclusion Criteria"]
    lines += [f"{n}. {c}" for n, c in enumerate(t.inclusion, start=1)]
    lines += ["Exclusion Criteria", *[f"{n}. {c}" for n, c in enumerate(t.exclusion, start=1)]]
    lines += [f"{t.min_age} Years", f"{t.max_age} Years", t.sex, "Yes" if t.healthy else "No"]
    lines += ["Sponsors", s["Sponsors"], t.sponsor[0], "OTHER", "Responsible Party", s["Responsible Party"]]
    if rng.random() < 0.5:
        lines += [t.contact, "Principal Investigator", "Central Contacts", s["Central Contacts"], t.contact]
    lines += ["Locations", s["Locations"]]
    for site in t.sites:
        lines += [f"Department of Medicine, {site[0]}", ", ".join(part for part in site[1:] if part)]
    lines += ["Countries", s["Countries"], "Other Identifiers", s["Other Identifiers"], t.org_id]
    lines += ["Identifier Type: -", "Identifier Source: org_study_id", "More Related Trials", s["More Related Trials"]]
    return lines


def _bulleted(t: _Trial, rng: random.Random) -> list[str]:
    lines = [t.title, "- Conditions", *[f"- {c}" for c in t.conditions], "- Interventions"]
    lines += ["- Registration Number", f"- {t.nct}", "- Lead Sponsor", f"- {t.sponsor[0]}", "- Brief Summary"]
    lines += [" ".join(t.summary)]
    if t.description:
        lines += ["- Detailed Description", " ".join(t.description)]
    sex = {"ALL": "All", "FEMALE": "Female", "MALE": "Male"}[t.sex]
    lines += ["Recruitment & Eligibility", "- Status", f"- {MIRROR_STATUSES[t.status]}", "- Sex", f"- {sex}"]
    lines += ["- Target Recruitment", f"- {t.enrollment}", "-"]
    lines += ["- " + "; ".join(f"{n}. {c}" if n > 1 else c for n, c in enumerate(t.inclusion, start=1)) + ".", "-"]
    lines += ["- " + "; ".join(f"{n}. {c}" if n > 1 else c for n, c in enumerate(t.exclusion, start=1)) + "."]
    lines += ["Study & Design", "- Study Type", f"- {'INTERVENTIONAL' if t.interventional else 'OBSERVATIONAL'}"]
    lines += ["- Study Design", f"- {rng.choice(('PARALLEL', 'SINGLE_GROUP', 'CROSSOVER'))}", "- Arm && Interventions"]
    rows = " ".join(f"Group {n} {d} Participants receive {d} for 12 months." for n, d in enumerate(t.drugs, start=1))
    lines += [f"Group Intervention Description {rows}"]
    primary, *secondary = t.outcomes
    lines += ["- Primary Outcome Measures", f"Name Time Method {' '.join(primary)}"]
    if secondary:
        lines += ["- Secondary Outcome Measures", f"Name Time Method {' '.join(secondary[0])}"]
        lines += [" ".join(outcome) for outcome in secondary[1:]]
    lines += ["Trial Locations", f"- Locations ({len(t.sites)})"]
    for site in t.sites:
        lines += [site[0], f"{FLAGS.get(site[3], '')}{site[1]}, {site[3]}"]
    return lines


def _veeva(t: _Trial, rng: random.Random) -> list[str]:
    lines = ["ClinicalTrials.Veeva", "Menu", t.title, f"{t.sponsor[0]} logo", t.sponsor[0], "Status and phase"]
    lines += [WORDED_STATUSES[t.status % len(WORDED_STATUSES)], WORDED_PHASES[t.phase % len(WORDED_PHASES)]]
    lines += ["Conditions", *t.conditions, "Treatments", *[f"Drug: {d}" for d in t.drugs]]
    lines += ["Study type", "Interventional", "Funder types", "Other", "Identifiers", t.nct, t.org_id]
    lines += ["Details and patient eligibility", "About", " ".join(t.summary)]
    lines += [
        "Enrollment",
        f"{t.enrollment} estimated patients",
        "Sex",
        {"ALL": "All", "FEMALE": "Female", "MALE": "Male"}[t.sex],
    ]
    lines += ["Ages", f"{t.min_age} to {t.max_age} years old", "Volunteers"]
    lines += ["Accepts Healthy Volunteers" if t.healthy else "No Healthy Volunteers", "Inclusion criteria"]
    lines += [f"{n}. {c}." for n, c in enumerate(t.inclusion, start=1)]
    lines += ["Exclusion criteria", *[f"{n}. {c};" for n, c in enumerate(t.exclusion, start=1)]]
    lines += ["Trial design", "Primary purpose", "Treatment", "Allocation", "Randomized", "Interventional model"]
    lines += ["Parallel Assignment", "Masking", rng.choice(("None (Open label)", "Double Blind", "Quadruple Blind"))]
    lines += [f"{t.enrollment} participants in {len(t.drugs)} patient groups"]
    for number, drug in enumerate(t.drugs, start=1):
        lines += [f"{drug} group", f"{ARM_TYPES[(number - 1) % 3]} group", "Treatment:", f"Drug: {drug}"]
    lines += ["Trial contacts and locations", str(len(t.sites)), "Loading...", "Central trial contact", t.contact]
    lines += ["Data sourced from clinicaltrials.gov", "Clinical trials", "Find clinical trialsTrials by location"]
    lines += ["© Copyright 2026 Veeva Systems"]
    return lines


def _aggregator(t: _Trial, rng: random.Random) -> list[str]:
    status = rng.choice(("Recruiting", "Not Recruiting", "Completed", "Active, not recruiting"))
    sex = {"ALL": "All", "FEMALE": "Female", "MALE": "Male"}[t.sex]
    lines = ["Image", t.title, t.title, status, f"{t.min_age}-{t.max_age} years", sex]
    lines += [WORDED_PHASES[t.phase % len(WORDED_PHASES)], "Powered by AI", "Overview", " ".join(t.summary)]
    if t.description:
        lines += ["Description", *t.description]
    lines += ["Eligibility", "Inclusion Criteria:", *[f"• {c}" for c in t.inclusion]]
    lines += ["Exclusion Criteria:", *[f"• {c}" for c in t.exclusion]]
    lines += ["Study details", *t.conditions, t.nct, t.sponsor[0]]
    lines += [f"{t.updated[2]} {MONTHS[t.updated[1] - 1]} {t.updated[0]}", *AGGREGATOR_FAQ]
    return lines


LAYOUTS: tuple[tuple[str, Callable[[_Trial, random.Random], list[str]], float], ...] = (
    ("ctgov_mirror", _mirror, 0.40),
    ("bulleted_registry", _bulleted, 0.20),
    ("veeva", _veeva, 0.20),
    ("aggregator", _aggregator, 0.20),
)


def _html(lines: list[str], layout: str, t: _Trial, rng: random.Random) -> str:
    """The same lines as a saved web page: head, scripts, navigation, content, footer."""
    headings = HEADINGS[layout]
    body: list[str] = [f'<h1 class="trial-title">{escape(lines[0])}</h1>']
    in_list = False
    for line in lines[1:]:
        bullet = layout == "bulleted_registry" and line.startswith("-")
        if bullet and not in_list:
            body.append('<ul class="fields">')
            in_list = True
        elif not bullet and in_list:
            body.append("</ul>")
            in_list = False
        if bullet:
            body.append(f"<li>{escape(line[2:])}</li>")
        elif line in headings:
            body.append(f"<h2>{escape(line)}</h2>")
        elif rng.random() < 0.3:
            body.append(f'<div class="value"><span>{escape(line)}</span></div>')
        else:
            body.append(f"<p>{escape(line)}</p>")
    if in_list:
        body.append("</ul>")
    content = "\n".join(body)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(t.title)} | {t.nct}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="stylesheet" href="/static/css/site.4f2a9c.css">\n'
        f'<script>window.dataLayer=window.dataLayer||[];dataLayer.push({{"trial":"{t.nct}","status":"RECRUITING"}});</script>\n'
        "</head>\n<body>\n"
        '<header class="site-header"><a class="logo" href="/">Trials</a>\n'
        '<nav><ul><li><a href="/search">Find trials</a></li><li><a href="/about">About</a></li>'
        '<li><a href="/contact">Contact</a></li></ul></nav></header>\n'
        '<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. <button>Accept</button></div>\n'
        f'<main>\n<article class="trial" data-nct="{t.nct}">\n{content}\n</article>\n</main>\n'
        '<aside class="sidebar"><h3>Similar trials</h3><a href="/trial/NCT00000102">NCT00000102</a></aside>\n'
        '<footer><p>© 2026 Trials Directory. All rights reserved.</p><a href="/privacy">Privacy</a></footer>\n'
        '<script src="/static/js/app.8c1d.js" defer></script>\n'
        "</body>\n</html>\n"
    )


def _layout(index: int, seed: int) -> int:
    """Which layout page `index` uses (fixed per index: a changed page keeps its layout)."""
    draw = random.Random(seed * 7_777_777 + index).random()
    cumulative = 0.0
    for position, (_, _, share) in enumerate(LAYOUTS):
        cumulative += share
        if draw < cumulative:
            return position
    return len(LAYOUTS) - 1


def render_document(index: int, seed: int = 7, html_share: float = 0.5, revision: int = 0) -> tuple[str, bytes]:
    """(path relative to the corpus folder, file bytes) of page `index`."""
    trial = _trial(index, seed, revision)
    rng = random.Random(seed * 31 + index * 1_000_033 + revision)
    layout, render, _ = LAYOUTS[_layout(index, seed)]
    lines = render(trial, rng)
    as_html = random.Random(seed * 13 + index).random() < html_share
    text = _html(lines, layout, trial, rng) if as_html else "\n".join(lines)
    folder = f"pages/{index // PAGES_PER_FOLDER:04d}"
    return f"{folder}/{index:07d}_{trial.nct}.{'html' if as_html else 'txt'}", text.encode("utf-8")


# --- the whole corpus ---------------------------------------------------------------------------


@dataclass
class CorpusManifest:
    generator_version: int
    count: int
    seed: int
    html_share: float
    realdata: str | None
    realdata_files: int
    pages_bytes: int
    build_seconds: float


def _write_range(out: str, start: int, stop: int, seed: int, html_share: float) -> int:
    root = Path(out)
    written = 0
    made: set[str] = set()
    for index in range(start, stop):
        relative, data = render_document(index, seed, html_share)
        folder = relative.rsplit("/", 1)[0]
        if folder not in made:
            (root / folder).mkdir(parents=True, exist_ok=True)
            made.add(folder)
        with open(root / relative, "wb") as handle:
            handle.write(data)
        written += len(data)
    return written


def _link_realdata(out: Path, realdata: Path) -> int:
    """Symbolic links to the official JSON/XML/zip records: the pipeline reads them in place."""
    linked = 0
    for source in sorted(realdata.rglob("*")):
        if source.is_file() and source.suffix.lower() in REALDATA_SUFFIXES:
            target = out / "realdata" / source.relative_to(realdata)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(source.resolve())
            linked += 1
    return linked


def build_corpus(
    out: Path,
    count: int = 100_000,
    seed: int = 7,
    html_share: float = 0.5,
    realdata: Path | None = DEFAULT_REALDATA,
    workers: int | None = None,
) -> CorpusManifest:
    """Write the corpus to `out` (replacing what was there); returns its manifest."""
    if not 0 < count <= MAX_DOCUMENTS:
        raise ValueError(f"count must be 1..{MAX_DOCUMENTS}")
    started = time.perf_counter()
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    workers = workers or min(os.cpu_count() or 1, 8)
    chunk = PAGES_PER_FOLDER * 5
    ranges = [(start, min(start + chunk, count)) for start in range(0, count, chunk)]
    if workers > 1 and count >= 20_000:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers) as pool:
            sizes = pool.map(_write_range, *zip(*[(str(out), a, b, seed, html_share) for a, b in ranges], strict=True))
            pages_bytes = sum(sizes)
    else:
        pages_bytes = sum(_write_range(str(out), a, b, seed, html_share) for a, b in ranges)
    realdata_files = _link_realdata(out, realdata) if realdata is not None and realdata.is_dir() else 0
    manifest = CorpusManifest(
        GENERATOR_VERSION, count, seed, html_share, str(realdata) if realdata_files else None,
        realdata_files, pages_bytes, round(time.perf_counter() - started, 2),
    )  # fmt: skip
    # the manifest lives next to the corpus, not in it: the pipeline must not read it as a page
    _manifest_path(out).write_text(json.dumps(asdict(manifest), indent=2))
    return manifest


def _manifest_path(out: Path) -> Path:
    return out.parent / f"{out.name}.manifest.json"


def cached_manifest(
    out: Path, count: int, seed: int, html_share: float, realdata: Path | None
) -> CorpusManifest | None:
    """The manifest of the corpus at `out` when it was built with these parameters."""
    path = _manifest_path(out)
    if not out.is_dir() or not path.is_file():
        return None
    manifest = CorpusManifest(**json.loads(path.read_text()))
    wanted_realdata = str(realdata) if realdata is not None and realdata.is_dir() else None
    if (manifest.generator_version, manifest.count, manifest.seed, manifest.html_share, manifest.realdata) != (
        GENERATOR_VERSION, count, seed, html_share, wanted_realdata,
    ):  # fmt: skip
        return None
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="number of generated pages (default 100000)")
    parser.add_argument("--out", type=Path, default=BENCHMARKS_DIR / "corpus" / "default", help="corpus folder")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--html-share", type=float, default=0.5, help="share of pages written as HTML")
    parser.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA, help="official records to link in")
    parser.add_argument("--no-realdata", action="store_true", help="generated pages only")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    manifest = build_corpus(
        args.out, args.count, args.seed, args.html_share, None if args.no_realdata else args.realdata, args.workers
    )
    print(json.dumps(asdict(manifest), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
