"""Each expectation family proven to fire, and a clean warehouse proven to pass.

GX is slowish, so each scenario (clean, corrupted staging, corrupted marts, warnings
only) runs its checkpoint once per session; the tests then read the outcomes.
Trial numbers in the sample warehouse: 1-5 ctgov_json (one page), 6-10 ctgov_xml,
11-15 ctgov_mirror, 16-20 bulleted_registry, 21-25 veeva, 26-30 aggregator.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from trialmart import quality
from trialmart.quality import CheckpointResult, ExpectationOutcome

from .conftest import TODAY

STAGING_CORRUPTIONS = (
    # a duplicate staging key: the same trial row loaded twice
    "insert into raw.trials select * from raw.trials where nct_id = 'NCT05000017'",
    # a status code outside the contract's list
    "update raw.trials set overall_status = 'RECRUITNG' where nct_id = 'NCT05000002'",
    # a layout change that silently empties a field: every veeva summary gone
    "update raw.trials set brief_summary = null where source_family = 'veeva'",
    # a raw file the loader never recorded
    "delete from raw.documents where source_file = 'aggregator/NCT05000027.txt'",
    # a child row whose trial is not staged
    "insert into raw.conditions (source_file, record_index, condition_ordinal, condition)"
    " values ('nowhere.txt', 0, 1, 'Lupus')",
    # an arm type outside the contract's list, on both arms of trial 7
    "update raw.arms set arm_type = 'ACTIVE' where source_file = 'ctgov_xml/NCT05000007.txt'",
    # a malformed NCT id
    "update raw.trials set nct_id = 'NCT5000003' where nct_id = 'NCT05000003'",
    # a document reported parsed that produced no trial
    "update raw.documents set parse_status = 'PARSED', message = null where source_file = 'misc/unknown_layout.html'",
)

MARTS_CORRUPTIONS = (
    "insert into marts.arms values ('NCT09999999-arm-1', 'NCT09999999', 1, 'Ghost arm', 'EXPERIMENTAL', null)",
    "update marts.trials set minimum_age_years = 70, maximum_age_years = 18 where nct_id = 'NCT05000006'",
    "update marts.trials set n_arms = n_arms + 3 where nct_id = 'NCT05000007'",
    "update marts.trials set maximum_age_years = 150 where nct_id = 'NCT05000008'",
    "update marts.trials set start_date = date '1900-01-01' where nct_id = 'NCT05000009'",
    "update marts.trials set enrollment = -5 where nct_id = 'NCT05000010'",
    "delete from marts.source_documents where source_file = 'ctgov_mirror/NCT05000012.txt'",
    "update marts.trials set lead_sponsor = null",
    "drop table marts.arm_interventions",
)

WARNING_ONLY_CORRUPTIONS = (
    # registries do hold trials whose completion precedes their start: reported, not fatal
    "update marts.trials set completion_date = date '2015-01-01' where nct_id = 'NCT05000016'",
    # 2 of 5 veeva trials lose their sex: the family's fill rate drops to 0.6 (warning at 0.7)
    "update raw.trials set sex = null where nct_id in ('NCT05000021', 'NCT05000022')",
)


def run_both(con: duckdb.DuckDBPyConnection, expected_files: list[str]) -> dict[str, CheckpointResult]:
    return {
        checkpoint: quality.run_checkpoint(con, checkpoint, expected_source_files=expected_files, today=TODAY)
        for checkpoint in ("staging", "marts")
    }


@pytest.fixture(scope="session")
def clean_results(clean_warehouse: tuple[Path, list[str]]) -> dict[str, CheckpointResult]:
    path, files = clean_warehouse
    with duckdb.connect(str(path), read_only=True) as con:
        return run_both(con, files)


def _corrupted_results(
    clean_warehouse: tuple[Path, list[str]], tmp_path: Path, statements: tuple[str, ...], checkpoints: tuple[str, ...]
) -> dict[str, CheckpointResult]:
    source, files = clean_warehouse
    target = tmp_path / "corrupted.duckdb"
    target.write_bytes(source.read_bytes())
    with duckdb.connect(str(target)) as con:
        for statement in statements:
            con.execute(statement)
        return {
            checkpoint: quality.run_checkpoint(con, checkpoint, expected_source_files=files, today=TODAY)
            for checkpoint in checkpoints
        }


@pytest.fixture(scope="session")
def staging_failures(
    clean_warehouse: tuple[Path, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> CheckpointResult:
    return _corrupted_results(clean_warehouse, tmp_path_factory.mktemp("staging"), STAGING_CORRUPTIONS, ("staging",))[
        "staging"
    ]


@pytest.fixture(scope="session")
def marts_failures(
    clean_warehouse: tuple[Path, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> CheckpointResult:
    return _corrupted_results(clean_warehouse, tmp_path_factory.mktemp("marts"), MARTS_CORRUPTIONS, ("marts",))["marts"]


@pytest.fixture(scope="session")
def warning_results(
    clean_warehouse: tuple[Path, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, CheckpointResult]:
    return _corrupted_results(
        clean_warehouse, tmp_path_factory.mktemp("warnings"), WARNING_ONLY_CORRUPTIONS, ("staging", "marts")
    )


def find_failure(
    result: CheckpointResult, expectation: str, table: str, column: str | None = None
) -> ExpectationOutcome:
    """The failed outcome whose expectation name contains `expectation`, on that table (and column)."""
    matches = [
        o
        for o in result.outcomes
        if not o.success
        and expectation in o.expectation
        and o.table_name == table
        and (column is None or o.column_name == column)
    ]
    assert matches, f"no failure {expectation!r} on {table}.{column}:\n{result.failure_message()}"
    return matches[0]


# --- the clean warehouse ----------------------------------------------------------------------


def test_clean_warehouse_passes_every_expectation(clean_results: dict[str, CheckpointResult]) -> None:
    for result in clean_results.values():
        assert result.success, result.failure_message()
        assert not result.warning_failures, result.failure_message()


def test_both_checkpoints_cover_every_family_of_checks(clean_results: dict[str, CheckpointResult]) -> None:
    staging_suites = {o.suite for o in clean_results["staging"].outcomes}
    marts_suites = {o.suite for o in clean_results["marts"].outcomes}
    assert staging_suites == {"staging_documents", "staging_trials", "staging_children", "staging_fill_rates"}
    assert marts_suites == {"marts_trials", "marts_integrity", "marts_source_documents", "marts_completeness"}
    assert {o.severity for r in clean_results.values() for o in r.outcomes} == {"critical", "warning"}


def test_results_are_stored_in_raw_dq_results(clean_results: dict[str, CheckpointResult], tmp_path: Path) -> None:
    run_at = datetime(2026, 11, 22, 3, 0, 0)
    with duckdb.connect(str(tmp_path / "results.duckdb")) as con:
        quality.store_results(con, list(clean_results.values()), "run-1", run_at)
        quality.store_results(con, list(clean_results.values()), "run-2", run_at)  # appends, does not replace
        columns = [row[0] for row in con.execute("describe raw.dq_results").fetchall()]
        counts = dict(con.execute("select run_id, count(*) from raw.dq_results group by run_id").fetchall())
        failed = con.execute("select count(*) from raw.dq_results where not success").fetchone()
        kwargs = con.execute(
            "select expectation_kwargs from raw.dq_results where column_name = 'nct_id' limit 1"
        ).fetchone()
    assert columns == [name for name, _ in quality.RESULTS_COLUMNS]
    total = sum(len(r.outcomes) for r in clean_results.values())
    assert counts == {"run-1": total, "run-2": total}
    assert failed == (0,)
    assert json.loads(kwargs[0])["column"] == "nct_id"


def test_report_is_self_contained_html(
    clean_results: dict[str, CheckpointResult], marts_failures: CheckpointResult, tmp_path: Path
) -> None:
    path = quality.write_report([clean_results["staging"], marts_failures], tmp_path / "report", "run 7")
    page = path.read_text(encoding="utf-8")
    assert path.suffix == ".html" and path.parent == tmp_path / "report"
    assert "<style>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "the report must not load external assets"
    assert "Checkpoint staging" in page and "Checkpoint marts" in page
    assert "FAILED" in page  # the summary's verdict for the corrupted marts
    assert "NCT05000006" in page  # an example offending value (min age > max age)


def test_frames_needing_expected_files_are_skipped_without_them(clean_warehouse: tuple[Path, list[str]]) -> None:
    path, _ = clean_warehouse
    with duckdb.connect(str(path), read_only=True) as con:
        result = quality.run_checkpoint(con, "marts", today=TODAY)
    names = {o.expectation for o in result.outcomes}
    assert not any(name.startswith("expected_files_missing") for name in names)
    assert any(name.startswith("staged_documents_missing") for name in names)


# --- staging: each family of checks fires --------------------------------------------------------


def test_staging_corruptions_fail_the_run(staging_failures: CheckpointResult) -> None:
    assert not staging_failures.success


@pytest.mark.parametrize(
    ("expectation", "table", "column", "example"),
    [
        ("duplicate_trial_keys", "raw.trials", "source_file, record_index", "bulleted_registry/NCT05000017.txt"),
        ("trial_codes: expect_column_values_to_be_in_set", "raw.trials", "overall_status", "RECRUITNG"),
        ("fill_rates_by_family", "raw.trials", "brief_summary", "veeva"),
        ("expected_files_missing", "raw.documents", "source_file", "aggregator/NCT05000027.txt"),
        ("orphan_conditions", "raw.conditions", "source_file, record_index", "nowhere.txt"),
        ("arm_types", "raw.arms", "arm_type", "ACTIVE"),
        ("trials: expect_column_values_to_match_regex", "raw.trials", "nct_id", "NCT5000003"),
        ("parsed_documents_without_trials", "raw.documents", "source_file", "misc/unknown_layout.html"),
    ],
)
def test_staging_failure_names_table_column_and_example(
    staging_failures: CheckpointResult, expectation: str, table: str, column: str, example: str
) -> None:
    outcome = find_failure(staging_failures, expectation, table, column)
    assert outcome.severity == "critical"
    assert example in (outcome.unexpected_examples or "")
    message = staging_failures.failure_message()
    line = next(line for line in message.splitlines() if outcome.describe() in line)
    assert table in line and column in line and example in line


def test_grouped_frames_count_rows_not_groups(staging_failures: CheckpointResult) -> None:
    # both arms of trial 7 carry the bad code: two rows, one distinct value
    assert find_failure(staging_failures, "arm_types", "raw.arms", "arm_type").unexpected_count == 2
    assert find_failure(staging_failures, "trial_codes", "raw.trials", "overall_status").unexpected_count == 1


# --- marts: each family of checks fires ---------------------------------------------------------------


def test_marts_corruptions_fail_the_run(marts_failures: CheckpointResult) -> None:
    assert not marts_failures.success


@pytest.mark.parametrize(
    ("expectation", "table", "column", "example"),
    [
        (
            "age_limits: expect_column_pair_values_a_to_be_greater_than_b",
            "marts.trials",
            "maximum_age_years, minimum_age_years",
            "NCT05000006",
        ),
        ("count_columns", "marts.trials", "n_arms", "NCT05000007"),
        ("age_limits: expect_column_values_to_be_between", "marts.trials", "maximum_age_years", "NCT05000008"),
        ("plausible_start_date", "marts.trials", "start_date", "1900-01-01"),
        ("enrollment: expect_column_values_to_be_between", "marts.trials", "enrollment", "-5"),
        ("expected_files_missing", "marts.source_documents", "source_file", "ctgov_mirror/NCT05000012.txt"),
        ("staged_documents_missing", "marts.source_documents", "source_file", "ctgov_mirror/NCT05000012.txt"),
        ("trials_without_source_document", "marts.trials", "source_file", "NCT05000012"),
        ("fill_rates", "marts.trials", "lead_sponsor", "0.0"),
    ],
)
def test_marts_failure_names_table_column_and_example(
    marts_failures: CheckpointResult, expectation: str, table: str, column: str, example: str
) -> None:
    outcome = find_failure(marts_failures, expectation, table, column)
    assert outcome.severity == "critical"
    assert example in (outcome.unexpected_examples or "")
    message = marts_failures.failure_message()
    assert any(table in line and column in line and example in line for line in message.splitlines())


def test_grouped_marts_frames_count_trials(marts_failures: CheckpointResult) -> None:
    outcome = find_failure(marts_failures, "plausible_start_date", "marts.trials", "start_date")
    assert outcome.unexpected_count == 1


def test_count_mismatch_is_reported_only_for_the_wrong_column(marts_failures: CheckpointResult) -> None:
    failed_counts = {
        o.column_name for o in marts_failures.outcomes if not o.success and o.expectation.startswith("count_columns")
    }
    assert failed_counts == {"n_arms"}


def test_a_missing_table_is_a_failure_not_a_crash(marts_failures: CheckpointResult) -> None:
    outcome = find_failure(marts_failures, "broken_arm_intervention_links", "marts.arm_interventions", "arm_id, intervention_id")
    assert outcome.severity == "critical"
    assert outcome.observed_value is not None and outcome.observed_value.startswith("error: SQL failed")


# --- warnings are reported, not fatal --------------------------------------------------------------------


def test_warnings_do_not_fail_the_run(warning_results: dict[str, CheckpointResult]) -> None:
    staging, marts = warning_results["staging"], warning_results["marts"]
    assert staging.success and marts.success
    sex_rate = find_failure(staging, "fill_rates_by_family", "raw.trials", "sex")
    assert sex_rate.severity == "warning" and "veeva" in (sex_rate.unexpected_examples or "")
    order = find_failure(marts, "completion_date_not_before_start_date", "marts.trials", "completion_date, start_date")
    assert order.severity == "warning" and "NCT05000016" in (order.unexpected_examples or "")
    assert staging.warning_failures and marts.warning_failures
    assert "NCT05000016" in marts.failure_message()
