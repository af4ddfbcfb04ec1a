"""Legacy ClinicalTrials.gov XML -> Trial, on the small fixtures in tests/fixtures/official.

Every expected value below was read from the fixture file named in the test.
"""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest

from trialmart.records import Arm, Contact, Criterion, Identifier, Location, Outcome, ParseStatus, Sponsor
from trialmart.sources import parse_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "official"
MAX_BYTES = 10_000_000


@pytest.fixture(scope="module")
def legacy():
    document = parse_file(FIXTURES, FIXTURES / "legacy_single.xml", MAX_BYTES)
    assert document.source_family == "ctgov_xml"
    assert document.parse_status == ParseStatus.PARSED, document.message
    (trial,) = document.trials
    return trial


def test_legacy_wording_maps_to_codes(legacy) -> None:
    assert legacy.nct_id == "NCT09000051"
    assert legacy.brief_title == "Legacy Study of Drug X & Radiation"
    assert legacy.official_title is None and legacy.acronym is None
    assert (legacy.overall_status, legacy.overall_status_raw) == ("UNKNOWN", "Unknown status")
    assert legacy.phase == "PHASE1/PHASE2"
    assert legacy.study_type == "INTERVENTIONAL"
    assert (legacy.enrollment, legacy.enrollment_type) == (60, "ESTIMATED")  # "Anticipated"
    assert (legacy.allocation, legacy.intervention_model, legacy.primary_purpose, legacy.masking) == (
        "NON_RANDOMIZED",
        "SINGLE_GROUP",
        "TREATMENT",
        "TRIPLE",
    )
    assert legacy.has_results is False  # no <clinical_results>


def test_legacy_dates(legacy) -> None:
    assert (legacy.start_date, legacy.start_date_precision) == (date(2020, 7, 1), "MONTH")
    assert (legacy.completion_date, legacy.completion_date_precision) == (date(2023, 6, 15), "DAY")
    assert (legacy.primary_completion_date, legacy.primary_completion_date_precision) == (date(2022, 3, 1), "MONTH")
    assert legacy.last_update_date == date(2018, 2, 2)  # last_update_posted, not last_update_submitted


def test_legacy_textblocks_are_unwrapped(legacy) -> None:
    assert legacy.brief_summary == (
        "RATIONALE: Drug X may stop the growth of tumor cells. This line is hard-wrapped by the "
        "legacy feed and continues here.\n\nPURPOSE: A second paragraph."
    )
    assert legacy.detailed_description is None
    assert legacy.criteria == (
        Criterion(
            "INCLUSION", "Histologically confirmed non-small cell lung cancer that is hard-wrapped over two lines"
        ),
        Criterion("INCLUSION", "ECOG 0-1"),
        Criterion("EXCLUSION", "Prior chest radiation"),
    )


def test_legacy_eligibility(legacy) -> None:
    assert legacy.sex == "MALE"
    assert legacy.minimum_age_years == pytest.approx(28 / 365.25, abs=1e-6)
    assert (legacy.minimum_age_raw, legacy.maximum_age_raw) == ("28 Days", "N/A")
    assert legacy.maximum_age_years is None
    assert legacy.healthy_volunteers is False


def test_legacy_arms_take_interventions_from_arm_group_labels(legacy) -> None:
    assert legacy.arms == (
        Arm("Drug X plus radiation", "EXPERIMENTAL", None, ("Drug X", "radiation therapy")),
        Arm("Observation", "NO_INTERVENTION", None, ()),
    )
    assert [(i.name, i.intervention_type) for i in legacy.interventions] == [
        ("Drug X", "DRUG"),
        ("radiation therapy", "RADIATION"),
    ]
    assert legacy.outcomes == (
        Outcome("PRIMARY", "Response rate", "6 months", "Proportion of patients with a response"),
        Outcome("SECONDARY", "Survival", None, None),
    )
    assert legacy.conditions == ("Lung Cancer",)


def test_legacy_sponsors_locations_identifiers_contacts(legacy) -> None:
    assert legacy.sponsors == (
        Sponsor("Veterans Affairs Office", "LEAD", "FED"),  # "U.S. Fed"
        Sponsor("Example Cooperative Group", "COLLABORATOR", "OTHER"),
    )
    assert legacy.locations == (Location("Memorial Example Hospital", "Boston", "Massachusetts", "United States"),)
    assert legacy.identifiers == (Identifier("LEG-51", "ORG_STUDY_ID"), Identifier("U10CA000051", "SECONDARY_ID"))
    # responsible party "Sponsor" names no person: no contact row for it
    assert legacy.contacts == (
        Contact("Eve Contact", "CENTRAL_CONTACT", "555-0199; eve@example.org"),
        Contact("Dana Chair, MD", "STUDY_CHAIR", "Example Cooperative Group"),
    )


def test_patient_registry_with_results_and_prose_criteria() -> None:
    document = parse_file(FIXTURES, FIXTURES / "legacy_registry.xml", MAX_BYTES)
    (trial,) = document.trials
    assert trial.study_type == "OBSERVATIONAL"  # "Observational [Patient Registry]"
    assert (trial.observational_model, trial.time_perspective) == ("CASE_CONTROL", "RETROSPECTIVE")
    assert (trial.enrollment, trial.enrollment_type) == (250, "ACTUAL")
    assert trial.has_results is True
    assert trial.last_update_date == date(2005, 3, 3)  # the old lastchanged_date tag
    assert (trial.minimum_age_years, trial.maximum_age_years) == (None, 0.5)
    assert trial.phase is None and trial.start_date is None
    # no Inclusion/Exclusion headings: kept as INCLUSION, with a warning saying so
    assert [c.criterion_type for c in trial.criteria] == ["INCLUSION", "INCLUSION"]
    assert [c.text for c in trial.criteria] == [
        "DISEASE CHARACTERISTICS: Confirmed rare disease",
        "PATIENT CHARACTERISTICS: Any age",
    ]
    assert document.parse_status == ParseStatus.PARTIAL
    assert [issue.field for issue in trial.issues] == ["criteria"]


def test_zip_of_xml_files(tmp_path: Path) -> None:
    archive = tmp_path / "AllPublicXML.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as writer:
        writer.writestr("NCT0900xxxx/", "")
        writer.write(FIXTURES / "legacy_single.xml", "NCT0900xxxx/NCT09000051.xml")
        writer.write(FIXTURES / "legacy_registry.xml", "NCT0900xxxx/NCT09000052.xml")
    document = parse_file(tmp_path, archive, MAX_BYTES)
    assert document.source_family == "ctgov_xml"
    assert [t.nct_id for t in document.trials] == ["NCT09000051", "NCT09000052"]


def test_malformed_member_rides_on_a_neighbour(tmp_path: Path) -> None:
    archive = tmp_path / "AllPublicXML.zip"
    with zipfile.ZipFile(archive, "w") as writer:
        writer.write(FIXTURES / "legacy_single.xml", "NCT09000051.xml")
        writer.writestr("NCT09000053.xml", "<clinical_study><id_info>")
    document = parse_file(tmp_path, archive, MAX_BYTES)
    assert [t.nct_id for t in document.trials] == ["NCT09000051"]
    assert document.parse_status == ParseStatus.PARTIAL
    assert "NCT09000053.xml: not well-formed XML" in (document.message or "")


def test_xml_that_is_not_a_clinical_study_is_not_claimed(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_text('<?xml version="1.0"?><rss><channel/></rss>', encoding="utf-8")
    document = parse_file(tmp_path, tmp_path / "feed.xml", MAX_BYTES)
    assert document.parse_status == ParseStatus.REJECTED
    assert document.source_family is None
