"""Layout-specific behaviour of the ClinicalTrials.Veeva parser (seed 002 layout)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialmart.documents import Document, normalize_text
from trialmart.sources import veeva

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def page(text: str) -> Document:
    text = normalize_text(text)
    return Document("test.txt", Path("test.txt"), "0" * 64, len(text.encode()), "text", text)


MINIMAL = """ClinicalTrials.Veeva
Menu
A Trial of Something
Example University logo
Example University
Status and phase
Recruiting
Phase 1
Conditions
Gout
Funder types
Other
Identifiers
NCT01234567
Details and patient eligibility
About
Short summary.
Trial contacts and locations
Loading...
Data sourced from clinicaltrials.gov
© Copyright 2026 Veeva Systems
"""


def parse_one(text: str):
    trials = list(veeva.parse(page(text)))
    assert len(trials) == 1
    return trials[0]


def test_minimal_page() -> None:
    assert veeva.detect(page(MINIMAL))
    trial = parse_one(MINIMAL)
    assert trial.brief_title == "A Trial of Something"
    assert trial.overall_status == "RECRUITING"
    assert trial.phase == "PHASE1"
    assert [(s.name, s.role, s.agency_class) for s in trial.sponsors] == [("Example University", "LEAD", "OTHER")]
    assert trial.brief_summary == "Short summary."
    assert trial.identifiers == ()
    assert trial.locations == ()
    assert trial.contacts == ()
    assert trial.issues == ()


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(GOLDEN.glob("*/*")) if p.suffix in (".txt", ".html") and p.parent.name != "veeva"],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_not_detected_on_other_layouts(path: Path) -> None:
    text = normalize_text(path.read_text(encoding="utf-8"))
    assert not veeva.detect(Document(path.name, path, "0" * 64, 1, "text", text))


def test_brand_alone_is_not_enough() -> None:
    assert not veeva.detect(page("ClinicalTrials.Veeva\nMenu\nFind clinical trials near you\nConditions\n"))


def test_no_nct_id_gives_no_trial() -> None:
    assert list(veeva.parse(page(MINIMAL.replace("NCT01234567", "2019-233")))) == []


def test_several_funder_types_leave_the_class_null() -> None:
    trial = parse_one(MINIMAL.replace("Funder types\nOther\n", "Funder types\nIndustry\nOther\n"))
    assert trial.sponsors[0].agency_class is None
    assert trial.issues == ()


def test_ambiguous_status_is_kept_raw_with_an_issue() -> None:
    trial = parse_one(MINIMAL.replace("Recruiting\n", "Not recruiting\n"))
    assert trial.overall_status is None
    assert trial.overall_status_raw == "Not recruiting"
    assert [issue.field for issue in trial.issues] == ["overall_status"]


def test_arm_count_mismatch_is_recorded() -> None:
    text = MINIMAL.replace(
        "Trial contacts and locations",
        "Trial design\n10 participants in 2 patient groups\nOnly arm\nExperimental group\nTreatment:\nDrug: X\n"
        "Trial contacts and locations",
    )
    trial = parse_one(text)
    assert [(arm.label, arm.arm_type, arm.intervention_names) for arm in trial.arms] == [
        ("Only arm", "EXPERIMENTAL", ("X",))
    ]
    assert [issue.field for issue in trial.issues] == ["arms"]


def test_site_count_without_sites_gives_no_location() -> None:
    text = MINIMAL.replace("Trial contacts and locations\n", "Trial contacts and locations\n3\n")
    assert parse_one(text).locations == ()


_SEED_LINES = [
    normalize_text(path.read_text(encoding="utf-8")).split("\n") for path in sorted((GOLDEN / "veeva").glob("*.txt"))
]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(data=st.data())
def test_never_raises_on_damaged_pages(data: st.DataObject) -> None:
    """Lines dropped or shuffled (a truncated or re-ordered save) must not crash detect/parse."""
    lines = data.draw(st.sampled_from(_SEED_LINES))
    kept = data.draw(st.lists(st.sampled_from(lines), max_size=len(lines)))
    document = page("\n".join(kept))
    veeva.detect(document)
    list(veeva.parse(document))


# --- issue #11: pages of other trials printed the way the seed prints its trial -------------

DESIGN_TAIL = "Trial contacts and locations"


def with_design(design: str) -> str:
    """MINIMAL with a "Trial design" block (the seed's headings) before the contacts block."""
    return MINIMAL.replace(DESIGN_TAIL, f"Trial design\n{design}{DESIGN_TAIL}")


def test_combined_phase_on_one_line() -> None:
    trial = parse_one(MINIMAL.replace("Phase 1\n", "Phase 1/Phase 2\n"))
    assert trial.overall_status == "RECRUITING"
    assert trial.phase == "PHASE1/PHASE2"
    assert trial.issues == ()


def test_observational_groups_follow_the_stated_count() -> None:
    text = with_design(
        "Observational model\nCohort\nTime perspective\nProspective\n"
        "110 participants in 2 patient groups\nCases\nControls\n"
    )
    trial = parse_one(text)
    assert [(arm.label, arm.arm_type, arm.description, arm.intervention_names) for arm in trial.arms] == [
        ("Cases", None, None, ()),
        ("Controls", None, None, ()),
    ]
    assert trial.observational_model == "COHORT"
    assert trial.issues == ()


def test_untyped_group_after_a_treated_group_is_its_own_group() -> None:
    text = with_design(
        "60 participants in 3 patient groups\nUsers\nTreatment:\nDrug: X\nNon-users\nFormer users\n"
    ).replace("Conditions\nGout\n", "Conditions\nGout\nTreatments\nDrug: X\n")
    trial = parse_one(text)
    assert [(arm.label, arm.intervention_names) for arm in trial.arms] == [
        ("Users", ("X",)),
        ("Non-users", ()),
        ("Former users", ()),
    ]
    assert trial.issues == ()


def test_group_descriptions_are_told_from_labels_by_the_count() -> None:
    text = with_design("40 participants in 2 patient groups\nCases\nMen with the condition\nControls\nHealthy men\n")
    trial = parse_one(text)
    assert [(arm.label, arm.description) for arm in trial.arms] == [
        ("Cases", "Men with the condition"),
        ("Controls", "Healthy men"),
    ]


def test_typed_group_keeps_its_description() -> None:
    text = with_design(
        "20 participants in 2 patient groups\nHigh dose\nExperimental group\nTwo tablets a day.\nTreatment:\n"
        "Drug: X\nLow dose\nActive Comparator group\nTreatment:\nDrug: X\n"
    ).replace("Conditions\nGout\n", "Conditions\nGout\nTreatments\nDrug: X\n")
    trial = parse_one(text)
    assert [(a.label, a.arm_type, a.description, a.intervention_names) for a in trial.arms] == [
        ("High dose", "EXPERIMENTAL", "Two tablets a day.", ("X",)),
        ("Low dose", "ACTIVE_COMPARATOR", None, ("X",)),
    ]
    assert [(i.name, i.intervention_type) for i in trial.interventions] == [("X", "DRUG")]


def test_treatments_label_inside_a_group_does_not_reopen_the_treatments_block() -> None:
    text = with_design(
        "20 participants in 1 patient group\nCombination\nExperimental group\nTreatments:\nDrug: X\nDrug: Y\n"
    ).replace("Conditions\nGout\n", "Conditions\nGout\nTreatments\nDrug: X\nDrug: Y\n")
    trial = parse_one(text)
    assert [(i.name, i.intervention_type) for i in trial.interventions] == [("X", "DRUG"), ("Y", "DRUG")]
    assert [(a.label, a.arm_type, a.intervention_names) for a in trial.arms] == [
        ("Combination", "EXPERIMENTAL", ("X", "Y"))
    ]


def test_headings_inside_a_description_stay_text() -> None:
    text = MINIMAL.replace(
        "Short summary.\n",
        "Short summary.\nFull description\nBackground.\nInclusion Criteria\nAdults.\n"
        "Inclusion criteria\n  1. Gout.\nExclusion criteria\n  1. Pregnancy.\n",
    )
    trial = parse_one(text)
    assert trial.detailed_description == "Background.\n\nInclusion Criteria\n\nAdults."
    assert [(c.criterion_type, c.text) for c in trial.criteria] == [("INCLUSION", "Gout."), ("EXCLUSION", "Pregnancy.")]


def test_groups_that_cannot_be_told_apart_are_not_guessed() -> None:
    text = with_design("40 participants in 2 patient groups\nCases\nMen with it\nControls\nMen without it\nOthers\n")
    trial = parse_one(text)
    assert trial.arms == ()
    assert [issue.field for issue in trial.issues] == ["arms"]


def test_page_cut_off_before_the_footer_is_partial_and_a_heading_fragment_is_not_data():
    # issue #13: a download that stopped inside "Details and patient eligibility"
    seed = next(GOLDEN.glob("veeva/002_*.txt")).read_text(encoding="utf-8").splitlines()
    at = seed.index("Details and patient eligibility")
    trials = list(veeva.parse(page("\n".join([*seed[:at], "Details and patient elig"]))))
    assert len(trials) == 1 and trials[0].nct_id == "NCT04127747"
    cut = [found.message for found in trials[0].issues if found.field == "page"]
    assert len(cut) == 2 and "cut off" in cut[0] and "Details and patient elig" in cut[1], cut
    whole = list(veeva.parse(page("\n".join(seed))))
    assert "page" not in [found.field for found in whole[0].issues]
