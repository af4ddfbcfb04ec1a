"""Layout-specific behaviour of the aggregator parser (seed 004 layout)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialmart.documents import Document, normalize_text
from trialmart.sources import aggregator

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def page(text: str) -> Document:
    text = normalize_text(text)
    return Document("test.txt", Path("test.txt"), "0" * 64, len(text.encode()), "text", text)


MINIMAL = """Image
A Trial Title
A Trial Title
Completed
Phase 4
Powered by AI
Overview
Summary text.
Eligibility
Inclusion Criteria:
  • Adults
Study details
    Gout
NCT01234567
Example Sponsor
FAQs
Learn more about clinical trials
Add a private note
"""


def parse_one(text: str):
    trials = list(aggregator.parse(page(text)))
    assert len(trials) == 1
    return trials[0]


def test_minimal_page() -> None:
    assert aggregator.detect(page(MINIMAL))
    trial = parse_one(MINIMAL)
    assert trial.brief_title == "A Trial Title"
    assert trial.overall_status == "COMPLETED"
    assert trial.phase == "PHASE4"
    assert trial.sex is None and trial.minimum_age_years is None
    assert trial.conditions == ("Gout",)
    assert [(s.name, s.role) for s in trial.sponsors] == [("Example Sponsor", "LEAD")]
    assert [(c.criterion_type, c.text) for c in trial.criteria] == [("INCLUSION", "Adults")]
    assert trial.issues == ()


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(GOLDEN.glob("*/*")) if p.suffix in (".txt", ".html") and p.parent.name != "aggregator"],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_not_detected_on_other_layouts(path: Path) -> None:
    text = normalize_text(path.read_text(encoding="utf-8"))
    assert not aggregator.detect(Document(path.name, path, "0" * 64, 1, "text", text))


def test_unlabeled_date_is_not_loaded_but_recorded() -> None:
    trial = parse_one(MINIMAL.replace("Example Sponsor\n", "Example Sponsor\n3 March 2024\n"))
    assert trial.start_date is None and trial.last_update_date is None
    assert [issue.field for issue in trial.issues] == ["study_details"]


def test_no_nct_id_gives_no_trial() -> None:
    assert list(aggregator.parse(page(MINIMAL.replace("NCT01234567", "unknown id")))) == []


def test_eligibility_prose_without_headings_is_recorded() -> None:
    trial = parse_one(MINIMAL.replace("Inclusion Criteria:\n  • Adults\n", "Adults who can consent.\n"))
    assert trial.criteria == ()
    assert [issue.field for issue in trial.issues] == ["criteria"]


_SEED_LINES = [
    normalize_text(path.read_text(encoding="utf-8")).split("\n")
    for path in sorted((GOLDEN / "aggregator").glob("*.txt"))
]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(data=st.data())
def test_never_raises_on_damaged_pages(data: st.DataObject) -> None:
    """Lines dropped or shuffled (a truncated or re-ordered save) must not crash detect/parse."""
    lines = data.draw(st.sampled_from(_SEED_LINES))
    kept = data.draw(st.lists(st.sampled_from(lines), max_size=len(lines)))
    document = page("\n".join(kept))
    aggregator.detect(document)
    list(aggregator.parse(document))


# --- issue #11: real trials printed the way the site prints the seed ---------------------------

SEED_SHAPED = """Image

A Trial Title

A Trial Title

Completed
18-65 years
All
Phase 2

Powered by AI

Overview

The study objective is to:

1. Evaluate the effect on the IIEF-EF domain
2. Assess the quality of erection

Description

OBJECTIVES:

Eligibility

Inclusion Criteria:

  • Patients who showed 1. risk of recurrence, 2. gradual progression while on treatment
  • CEA≥10ng/ml

Exclusion Criteria:

  • Pregnancy

Study details
    Erectile Dysfunction

NCT01234567

Example Sponsor

3 March 2024

FAQs

Learn more about clinical trials
Add a private note
"""


def test_line_break_inside_a_paragraph_is_kept_not_a_new_paragraph() -> None:
    trial = parse_one(SEED_SHAPED)
    assert trial.brief_summary == (
        "The study objective is to:\n\n1. Evaluate the effect on the IIEF-EF domain\n2. Assess the quality of erection"
    )


def test_one_bullet_is_one_criterion_whatever_numbering_it_holds() -> None:
    trial = parse_one(SEED_SHAPED)
    assert [(c.criterion_type, c.text) for c in trial.criteria] == [
        ("INCLUSION", "Patients who showed 1. risk of recurrence, 2. gradual progression while on treatment"),
        ("INCLUSION", "CEA≥10ng/ml"),
        ("EXCLUSION", "Pregnancy"),
    ]


def test_a_faqs_paragraph_in_the_description_is_text_not_the_footer() -> None:
    faqs = "OBJECTIVES:\n\nFAQs\n\nThe FAQs of the study are answered by the investigators.\n"
    trial = parse_one(SEED_SHAPED.replace("OBJECTIVES:\n", faqs))
    assert trial.detailed_description == (
        "OBJECTIVES:\n\nFAQs\n\nThe FAQs of the study are answered by the investigators."
    )
    assert trial.conditions == ("Erectile Dysfunction",)
    assert [s.name for s in trial.sponsors] == ["Example Sponsor"]


def test_visible_text_without_blank_lines_keeps_one_paragraph_per_line() -> None:
    trial = parse_one("\n".join(line for line in SEED_SHAPED.split("\n") if line.strip()))
    assert trial.brief_summary == (
        "The study objective is to:\n\n1. Evaluate the effect on the IIEF-EF domain\n\n2. Assess the quality of erection"
    )


def test_bullets_before_any_criteria_heading_are_not_loaded_but_recorded() -> None:
    text = SEED_SHAPED.replace("Inclusion Criteria:\n\n", "")
    trial = parse_one(text)
    assert [(c.criterion_type, c.text) for c in trial.criteria] == [("EXCLUSION", "Pregnancy")]
    assert "criteria" in [issue.field for issue in trial.issues]


def test_page_cut_off_before_the_footer_is_partial_and_a_footer_fragment_is_not_data():
    # issue #13: a download that stopped inside "Learn more about clinical trials"
    seed = (GOLDEN / "aggregator" / "004_e47fc4a004cc872c.txt").read_text(encoding="utf-8").splitlines()
    at = seed.index("FAQs")
    trials = list(aggregator.parse(page("\n".join([*seed[:at], "Learn more about clin"]))))
    assert len(trials) == 1 and trials[0].nct_id == "NCT04743739"
    assert "Learn more" not in (trials[0].brief_summary or "")
    cut = [found.message for found in trials[0].issues if found.field == "page"]
    assert len(cut) == 2 and "cut off" in cut[0] and "Learn more about clin" in cut[1], cut
    whole = list(aggregator.parse(page("\n".join(seed))))
    assert "page" not in [found.field for found in whole[0].issues]
