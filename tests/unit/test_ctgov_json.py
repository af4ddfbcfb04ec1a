"""ClinicalTrials.gov JSON (API v2 and classic v1) -> Trial, on the small fixtures in tests/fixtures/official.

Every expected value below was read from the fixture file named in the test.
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest

from trialmart.records import Arm, Contact, Criterion, Identifier, Location, Outcome, ParseStatus, RelatedTrial, Sponsor
from trialmart.sources import parse_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "official"
MAX_BYTES = 10_000_000


def parse(name: str):
    return parse_file(FIXTURES, FIXTURES / name, MAX_BYTES)


@pytest.fixture(scope="module")
def single():
    document = parse("v2_single.json")
    assert document.source_family == "ctgov_json"
    assert document.parse_status == ParseStatus.PARSED, document.message
    assert len(document.trials) == 1
    return document.trials[0]


def test_v2_identification_and_status(single) -> None:
    assert single.nct_id == "NCT09000001"
    assert single.brief_title == "Aspirin Versus Placebo in Example Disease"  # double space collapsed
    assert single.official_title == "A Randomized Trial of Aspirin Versus Placebo in Example Disease"
    assert single.acronym == "ASPEX"
    assert single.overall_status == "ACTIVE_NOT_RECRUITING"
    assert single.overall_status_raw == "ACTIVE_NOT_RECRUITING"
    assert single.has_results is True


def test_v2_design(single) -> None:
    assert single.phase == "PHASE1/PHASE2"
    assert single.study_type == "INTERVENTIONAL"
    assert (single.enrollment, single.enrollment_type) == (120, "ESTIMATED")
    assert single.allocation == "RANDOMIZED"
    assert single.intervention_model == "PARALLEL"
    assert single.primary_purpose == "TREATMENT"
    assert single.masking == "DOUBLE"
    assert single.observational_model is None and single.time_perspective is None


def test_v2_dates_keep_their_precision(single) -> None:
    assert (single.start_date, single.start_date_precision) == (date(2020, 7, 1), "MONTH")
    assert (single.primary_completion_date, single.primary_completion_date_precision) == (date(2024, 12, 15), "DAY")
    assert (single.completion_date, single.completion_date_precision) == (date(2025, 1, 1), "YEAR")
    assert single.last_update_date == date(2024, 5, 3)


def test_v2_eligibility(single) -> None:
    assert single.sex == "ALL"
    assert single.minimum_age_years == pytest.approx(0.5)
    assert single.minimum_age_raw == "6 Months"
    assert single.maximum_age_years is None and single.maximum_age_raw is None
    assert single.healthy_volunteers is True
    assert single.criteria == (
        Criterion("INCLUSION", "Age 6 months or older"),
        Criterion("INCLUSION", "Diagnosis of example disease"),
        Criterion("EXCLUSION", "Known aspirin allergy"),
        Criterion("EXCLUSION", "Platelets < 100,000/mm3"),  # Markdown escape "\<" removed
        Criterion("EXCLUSION", "Pregnancy"),
    )


def test_v2_text_keeps_paragraphs_and_drops_markdown_escapes(single) -> None:
    assert single.brief_summary == "First paragraph of the summary.\n\nSecond paragraph with 5~10 mg and < 3 doses."
    assert single.detailed_description == "Only one paragraph."
    assert single.conditions == ("Example Disease", "Headache")


def test_v2_arms_link_interventions_by_their_own_names(single) -> None:
    assert single.arms == (
        Arm("Aspirin arm", "EXPERIMENTAL", "Aspirin 100 mg daily.", ("Aspirin",)),
        Arm("Placebo arm", "PLACEBO_COMPARATOR", None, ("Placebo tablet",)),
    )
    assert [(i.name, i.intervention_type, i.description) for i in single.interventions] == [
        ("Aspirin", "DRUG", "100 mg tablet"),
        ("Placebo tablet", "OTHER", None),
    ]


def test_v2_outcomes_of_three_kinds(single) -> None:
    assert single.outcomes == (
        Outcome("PRIMARY", "Headache days", "12 weeks", "Days with headache per month"),
        Outcome("SECONDARY", "Adverse events", "12 weeks", None),
        Outcome("SECONDARY", "Quality of life", None, None),
        Outcome("OTHER", "Platelet function", "Week 4", None),
    )


def test_v2_sponsors_fold_indiv_and_ambig(single) -> None:
    assert single.sponsors == (
        Sponsor("Ada Example", "LEAD", "OTHER"),
        Sponsor("Example Foundation", "COLLABORATOR", "UNKNOWN"),
        Sponsor("National Cancer Institute (NCI)", "COLLABORATOR", "NIH"),
    )


def test_v2_locations_identifiers_contacts(single) -> None:
    assert single.locations == (
        Location("Example University Hospital", "Springfield", "Illinois", "United States"),
        Location("Hôpital Exemple", "Lyon", None, "France"),
    )
    assert single.identifiers == (
        Identifier("ORG-2020-01", "ORG_STUDY_ID"),
        Identifier("R01CA000001", "NIH"),
        Identifier("LOCAL-7", "SECONDARY_ID"),
    )
    assert single.related_trials == (RelatedTrial("NCT09000099"),)
    assert single.contacts == (
        Contact("Bea Contact", "CENTRAL_CONTACT", "555-0100 ext 12; bea@example.org"),
        Contact("Ada Example, MD", "PRINCIPAL_INVESTIGATOR", "Example University"),
        Contact("Ada Example", "RESPONSIBLE_PARTY", "Professor; Example University"),
    )
    assert single.issues == ()


def test_array_yields_one_trial_per_study() -> None:
    document = parse("v2_array.json")
    assert document.parse_status == ParseStatus.PARSED, document.message
    first, second = document.trials
    assert first.nct_id == "NCT09000011"
    assert first.study_type == "OBSERVATIONAL"  # a patient registry is observational
    assert (first.observational_model, first.time_perspective) == ("COHORT", "PROSPECTIVE")
    assert (first.enrollment, first.enrollment_type) == (40, "ACTUAL")
    assert first.phase is None
    assert (second.nct_id, second.overall_status, second.study_type) == ("NCT09000012", "WITHDRAWN", "EXPANDED_ACCESS")


def test_studies_page_yields_its_studies() -> None:
    document = parse("v2_page.json")
    assert document.parse_status == ParseStatus.PARSED, document.message
    assert [(t.nct_id, t.phase, t.has_results) for t in document.trials] == [
        ("NCT09000021", "EARLY_PHASE1", False),
        ("NCT09000022", "NA", False),
        ("NCT09000023", "PHASE2/PHASE3", True),
    ]


def test_partial_record_is_parsed_with_nulls() -> None:
    document = parse("v2_partial.json")
    assert document.parse_status == ParseStatus.PARSED, document.message
    (trial,) = document.trials
    assert trial.brief_title == "A record holding only its identification module"
    assert trial.identifiers == (Identifier("P-31", "ORG_STUDY_ID"),)
    assert trial.has_results is False
    assert trial.overall_status is None and trial.phase is None and trial.enrollment is None
    assert trial.start_date is None and trial.sex is None and trial.brief_summary is None
    assert trial.arms == () and trial.outcomes == () and trial.criteria == () and trial.sponsors == ()


def test_classic_api_v1_response_is_mapped() -> None:
    document = parse("v1_full_studies.json")
    assert document.source_family == "ctgov_json"
    assert document.parse_status == ParseStatus.PARSED, document.message
    (trial,) = document.trials
    assert trial.nct_id == "NCT09000041"
    assert (trial.overall_status, trial.overall_status_raw) == ("ACTIVE_NOT_RECRUITING", "Active, not recruiting")
    assert trial.phase == "PHASE2/PHASE3"
    assert (trial.enrollment, trial.enrollment_type) == (168, "ESTIMATED")
    assert (trial.start_date, trial.start_date_precision) == (date(2020, 7, 1), "MONTH")
    assert (trial.completion_date, trial.completion_date_precision) == (date(2022, 3, 4), "DAY")
    assert trial.last_update_date == date(2021, 3, 3)
    assert (trial.allocation, trial.masking) == ("RANDOMIZED", "NONE")
    assert trial.arms == (Arm("Arm A", "ACTIVE_COMPARATOR", None, ("Vitamin D",)),)
    assert trial.interventions[0].intervention_type == "DIETARY_SUPPLEMENT"
    assert trial.outcomes == (Outcome("PRIMARY", "Bone density", "1 year", None),)
    assert trial.criteria == (Criterion("INCLUSION", "Adults"), Criterion("EXCLUSION", "Kidney stones"))
    assert (trial.sex, trial.minimum_age_years, trial.maximum_age_years, trial.healthy_volunteers) == (
        "FEMALE",
        18.0,
        64.0,
        True,
    )
    assert trial.sponsors == (
        Sponsor("Classic Pharma", "LEAD", "INDUSTRY"),
        Sponsor("VA Office", "COLLABORATOR", "FED"),
    )
    assert trial.identifiers == (Identifier("V1-41", "ORG_STUDY_ID"), Identifier("2020-000001-11", "EUDRACT_NUMBER"))
    assert trial.contacts == (Contact("Carl Chair", "STUDY_CHAIR", None),)
    assert trial.locations == (Location("Leuven Site", "Leuven", None, "Belgium"),)
    assert trial.has_results is True  # v1 has no flag: the ResultsSection says so


def test_zip_of_v2_files_is_read_member_by_member(tmp_path: Path) -> None:
    archive = tmp_path / "studies.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as writer:
        writer.write(FIXTURES / "v2_single.json", "NCT09000001.json")
        writer.write(FIXTURES / "v2_partial.json", "NCT09000031.json")
        writer.write(FIXTURES / "v2_page.json", "page/one.json")
    document = parse_file(tmp_path, archive, MAX_BYTES)
    assert document.source_family == "ctgov_json"
    assert document.parse_status == ParseStatus.PARSED, document.message
    assert [t.nct_id for t in document.trials] == [
        "NCT09000001",
        "NCT09000031",
        "NCT09000021",
        "NCT09000022",
        "NCT09000023",
    ]


def test_bad_zip_member_is_recorded_not_fatal(tmp_path: Path) -> None:
    archive = tmp_path / "studies.zip"
    with zipfile.ZipFile(archive, "w") as writer:
        writer.write(FIXTURES / "v2_single.json", "NCT09000001.json")
        writer.writestr("NCT09000002.json", "{not json")
        writer.writestr("readme.txt", "hello")
    document = parse_file(tmp_path, archive, MAX_BYTES)
    assert document.parse_status == ParseStatus.PARTIAL
    assert [t.nct_id for t in document.trials] == ["NCT09000001"]
    messages = " | ".join(issue.message for issue in document.trials[0].issues)
    assert "NCT09000002.json: not valid JSON" in messages
    assert "readme.txt" in messages


def test_file_named_after_another_trial_gets_a_warning(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "v2_partial.json", tmp_path / "NCT01234567.json")
    document = parse_file(tmp_path, tmp_path / "NCT01234567.json", MAX_BYTES)
    assert document.parse_status == ParseStatus.PARTIAL
    assert document.trials[0].nct_id == "NCT09000031"
    assert "holds NCT09000031" in (document.message or "")


def test_json_that_is_not_a_study_is_not_claimed(tmp_path: Path) -> None:
    (tmp_path / "other.json").write_text('{"name": "not a trial"}', encoding="utf-8")
    document = parse_file(tmp_path, tmp_path / "other.json", MAX_BYTES)
    assert document.parse_status == ParseStatus.REJECTED
    assert document.source_family is None


def test_study_without_nct_id_is_reported(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"protocolSection": {"identificationModule": {"briefTitle": "x"}}}')
    document = parse_file(tmp_path, tmp_path / "broken.json", MAX_BYTES)
    assert document.parse_status == ParseStatus.REJECTED
    assert "no valid NCT id" in (document.message or "")
