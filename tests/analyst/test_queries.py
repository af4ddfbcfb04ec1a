"""Every example query in queries/ runs against the warehouse, so none of them rots.

Each file must start with a header comment saying what it answers. Parameters are
DuckDB variables with a default (`coalesce(getvariable('term'), 'pregnan')`), so a file
runs as-is and an analyst overrides with `SET VARIABLE term = '...'`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

QUERY_DIR = Path(__file__).resolve().parents[2] / "queries"
QUERY_FILES = sorted(QUERY_DIR.glob("*.sql"))
REQUIRED_QUERIES = {
    "recruiting_trials_by_condition_and_country",
    "arms_and_interventions_of_a_trial",
    "trials_sharing_a_sponsor",
    "eligibility_criteria_mentioning_a_term",
    "age_ranges_by_phase",
    "related_trial_pairs",
    "data_quality_over_runs",
}


@pytest.fixture()
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def run(con: duckdb.DuckDBPyConnection, name: str, **variables: str) -> list[dict[str, object]]:
    for variable, value in variables.items():
        con.execute(f"set variable {variable} = ?", [value])
    relation = con.sql((QUERY_DIR / f"{name}.sql").read_text())
    columns = relation.columns
    return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]


def test_every_required_query_exists() -> None:
    assert {path.stem for path in QUERY_FILES} >= REQUIRED_QUERIES


@pytest.mark.parametrize("query_file", QUERY_FILES, ids=lambda path: path.stem)
def test_query_has_a_header_and_runs(query_file: Path, con: duckdb.DuckDBPyConnection) -> None:
    text = query_file.read_text()
    first_line = text.splitlines()[0]
    assert first_line.startswith("-- Answers:"), f"{query_file.name} must open with '-- Answers: ...'"
    relation = con.sql(text)
    assert relation is not None and relation.columns
    relation.fetchall()


def test_recruiting_trials_by_condition_and_country(con: duckdb.DuckDBPyConnection) -> None:
    # seed 001 (NCT05789017): RECRUITING, condition Autoimmune Diseases, site in Beijing, China
    rows = run(con, "recruiting_trials_by_condition_and_country")
    assert any(
        row["condition"] == "Autoimmune Diseases" and row["country"] == "China" and "NCT05789017" in row["nct_ids"]
        for row in rows
    )
    recruiting = {
        r[0] for r in con.execute("select nct_id from marts.trials where overall_status = 'RECRUITING'").fetchall()
    }
    listed = {nct_id for row in rows for nct_id in str(row["nct_ids"]).split(", ")}
    assert listed == recruiting


def test_status_parameter_selects_other_trials(con: duckdb.DuckDBPyConnection) -> None:
    # seed 003 (NCT06663943) is NOT_YET_RECRUITING and lists no condition or location
    rows = run(con, "recruiting_trials_by_condition_and_country", status="NOT_YET_RECRUITING")
    assert any("NCT06663943" in str(row["nct_ids"]) for row in rows)
    assert all("NCT05789017" not in str(row["nct_ids"]) for row in rows)


def test_arms_and_interventions_of_a_trial(con: duckdb.DuckDBPyConnection) -> None:
    # seed 002 (NCT04127747): Standard dose group -> Standard dose of rituximab (active comparator),
    # Individualized dose group -> Individualized dose of rituximab (experimental)
    rows = run(con, "arms_and_interventions_of_a_trial", nct_id="NCT04127747")
    pairs = {(row["arm_label"], row["intervention_name"]) for row in rows}
    assert ("Standard dose group", "Standard dose of rituximab") in pairs
    assert ("Individualized dose group", "Individualized dose of rituximab") in pairs
    assert {row["nct_id"] for row in rows} == {"NCT04127747"}


def test_trials_sharing_a_sponsor(con: duckdb.DuckDBPyConnection) -> None:
    # seeds 001 and 004 are both led by Peking Union Medical College Hospital
    rows = run(con, "trials_sharing_a_sponsor")
    peking = [row for row in rows if row["sponsor_name"] == "Peking Union Medical College Hospital"]
    assert peking and {"NCT05789017", "NCT04743739"} <= set(str(peking[0]["nct_ids"]).split(", "))
    assert all(int(row["n_trials"]) >= 2 for row in rows)


def test_eligibility_criteria_mentioning_a_term(con: duckdb.DuckDBPyConnection) -> None:
    # "Pregnant and lactating women;" is an exclusion criterion of seed 001
    rows = run(con, "eligibility_criteria_mentioning_a_term", term="lactating")
    assert any(row["nct_id"] == "NCT05789017" and row["criterion_type"] == "EXCLUSION" for row in rows)
    assert all("lactating" in str(row["criterion_text"]).lower() for row in rows)
    assert run(con, "eligibility_criteria_mentioning_a_term", term="no criterion says this zqxj") == []


def test_age_ranges_by_phase(con: duckdb.DuckDBPyConnection) -> None:
    # seed 002 is Phase 4 with ages 18 to 65 years
    rows = {row["phase"]: row for row in run(con, "age_ranges_by_phase")}
    assert rows["PHASE4"]["lowest_minimum_age_years"] == 18.0
    assert rows["PHASE4"]["highest_maximum_age_years"] >= 65.0
    total = con.execute("select count(*) from marts.trials").fetchone()[0]  # type: ignore[index]
    assert sum(int(row["n_trials"]) for row in rows.values()) == total


def test_related_trial_pairs(con: duckdb.DuckDBPyConnection) -> None:
    # seeds 000 and 003 list each other under "Related Clinical Trials"
    rows = run(con, "related_trial_pairs")
    pair = [row for row in rows if (row["first_nct_id"], row["second_nct_id"]) == ("NCT06663943", "NCT06949241")]
    assert pair and pair[0]["is_mutual"] and pair[0]["both_in_warehouse"]
    assert all(row["first_nct_id"] < row["second_nct_id"] for row in rows)


def test_data_quality_over_runs(con: duckdb.DuckDBPyConnection) -> None:
    rows = run(con, "data_quality_over_runs")
    expected_runs = con.execute("select count(distinct run_id) from marts.dq_results").fetchone()[0]  # type: ignore[index]
    assert len({row["run_id"] for row in rows}) == expected_runs
    for row in rows:
        assert 0 <= int(row["n_failed"]) <= int(row["n_expectations"])
