"""Layout-specific behaviour of the bulleted registry parser (seed 001 layout)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialmart.documents import Document, normalize_text
from trialmart.sources import bulleted_registry

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def page(text: str) -> Document:
    text = normalize_text(text)
    return Document("test.txt", Path("test.txt"), "0" * 64, len(text.encode()), "text", text)


MINIMAL = """Example Trial Title
- Conditions
- Lupus
- Registration Number
- NCT01234567
- Lead Sponsor
- Example Hospital
Recruitment & Eligibility
- Status
- Recruiting
- Target Recruitment
- 30
Study & Design
- Study Type
- INTERVENTIONAL
"""


def parse_one(text: str):
    trials = list(bulleted_registry.parse(page(text)))
    assert len(trials) == 1
    return trials[0]


def test_minimal_page_is_detected_and_parsed() -> None:
    assert bulleted_registry.detect(page(MINIMAL))
    trial = parse_one(MINIMAL)
    assert trial.nct_id == "NCT01234567"
    assert trial.brief_title == "Example Trial Title"
    assert trial.overall_status == "RECRUITING"
    assert trial.enrollment == 30
    assert trial.enrollment_type is None  # "Target Recruitment" is the site's label, not a type
    assert trial.conditions == ("Lupus",)
    assert trial.criteria == ()
    assert trial.issues == ()


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(GOLDEN.glob("*/*")) if p.suffix in (".txt", ".html") and p.parent.name != "bulleted_registry"],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_not_detected_on_other_layouts(path: Path) -> None:
    text = normalize_text(path.read_text(encoding="utf-8"))
    assert not bulleted_registry.detect(Document(path.name, path, "0" * 64, 1, "text", text))


def test_random_text_with_a_dash_list_is_not_detected() -> None:
    text = "Shopping list\n- Status\n- Eggs\n- Sex\n- Conditions\n- Milk\n"
    assert not bulleted_registry.detect(page(text))


def test_no_nct_id_gives_no_trial() -> None:
    text = MINIMAL.replace("NCT01234567", "ChiCTR2000012345")
    assert list(bulleted_registry.parse(page(text))) == []


def test_non_nct_registration_number_becomes_an_identifier_when_the_page_names_an_nct_id() -> None:
    text = MINIMAL.replace("- NCT01234567", "- ChiCTR2000012345") + "- Brief Summary\nSee also NCT07654321.\n"
    trial = parse_one(text)
    assert trial.nct_id == "NCT07654321"
    assert [identifier.identifier for identifier in trial.identifiers] == ["ChiCTR2000012345"]


def test_unmapped_status_is_raw_with_an_issue() -> None:
    trial = parse_one(MINIMAL.replace("- Recruiting", "- Ongoing"))
    assert trial.overall_status is None
    assert trial.overall_status_raw == "Ongoing"
    assert [issue.field for issue in trial.issues] == ["overall_status"]


def outcomes_of(table_lines: str):
    return parse_one(MINIMAL + "- Primary Outcome Measures\n" + table_lines).outcomes


def test_duration_inside_a_measure_is_not_a_time_frame() -> None:
    (outcome,) = outcomes_of("Name Time Method Relapse rate at 12 months 12 months Defined by the BVAS score.\n")
    assert outcome.measure == "Relapse rate at 12 months"
    assert outcome.time_frame == "12 months"
    assert outcome.description == "Defined by the BVAS score."


def test_row_starting_on_a_new_line_is_a_new_measure() -> None:
    outcomes = outcomes_of("Name Time Method Remission 6 months Complete or partial\nRelapse 12 months\n")
    assert [(o.measure, o.time_frame, o.description) for o in outcomes] == [
        ("Remission", "6 months", "Complete or partial"),
        ("Relapse", "12 months", None),
    ]


def test_outcome_without_a_time_frame_is_left_out_with_an_issue() -> None:
    trial = parse_one(MINIMAL + "- Primary Outcome Measures\nName Time Method Overall survival\n")
    assert trial.outcomes == ()
    assert [issue.field for issue in trial.issues] == ["outcomes.primary"]


def test_time_point_list_is_not_cut_at_its_last_duration() -> None:
    # fail safe: "Baseline, 6 months, 12 months, 24 months" is one time frame; the old reader
    # gave measure "... Baseline, 6 months, 12 months," and time frame "24 months"
    trial = parse_one(
        MINIMAL
        + "- Primary Outcome Measures\nName Time Method Erectile function Baseline, 6 months, 12 months, 24 months\n"
    )
    assert trial.outcomes == ()
    assert [issue.field for issue in trial.issues] == ["outcomes.primary"]


def test_arm_rows_use_the_listed_intervention_names() -> None:
    text = MINIMAL.replace("- Registration Number", "- Interventions\n- Anti CD20 Antibody\n- Registration Number")
    text += (
        "- Arm && Interventions\nGroup Intervention Description Arm A Anti CD20 Antibody Given Monthly for a year.\n"
    )
    trial = parse_one(text)
    (arm,) = trial.arms
    assert arm.label == "Arm A"
    assert arm.intervention_names == ("Anti CD20 Antibody",)
    assert arm.description == "Given Monthly for a year."
    assert [intervention.name for intervention in trial.interventions] == ["Anti CD20 Antibody"]


def test_arm_rows_without_an_evidenced_boundary_keep_the_label_only() -> None:
    text = MINIMAL + (
        "- Arm && Interventions\nGroup Intervention Description "
        "Group I Drug One Patients take it daily. Group I Drug Two Patients take it weekly.\n"
    )
    trial = parse_one(text)
    (arm,) = trial.arms
    assert (arm.label, arm.description, arm.intervention_names) == ("Group I", None, ())
    assert trial.interventions == ()
    assert [issue.field for issue in trial.issues] == ["arms"]


def test_location_count_mismatch_is_recorded() -> None:
    text = MINIMAL + "Trial Locations\n- Locations (2)\nOnly Hospital\n\U0001f1e8\U0001f1f3Beijing, China\n"
    trial = parse_one(text)
    assert len(trial.locations) == 1
    assert [issue.field for issue in trial.issues] == ["locations"]


def test_eligibility_blocks_are_inclusion_then_exclusion() -> None:
    text = MINIMAL.replace("- 30\n", "- 30\n-\n- Adults; 2. Consent.\n-\n- Pregnancy.\n")
    trial = parse_one(text)
    assert [(c.criterion_type, c.text) for c in trial.criteria] == [
        ("INCLUSION", "Adults"),
        ("INCLUSION", "Consent."),
        ("EXCLUSION", "Pregnancy."),
    ]


_SEED_LINES = [
    normalize_text(path.read_text(encoding="utf-8")).split("\n")
    for path in sorted((GOLDEN / "bulleted_registry").glob("*.txt"))
]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(data=st.data())
def test_never_raises_on_damaged_pages(data: st.DataObject) -> None:
    """Lines dropped or shuffled (a truncated or re-ordered save) must not crash detect/parse."""
    lines = data.draw(st.sampled_from(_SEED_LINES))
    kept = data.draw(st.lists(st.sampled_from(lines), max_size=len(lines)))
    document = page("\n".join(kept))
    bulleted_registry.detect(document)
    list(bulleted_registry.parse(document))


# --- issue #11: real trials printed the seed's way ---------------------------------------------

HEAD = """Example Trial Title
- Conditions
- Erectile Dysfunction
- Interventions
- Registration Number
- NCT01234567
- Lead Sponsor
- Example Hospital
"""


def test_inline_numbers_without_punctuation_split_by_the_sequence() -> None:
    trial = parse_one(
        HEAD
        + """Recruitment & Eligibility
- Status
- RECRUITING
-
- Men aged 18 or older 2. Erectile dysfunction for at least 6 months 3. Stable partner
-
- Prior prostatectomy 2. Use of nitrates
"""
    )
    assert [(c.criterion_type, c.text) for c in trial.criteria] == [
        ("INCLUSION", "Men aged 18 or older"),
        ("INCLUSION", "Erectile dysfunction for at least 6 months"),
        ("INCLUSION", "Stable partner"),
        ("EXCLUSION", "Prior prostatectomy"),
        ("EXCLUSION", "Use of nitrates"),
    ]


def test_arm_labels_that_are_not_group_numerals() -> None:
    trial = parse_one(
        HEAD
        + """Study & Design
- Study Type
- INTERVENTIONAL
- Arm && Interventions
Group Intervention Description Bevacizumab and Erlotinib Bevacizumab Patients receive both drugs every 3 weeks. \
Bevacizumab and Erlotinib Erlotinib Patients receive both drugs every 3 weeks.
"""
    )
    assert [(a.label, a.description, a.intervention_names) for a in trial.arms] == [
        (
            "Bevacizumab and Erlotinib",
            "Patients receive both drugs every 3 weeks.",
            ("Bevacizumab", "Erlotinib"),
        )
    ]
    assert [i.name for i in trial.interventions] == ["Bevacizumab", "Erlotinib"]


def test_time_frames_in_words_and_baseline_phrases() -> None:
    trial = parse_one(
        HEAD
        + """Study & Design
- Study Type
- INTERVENTIONAL
- Primary Outcome Measures
Name Time Method Pain score Baseline and week 12 Change in the visual analogue scale.
- Secondary Outcome Measures
Name Time Method Quality of life Six months Measured with the SF-36 questionnaire.
"""
    )
    assert [(o.outcome_type, o.measure, o.time_frame, o.description) for o in trial.outcomes] == [
        ("PRIMARY", "Pain score", "Baseline and week 12", "Change in the visual analogue scale."),
        ("SECONDARY", "Quality of life", "Six months", "Measured with the SF-36 questionnaire."),
    ]


def test_a_description_line_equal_to_a_label_stays_text() -> None:
    trial = parse_one(
        HEAD
        + """- Detailed Description
Background of the trial.
Study Design
A two-arm randomised comparison.
Recruitment & Eligibility
- Status
- RECRUITING
Study & Design
- Study Type
- INTERVENTIONAL
- Study Design
- PARALLEL
"""
    )
    assert trial.detailed_description == (
        "Background of the trial.\n\nStudy Design\n\nA two-arm randomised comparison."
    )
    assert trial.intervention_model == "PARALLEL"
    assert trial.study_type == "INTERVENTIONAL"


def test_a_dashed_line_inside_a_description_keeps_its_dash() -> None:
    # issue #11: the site prints free text undashed, so "- ..." there is the text's own bullet
    trial = parse_one(
        HEAD
        + """- Detailed Description
Measures collected at each visit:
- ShortForm-12 (SF-12)
-Modified Clavien-Dindo classification
Recruitment & Eligibility
- Status
- RECRUITING
"""
    )
    assert trial.detailed_description == (
        "Measures collected at each visit:\n\n- ShortForm-12 (SF-12)\n\n-Modified Clavien-Dindo classification"
    )
    assert trial.overall_status == "RECRUITING"


@pytest.mark.parametrize(("study_type", "model"), [("OBSERVATIONAL", "OTHER"), ("INTERVENTIONAL", None)])
def test_a_lone_other_under_study_design_is_the_observational_model(study_type, model) -> None:
    # issue #11: OTHER is an observational model code and no intervention model code
    trial = parse_one(MINIMAL.replace("- INTERVENTIONAL\n", f"- {study_type}\n- Study Design\n- OTHER\n"))
    assert trial.study_type == study_type
    assert trial.observational_model == model
    assert trial.intervention_model is None
    assert (model is None) == any(issue.field == "study_design" for issue in trial.issues)
