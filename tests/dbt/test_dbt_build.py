"""Runs the real `dbt build` against a staging database built with trialmart.load.

The staging data is hand-made: two documents describing the same trial with different
last_update_date values, two byte-identical copies of one document, a REJECTED document,
and one document holding two trials. The assertions check the duplicate rule, that child
rows are never multiplied across sources, the conflict report, the source_documents keys
and the n_* counts of marts.trials.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from trialmart.load import append_documents, create_staging_tables
from trialmart.records import (
    Arm,
    Contact,
    Criterion,
    Identifier,
    Intervention,
    Location,
    Outcome,
    ParsedDocument,
    ParseIssue,
    ParseStatus,
    RelatedTrial,
    Sponsor,
    Trial,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not DBT_EXECUTABLE.exists() and shutil.which("dbt") is None, reason="dbt is not installed"),
]

OLD_MIRROR_FILE = "mirror/NCT11111111.txt"
NEW_JSON_FILE = "ctgov/NCT11111111.json"
FIRST_COPY_FILE = "copies/a_NCT22222222.txt"
SECOND_COPY_FILE = "copies/b_NCT22222222.txt"
REJECTED_FILE = "junk/not_a_trial.html"
MULTI_TRIAL_FILE = "ctgov/batch.xml"


def _document(source_file: str, content: bytes, family: str | None, status: ParseStatus, trials=(), message=None):
    return ParsedDocument(
        source_file=source_file,
        content_sha256=hashlib.sha256(content).hexdigest(),
        bytes=len(content),
        source_family=family,
        parse_status=status,
        message=message,
        trials=tuple(trials),
    )


def _old_mirror_record() -> Trial:
    """The mirror page, last updated 2024: older, and it disagrees on several fields."""
    return Trial(
        nct_id="NCT11111111",
        brief_title="Aspirin for Headache",
        overall_status="RECRUITING",
        overall_status_raw="Recruiting",
        phase="PHASE2",
        study_type="INTERVENTIONAL",
        enrollment=80,
        enrollment_type="ESTIMATED",
        last_update_date=date(2024, 1, 15),
        sex="ALL",
        brief_summary="A longer summary the newer record does not repeat.",
        arms=(
            Arm("Aspirin", "EXPERIMENTAL", intervention_names=("Aspirin",)),
            Arm("Placebo", "PLACEBO_COMPARATOR", intervention_names=("Placebo",)),
        ),
        interventions=(Intervention("Aspirin", "DRUG"), Intervention("Placebo", "DRUG")),
        outcomes=(Outcome("PRIMARY", "Pain at 2 hours"),),
        conditions=("Headache",),
        criteria=(Criterion("INCLUSION", "Adults"),),
        sponsors=(Sponsor("Old Name Pharma", "LEAD", "INDUSTRY"),),
        locations=(Location("Old Clinic", "Oslo", None, "Norway"),),
    )


def _new_json_record() -> Trial:
    """The official record, last updated 2025: the one the marts must show."""
    return Trial(
        nct_id="NCT11111111",
        brief_title="Aspirin for Tension Headache",
        official_title="A Randomized Trial of Aspirin for Tension-Type Headache",
        overall_status="COMPLETED",
        overall_status_raw="Completed",
        phase="PHASE3",
        study_type="INTERVENTIONAL",
        enrollment=120,
        enrollment_type="ACTUAL",
        start_date=date(2023, 3, 1),
        start_date_precision="MONTH",
        last_update_date=date(2025, 6, 1),
        allocation="RANDOMIZED",
        masking="DOUBLE",
        sex="ALL",
        minimum_age_years=18.0,
        minimum_age_raw="18 Years",
        healthy_volunteers=False,
        has_results=True,
        arms=(
            Arm("Aspirin 500 mg", "EXPERIMENTAL", intervention_names=("Drug: Aspirin", "  behavioral   ADVICE ")),
            Arm("Aspirin 1000 mg", "EXPERIMENTAL", intervention_names=("Drug: Aspirin",)),
            Arm("Placebo", "PLACEBO_COMPARATOR", intervention_names=("Drug: Placebo", "Drug: Unlisted Pill")),
        ),
        interventions=(
            Intervention("Aspirin", "DRUG"),
            Intervention("Placebo", "DRUG"),
            Intervention("Behavioral advice", "BEHAVIORAL"),
        ),
        outcomes=(
            Outcome("PRIMARY", "Pain free at 2 hours", "2 hours"),
            Outcome("SECONDARY", "Rescue medication use", "24 hours"),
            Outcome("PRIMARY", "Pain relief at 2 hours", "2 hours"),
            Outcome("OTHER", "Adverse events", "7 days"),
        ),
        conditions=("Tension-Type Headache", "Headache"),
        criteria=(
            Criterion("INCLUSION", "Age 18 or older"),
            Criterion("EXCLUSION", "Pregnancy"),
            Criterion("INCLUSION", "Episodic tension-type headache"),
            Criterion("EXCLUSION", "Aspirin allergy"),
            Criterion("INCLUSION", "Informed consent"),
        ),
        sponsors=(
            Sponsor("Acme University", "COLLABORATOR", "OTHER"),
            Sponsor("Acme Pharma", "LEAD", "INDUSTRY"),
        ),
        locations=(
            Location("Clinic One", "Oslo", None, "Norway"),
            Location("Clinic Two", "Bergen", None, "Norway"),
        ),
        identifiers=(Identifier("ACME-001", "ORG_STUDY_ID"),),
        related_trials=(RelatedTrial("NCT99999999", "An earlier pilot"),),
        contacts=(Contact("Jane Doe", "PRINCIPAL_INVESTIGATOR", "Acme University"),),
        issues=(ParseIssue("enrollment", "enrollment stated twice"),),
    )


def _copied_record() -> Trial:
    """Held by two byte-identical files: no dates, equally complete -> first file wins."""
    return Trial(
        nct_id="NCT22222222",
        brief_title="Observational Cohort of Migraine",
        study_type="OBSERVATIONAL",
        observational_model="COHORT",
        time_perspective="PROSPECTIVE",
        arms=(Arm("Migraine cohort"),),
        conditions=("Migraine",),
        sponsors=(Sponsor("City Hospital", "LEAD", "OTHER"),),
    )


def _staging_documents() -> list[ParsedDocument]:
    copy_bytes = b"identical page bytes for NCT22222222"
    return [
        _document(OLD_MIRROR_FILE, b"old mirror page", "ctgov_mirror", ParseStatus.PARSED, [_old_mirror_record()]),
        _document(
            NEW_JSON_FILE,
            b'{"new": "json"}',
            "ctgov_json",
            ParseStatus.PARTIAL,
            [_new_json_record()],
            message="1 warning",
        ),
        _document(SECOND_COPY_FILE, copy_bytes, "bulleted_registry", ParseStatus.PARSED, [_copied_record()]),
        _document(FIRST_COPY_FILE, copy_bytes, "bulleted_registry", ParseStatus.PARSED, [_copied_record()]),
        _document(REJECTED_FILE, b"<html>cookie wall</html>", None, ParseStatus.REJECTED, message="no layout matched"),
        _document(
            MULTI_TRIAL_FILE,
            b"<batch/>",
            "ctgov_xml",
            ParseStatus.PARSED,
            [Trial("NCT33333333", brief_title="Third"), Trial("NCT44444444", brief_title="Fourth")],
        ),
    ]


@pytest.fixture(scope="module")
def dbt_work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Runs the full `dbt build` (models, data tests and unit tests) once; returns the work folder."""
    work = tmp_path_factory.mktemp("dbt_work")
    database = work / "work.duckdb"
    with duckdb.connect(str(database)) as con:
        create_staging_tables(con)
        append_documents(con, _staging_documents())
    dbt = str(DBT_EXECUTABLE) if DBT_EXECUTABLE.exists() else "dbt"
    env = os.environ | {
        "TRIALMART_WORK_DB": str(database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_VERSION_CHECK": "false",
        "DO_NOT_TRACK": "1",
    }
    # the pipeline's invocation, except that the unit tests run here too (the pipeline skips them)
    command = [
        dbt,
        "build",
        "--project-dir",
        "dbt_project",
        "--profiles-dir",
        "dbt_project",
        "--target-path",
        str(work / "dbt" / "target"),
        "--log-path",
        str(work / "dbt" / "logs"),
    ]
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return work


@pytest.fixture(scope="module")
def warehouse(dbt_work: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(dbt_work / "work.duckdb"), read_only=True)
    yield con
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_one_trials_row_per_trial_and_rejected_documents_excluded(warehouse):
    rows = _rows(warehouse, "select nct_id, count(*) from marts.trials group by nct_id order by nct_id")
    assert rows == [("NCT11111111", 1), ("NCT22222222", 1), ("NCT33333333", 1), ("NCT44444444", 1)]


def test_latest_last_update_date_wins(warehouse):
    row = _rows(
        warehouse,
        "select brief_title, phase, overall_status, source_file, source_family, lead_sponsor, "
        "last_update_date, n_source_documents from marts.trials where nct_id = 'NCT11111111'",
    )
    assert row == [
        (
            "Aspirin for Tension Headache",
            "PHASE3",
            "COMPLETED",
            NEW_JSON_FILE,
            "ctgov_json",
            "Acme Pharma",
            date(2025, 6, 1),
            2,
        )
    ]


def test_selected_record_fields_are_not_filled_from_other_sources(warehouse):
    # the older mirror page has a summary; the selected record has none, so the mart shows NULL
    assert _rows(warehouse, "select brief_summary from marts.trials where nct_id = 'NCT11111111'") == [(None,)]


def test_tie_goes_to_first_source_file(warehouse):
    assert _rows(warehouse, "select source_file from marts.trials where nct_id = 'NCT22222222'") == [(FIRST_COPY_FILE,)]


def test_child_rows_come_only_from_the_selected_record(warehouse):
    per_trial = dict(_rows(warehouse, "select nct_id, count(*) from marts.arms group by nct_id"))
    assert per_trial == {"NCT11111111": 3, "NCT22222222": 1}
    labels = _rows(warehouse, "select arm_id, label from marts.arms where nct_id = 'NCT11111111' order by arm_ordinal")
    assert labels == [
        ("NCT11111111:arm:1", "Aspirin 500 mg"),
        ("NCT11111111:arm:2", "Aspirin 1000 mg"),
        ("NCT11111111:arm:3", "Placebo"),
    ]
    conditions = _rows(warehouse, "select condition from marts.conditions where nct_id = 'NCT22222222'")
    assert conditions == [("Migraine",)]
    sponsors = _rows(
        warehouse, "select sponsor_name, sponsor_role from marts.sponsors where nct_id = 'NCT11111111' order by 1"
    )
    assert sponsors == [("Acme Pharma", "LEAD"), ("Acme University", "COLLABORATOR")]


def test_n_counts_match_the_child_marts(warehouse):
    row = _rows(
        warehouse,
        "select n_arms, n_interventions, n_primary_outcomes, n_secondary_outcomes, n_other_outcomes, "
        "n_conditions, n_locations, n_inclusion_criteria, n_exclusion_criteria, "
        "n_unmatched_arm_intervention_names from marts.trials where nct_id = 'NCT11111111'",
    )
    assert row == [(3, 3, 2, 1, 1, 2, 2, 3, 2, 1)]
    empty = _rows(
        warehouse,
        "select n_arms, n_interventions, n_primary_outcomes, n_conditions, n_locations, n_inclusion_criteria "
        "from marts.trials where nct_id = 'NCT33333333'",
    )
    assert empty == [(0, 0, 0, 0, 0, 0)]


def test_outcomes_and_criteria_are_numbered_within_their_type(warehouse):
    outcomes = _rows(
        warehouse,
        "select outcome_id, outcome_ordinal, measure from marts.outcomes where nct_id = 'NCT11111111' "
        "order by outcome_type, outcome_ordinal",
    )
    assert outcomes == [
        ("NCT11111111:outcome:other:1", 1, "Adverse events"),
        ("NCT11111111:outcome:primary:1", 1, "Pain free at 2 hours"),
        ("NCT11111111:outcome:primary:2", 2, "Pain relief at 2 hours"),
        ("NCT11111111:outcome:secondary:1", 1, "Rescue medication use"),
    ]
    criteria = _rows(
        warehouse,
        "select criterion_type, criterion_ordinal, criterion_text from marts.eligibility_criteria "
        "where nct_id = 'NCT11111111' order by criterion_type, criterion_ordinal",
    )
    assert criteria == [
        ("EXCLUSION", 1, "Pregnancy"),
        ("EXCLUSION", 2, "Aspirin allergy"),
        ("INCLUSION", 1, "Age 18 or older"),
        ("INCLUSION", 2, "Episodic tension-type headache"),
        ("INCLUSION", 3, "Informed consent"),
    ]


def test_arm_interventions_resolved_by_folded_name(warehouse):
    links = _rows(
        warehouse,
        "select arm_id, intervention_id from marts.arm_interventions where arm_id like 'NCT11111111:%' order by 1, 2",
    )
    assert links == [
        ("NCT11111111:arm:1", "NCT11111111:intervention:1"),
        ("NCT11111111:arm:1", "NCT11111111:intervention:3"),
        ("NCT11111111:arm:2", "NCT11111111:intervention:1"),
        ("NCT11111111:arm:3", "NCT11111111:intervention:2"),
    ]
    issues = _rows(
        warehouse,
        "select source_file, severity from marts.parse_issues "
        "where field = 'arms.intervention_names' and message like '%Unlisted Pill%'",
    )
    assert issues == [(NEW_JSON_FILE, "WARNING")]


def test_conflicts_between_sources_are_recorded(warehouse):
    conflicts = {
        row[0]: row[1:]
        for row in _rows(
            warehouse,
            "select field_name, selected_value, selected_source_file, other_value, other_source_file, "
            "other_source_family from marts.trial_source_conflicts where nct_id = 'NCT11111111'",
        )
    }
    assert conflicts["brief_title"] == (
        "Aspirin for Tension Headache",
        NEW_JSON_FILE,
        "Aspirin for Headache",
        OLD_MIRROR_FILE,
        "ctgov_mirror",
    )
    assert conflicts["phase"][0:3:2] == ("PHASE3", "PHASE2")
    assert conflicts["enrollment"][0:3:2] == ("120", "80")
    assert conflicts["lead_sponsor"][0:3:2] == ("Acme Pharma", "Old Name Pharma")
    assert conflicts["n_arms"][0:3:2] == ("3", "2")
    assert "sex" not in conflicts  # both records say ALL
    assert "official_title" not in conflicts  # the other record states none
    # identical copies never conflict
    assert _rows(warehouse, "select count(*) from marts.trial_source_conflicts where nct_id = 'NCT22222222'") == [(0,)]


def test_source_documents_one_row_per_file_with_unique_ids(warehouse):
    rows = {
        row[0]: row[1:]
        for row in _rows(
            warehouse,
            "select source_file, document_id, content_sha256, nct_id, parse_status, n_trials, is_selected_source "
            "from marts.source_documents",
        )
    }
    assert set(rows) == {
        OLD_MIRROR_FILE,
        NEW_JSON_FILE,
        FIRST_COPY_FILE,
        SECOND_COPY_FILE,
        REJECTED_FILE,
        MULTI_TRIAL_FILE,
    }
    document_ids = [row[0] for row in rows.values()]
    assert len(set(document_ids)) == len(document_ids)
    copy_hash = hashlib.sha256(b"identical page bytes for NCT22222222").hexdigest()
    assert rows[FIRST_COPY_FILE][:2] == (copy_hash, copy_hash)
    assert rows[SECOND_COPY_FILE][:2] == (f"{copy_hash}-2", copy_hash)
    assert rows[NEW_JSON_FILE][0] == hashlib.sha256(b'{"new": "json"}').hexdigest()
    assert rows[REJECTED_FILE][2:] == (None, "REJECTED", 0, False)
    assert rows[MULTI_TRIAL_FILE][2:] == (None, "PARSED", 2, True)
    assert rows[NEW_JSON_FILE][2:] == ("NCT11111111", "PARTIAL", 1, True)
    assert rows[OLD_MIRROR_FILE][-1] is False
    assert rows[SECOND_COPY_FILE][-1] is False


def test_parser_issues_are_published_with_their_trial(warehouse):
    rows = _rows(
        warehouse, "select source_file, nct_id, field, severity from marts.parse_issues where field = 'enrollment'"
    )
    assert rows == [(NEW_JSON_FILE, "NCT11111111", "enrollment", "WARNING")]


def test_marts_have_the_contract_types(warehouse):
    types = dict(
        _rows(
            warehouse,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'trials'",
        )
    )
    assert types["enrollment"] == "INTEGER"
    assert types["start_date"] == "DATE"
    assert types["minimum_age_years"] == "DOUBLE"
    assert types["healthy_volunteers"] == "BOOLEAN"
    assert types["n_arms"] == "INTEGER"
    assert _rows(warehouse, "select count(*) from marts.dq_results") == [(0,)]


def test_build_ran_the_unit_tests_and_one_structural_test_per_mart(dbt_work: Path):
    results = json.loads((dbt_work / "dbt" / "target" / "run_results.json").read_text())
    statuses = {result["unique_id"]: result["status"] for result in results["results"]}
    unit_tests = [node for node in statuses if node.startswith("unit_test.")]
    assert len(unit_tests) == 2
    checked_marts = {node.split(".")[2].removeprefix("mart_checks_") for node in statuses if node.startswith("test.")}
    contract_marts = {
        "trials", "arms", "interventions", "arm_interventions", "outcomes", "conditions",
        "eligibility_criteria", "sponsors", "locations", "identifiers", "related_trials",
        "contacts", "source_documents",
    }  # fmt: skip
    assert contract_marts <= checked_marts
    assert set(statuses.values()) == {"success", "pass"}


def _mart_check_failures(dbt_work: Path, tmp_path: Path, mart: str, corruption: list[str]) -> list[tuple]:
    """Corrupt a copy of the built database, then run the mart's compiled structural test on it."""
    # same file name, so the catalog name ("work") the compiled SQL uses still resolves
    copy = tmp_path / "work.duckdb"
    shutil.copy(dbt_work / "work.duckdb", copy)
    compiled = next((dbt_work / "dbt" / "target" / "compiled").rglob(f"mart_checks_{mart}.sql"))
    with duckdb.connect(str(copy)) as con:
        for statement in corruption:
            con.execute(statement)
        return con.execute(compiled.read_text()).fetchall()


def test_structural_checks_pass_on_the_built_marts(dbt_work: Path, tmp_path: Path):
    assert _mart_check_failures(dbt_work, tmp_path, "arms", []) == []


def test_structural_checks_name_the_column_and_the_bad_value(dbt_work: Path, tmp_path: Path):
    failures = _mart_check_failures(
        dbt_work,
        tmp_path,
        "arms",
        [
            "update marts.arms set arm_type = 'NOT_A_CODE', label = null where arm_id = 'NCT11111111:arm:1'",
            "insert into marts.arms select arm_id, 'NCT00000000', arm_ordinal, label, arm_type, description "
            "from marts.arms where arm_id = 'NCT11111111:arm:2'",
        ],
    )
    by_check = {(check, column): (value, n_rows, message) for check, column, value, n_rows, message in failures}
    assert by_check[("accepted_values", "arm_type")] == (
        "NOT_A_CODE",
        1,
        "marts.arms.arm_type = 'NOT_A_CODE' is not an accepted code (1 rows)",
    )
    assert by_check[("not_null", "label")][1:] == (1, "marts.arms.label is NULL (1 rows)")
    assert by_check[("unique", "arm_id")][:2] == ("NCT11111111:arm:2", 2)
    assert by_check[("relationships", "nct_id")] == (
        "NCT00000000",
        1,
        "marts.arms.nct_id = 'NCT00000000' has no parent in marts.trials.nct_id (1 rows)",
    )
    assert len(failures) == 4


def test_combined_key_check_reports_the_duplicate_combination(dbt_work: Path, tmp_path: Path):
    failures = _mart_check_failures(
        dbt_work,
        tmp_path,
        "eligibility_criteria",
        [
            "insert into marts.eligibility_criteria select * from marts.eligibility_criteria "
            "where nct_id = 'NCT11111111' and criterion_type = 'EXCLUSION' and criterion_ordinal = 2"
        ],
    )
    assert failures == [
        (
            "unique_combination",
            "nct_id+criterion_type+criterion_ordinal",
            "NCT11111111 | EXCLUSION | 2",
            2,
            "marts.eligibility_criteria.nct_id+criterion_type+criterion_ordinal = 'NCT11111111 | EXCLUSION | 2' "
            "is not unique (2 rows)",
        )
    ]

