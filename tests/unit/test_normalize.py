"""Wording -> contract codes: each normaliser, including the awkward forms pages print."""

from __future__ import annotations

from datetime import date

import pytest

from trialmart import normalize


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("ACTIVE_NOT_RECRUITING", "ACTIVE_NOT_RECRUITING"),
        ("Active, not recruiting", "ACTIVE_NOT_RECRUITING"),
        ("NOT_YET_RECRUITING", "NOT_YET_RECRUITING"),
        ("Recruiting", "RECRUITING"),
        ("Unknown", "UNKNOWN"),
        ("Unknown status", "UNKNOWN"),
        ("Not Recruiting", None),  # active-not-recruiting or completed or ...: not one code
        ("", None),
        (None, None),
    ],
)
def test_overall_status(raw, code):
    assert normalize.overall_status(raw) == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Phase 4", "PHASE4"),
        ("PHASE2", "PHASE2"),
        ("Phase II", "PHASE2"),
        ("PHASE1/PHASE2", "PHASE1/PHASE2"),
        ("Phase 1/Phase 2", "PHASE1/PHASE2"),
        ("Phase 1/2", "PHASE1/PHASE2"),
        ("Phase I/II", "PHASE1/PHASE2"),
        ("Phase II/III", "PHASE2/PHASE3"),
        ("PHASE1, PHASE2", "PHASE1/PHASE2"),
        ("Early Phase 1", "EARLY_PHASE1"),
        ("EARLY_PHASE1", "EARLY_PHASE1"),
        ("N/A", "NA"),
        ("NA", "NA"),
        ("Not Applicable", "NA"),
        ("Phase 3/4", None),  # not a contract combination
        ("Phase 1b", None),
        (None, None),
    ],
)
def test_phase(raw, code):
    assert normalize.phase(raw) == code


def test_phase_from_a_list():
    assert normalize.phase(["PHASE2", "PHASE3"]) == "PHASE2/PHASE3"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("RANDOMIZED", ("allocation", "RANDOMIZED")),
        ("Non-Randomised", ("allocation", "NON_RANDOMIZED")),
        ("PARALLEL", ("intervention_model", "PARALLEL")),
        ("Crossover Assignment", ("intervention_model", "CROSSOVER")),
        ("TREATMENT", ("primary_purpose", "TREATMENT")),
        ("SUPPORTIVE_CARE", ("primary_purpose", "SUPPORTIVE_CARE")),
        ("NONE", ("masking", "NONE")),
        ("QUADRUPLE", ("masking", "QUADRUPLE")),
        ("CASE_CONTROL", ("observational_model", "CASE_CONTROL")),
        ("COHORT", ("observational_model", "COHORT")),
        ("RETROSPECTIVE", ("time_perspective", "RETROSPECTIVE")),
        ("OTHER", None),  # several design vocabularies have OTHER
        ("NA", ("allocation", "NA")),  # of the design vocabularies only allocation has NA
        ("Banana", None),
    ],
)
def test_classify_design_value(raw, expected):
    assert normalize.classify_design_value(raw) == expected


def test_design_labels():
    assert normalize.masking("Double (Participant, Investigator)") == "DOUBLE"
    assert normalize.masking("None (Open label)") == "NONE"
    assert normalize.intervention_model("Parallel Assignment") == "PARALLEL"
    assert normalize.primary_purpose("Educational/Counseling/Training") == "ECT"
    assert normalize.study_type("Interventional (Clinical Trial)") == "INTERVENTIONAL"
    assert normalize.study_type("OBSERVATIONAL") == "OBSERVATIONAL"


@pytest.mark.parametrize(
    ("raw", "years"),
    [
        ("18 Years", 18.0),
        ("100 Years", 100.0),
        ("1 Year", 1.0),
        ("6 Months", 0.5),
        ("26 Weeks", 26 / 52.1775),
        ("28 days", 28 / 365.25),
        ("12 Hours", 12 / (365.25 * 24)),
        ("30 Minutes", 30 / (365.25 * 24 * 60)),
        ("18 yrs", 18.0),
        ("18 years old", 18.0),
        ("N/A", None),
        ("18", None),  # no unit: not guessed
        (None, None),
    ],
)
def test_age_years(raw, years):
    result = normalize.age_years(raw)
    if years is None:
        assert result is None
    else:
        assert result == pytest.approx(years, abs=1e-6)


def test_age_years_default_unit_only_when_no_unit_is_printed():
    assert normalize.age_years("18", default_unit="year") == 18.0
    assert normalize.age_years("18 parsecs", default_unit="year") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("18 to 65 years old", (18.0, 65.0)),
        ("18-80 years", (18.0, 80.0)),
        ("Age, 18-65 years old", (18.0, 65.0)),
        ("between 18 and 80 years", (18.0, 80.0)),
        ("18 Years to 65 Years", (18.0, 65.0)),
        ("6 months to 17 years", (0.5, 17.0)),
        ("65+ years", (65.0, None)),
        ("18 years and older", (18.0, None)),
        ("18 years or older", (18.0, None)),
        ("up to 12 months", (None, 1.0)),
        ("Under 18 years", (None, 18.0)),
        ("adults", (None, None)),
        (None, (None, None)),
    ],
)
def test_age_range_years(raw, expected):
    assert normalize.age_range_years(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("ALL", "ALL"),
        ("All", "ALL"),
        ("Both", "ALL"),
        ("Male and Female", "ALL"),
        ("FEMALE", "FEMALE"),
        ("Female only", "FEMALE"),
        ("Men", "MALE"),
        ("unlimited", None),
        (None, None),
    ],
)
def test_sex(raw, code):
    assert normalize.sex(raw) == code


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("No", False),
        ("Yes", True),
        ("No Healthy Volunteers", False),
        ("Accepts Healthy Volunteers", True),
        (True, True),
        ("maybe", None),
        (None, None),
    ],
)
def test_healthy_volunteers(raw, value):
    assert normalize.healthy_volunteers(raw) is value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2019-12-01", (date(2019, 12, 1), "DAY")),
        ("2020-07", (date(2020, 7, 1), "MONTH")),  # partial dates: first day of the period
        ("2020", (date(2020, 1, 1), "YEAR")),
        ("July 2020", (date(2020, 7, 1), "MONTH")),
        ("Sept. 2020", (date(2020, 9, 1), "MONTH")),
        ("July 15, 2020", (date(2020, 7, 15), "DAY")),
        ("15 July 2020", (date(2020, 7, 15), "DAY")),
        ("12 December 2025", (date(2025, 12, 12), "DAY")),
        ("2020/07/15", (date(2020, 7, 15), "DAY")),
        ("2020-07-15T10:22:01Z", (date(2020, 7, 15), "DAY")),
        ("2021-02-30", (None, None)),  # no such day
        ("07/08/2020", (None, None)),  # day-first or month-first: ambiguous, not guessed
        ("soon", (None, None)),
        (None, (None, None)),
    ],
)
def test_parse_date(raw, expected):
    assert normalize.parse_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("76 participants", (76, None)),
        ("60", (60, None)),
        ("1,200 participants", (1200, None)),
        ("250 (Actual)", (250, "ACTUAL")),
        ("110 estimated patients", (110, "ESTIMATED")),
        ("Estimated: 60 participants", (60, "ESTIMATED")),
        ("110 participants in 2 patient groups", (110, None)),
        ("many", (None, None)),
        (None, (None, None)),
    ],
)
def test_enrollment(raw, expected):
    assert normalize.enrollment(raw) == expected


def test_agency_class_and_types():
    assert normalize.agency_class("OTHER") == "OTHER"
    assert normalize.agency_class("INDIV") == "OTHER"
    assert normalize.agency_class("Industry") == "INDUSTRY"
    assert normalize.arm_type("Experimental group") == "EXPERIMENTAL"
    assert normalize.intervention_type("Dietary Supplement") == "DIETARY_SUPPLEMENT"


def test_clean_text_decodes_escaped_quotes_and_entities():
    assert normalize.clean_text("the patient\\'s  safety &amp; more") == "the patient's safety & more"
    assert normalize.clean_text("   ") is None


def test_nct_ids():
    assert normalize.is_nct_id("NCT06949241")
    assert not normalize.is_nct_id("NCT0694924")
    assert not normalize.is_nct_id(None)
