"""The history example queries (issue #15) answer their question on the fixture warehouse's story
(fixture_history.py): seed 000 went RECRUITING -> ACTIVE_NOT_RECRUITING, its enrollment 70 -> 76 and
its primary outcome was replaced after its start date, in run-2026-11-22.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixture_history import CHANGED_TRIAL, NEW_PRIMARY_OUTCOME, OLD_PRIMARY_OUTCOME, SECOND_RUN

QUERY_DIR = Path(__file__).resolve().parents[2] / "queries"
HISTORY_QUERIES = ("status_transitions_over_time", "primary_outcomes_changed_after_start", "enrollment_revisions")


@pytest.fixture()
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def run(con: duckdb.DuckDBPyConnection, name: str, **variables: str) -> list[dict[str, object]]:
    for variable, value in variables.items():
        con.execute(f"set variable {variable} = ?", [value])
    relation = con.sql((QUERY_DIR / f"{name}.sql").read_text())
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def test_history_queries_exist() -> None:
    assert all((QUERY_DIR / f"{name}.sql").is_file() for name in HISTORY_QUERIES)


def test_status_transitions_over_time(con: duckdb.DuckDBPyConnection) -> None:
    rows = run(con, "status_transitions_over_time")
    total = con.execute("select count(*) from marts.trial_changes where field_name = 'overall_status'").fetchone()[0]  # type: ignore[index]
    assert len(rows) == total
    if "NCT06949241" in {row["nct_id"] for row in rows} and SECOND_RUN[0] in {row["run_id"] for row in rows}:
        assert any(
            (row["nct_id"], row["from_status"], row["to_status"])
            == (CHANGED_TRIAL, "RECRUITING", "ACTIVE_NOT_RECRUITING")
            for row in rows
        )
    assert all(
        row["to_status"] == "TERMINATED" for row in run(con, "status_transitions_over_time", to_status="TERMINATED")
    )


def test_primary_outcomes_changed_after_start(con: duckdb.DuckDBPyConnection) -> None:
    rows = run(con, "primary_outcomes_changed_after_start")
    assert all(row["changed_at"].date() > row["start_date"] for row in rows)  # type: ignore[union-attr]
    if any(row["run_id"] == SECOND_RUN[0] for row in rows):
        assert {(row["nct_id"], row["change"], row["primary_outcome"]) for row in rows} >= {
            (CHANGED_TRIAL, "removed", OLD_PRIMARY_OUTCOME),
            (CHANGED_TRIAL, "added", NEW_PRIMARY_OUTCOME),
        }


def test_enrollment_revisions(con: duckdb.DuckDBPyConnection) -> None:
    rows = run(con, "enrollment_revisions")
    assert all(
        row["enrollment"] != row["previous_enrollment"] or row["enrollment_type"] != row["previous_enrollment_type"]
        for row in rows
    )
    if any(row["run_id"] == SECOND_RUN[0] for row in rows):
        revision = next(row for row in rows if row["nct_id"] == CHANGED_TRIAL)
        assert (revision["previous_enrollment"], revision["enrollment"], revision["difference"]) == (70, 76, 6)
