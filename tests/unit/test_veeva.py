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
