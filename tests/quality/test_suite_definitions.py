"""The committed suite files themselves: well-formed, and in step with the code's vocabularies."""

from __future__ import annotations

import json
from datetime import date

import pytest

from trialmart import normalize, quality
from trialmart.sources import FAMILIES

ALL_SUITES = [name for checkpoint in ("staging", "marts") for name in quality.checkpoint_suites(checkpoint)]


@pytest.mark.parametrize("suite", ALL_SUITES)
def test_every_suite_loads_with_a_severity_per_expectation(suite: str) -> None:
    frames = quality.load_suite(quality.EXPECTATIONS_DIR / "suites" / f"{suite}.yml")
    assert frames
    names = [frame.name for frame in frames]
    assert len(names) == len(set(names)), "frame names identify expectations in the results"
    for frame in frames:
        assert frame.sql.strip() and frame.table
        assert all(spec.severity in ("critical", "warning") for spec in frame.expectations)
        assert all(spec.type.startswith("expect_") for spec in frame.expectations)


def _value_sets(suite: str) -> dict[str, set[str]]:
    sets: dict[str, set[str]] = {}
    for frame in quality.load_suite(quality.EXPECTATIONS_DIR / "suites" / f"{suite}.yml"):
        for spec in frame.expectations:
            if spec.type == "expect_column_values_to_be_in_set":
                sets[spec.kwargs["column"]] = set(spec.kwargs["value_set"])
    return sets


def test_staging_code_lists_match_the_normalizers() -> None:
    trials = _value_sets("staging_trials")
    assert trials["overall_status"] == set(normalize.OVERALL_STATUS_CODES)
    assert trials["phase"] == set(normalize.PHASE_CODES)
    assert trials["study_type"] == set(normalize.STUDY_TYPE_CODES)
    assert trials["allocation"] == set(normalize.ALLOCATION_CODES)
    assert trials["intervention_model"] == set(normalize.INTERVENTION_MODEL_CODES)
    assert trials["primary_purpose"] == set(normalize.PRIMARY_PURPOSE_CODES)
    assert trials["masking"] == set(normalize.MASKING_CODES)
    assert trials["observational_model"] == set(normalize.OBSERVATIONAL_MODEL_CODES)
    assert trials["time_perspective"] == set(normalize.TIME_PERSPECTIVE_CODES)
    assert trials["sex"] == set(normalize.SEX_CODES)
    assert trials["enrollment_type"] == set(normalize.ENROLLMENT_TYPE_CODES)
    assert trials["source_family"] == set(FAMILIES)
    children = _value_sets("staging_children")
    assert children["arm_type"] == set(normalize.ARM_TYPE_CODES)
    assert children["intervention_type"] == set(normalize.INTERVENTION_TYPE_CODES)
    assert children["agency_class"] == set(normalize.AGENCY_CLASS_CODES)
    assert _value_sets("staging_documents")["source_family"] == set(FAMILIES)


def test_relative_dates_resolve_against_today() -> None:
    resolved = quality._resolved_kwargs(
        {"max_value": "today+15y", "min_value": "1950-01-01T00:00:00", "other": "today+1d"}, date(2026, 11, 22)
    )
    assert resolved == {
        "max_value": "2041-11-22T00:00:00",
        "min_value": "1950-01-01T00:00:00",
        "other": "2026-11-23T00:00:00",
    }


def test_unknown_checkpoint_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown checkpoint"):
        quality.checkpoint_suites("nightly")


def test_outcome_kwargs_are_json() -> None:
    outcome = quality.ExpectationOutcome(
        "marts",
        "s",
        "f: expect_x",
        "marts.trials",
        "nct_id",
        "critical",
        True,
        None,
        None,
        None,
        json.dumps({"column": "nct_id"}),
    )
    assert json.loads(outcome.expectation_kwargs) == {"column": "nct_id"}
