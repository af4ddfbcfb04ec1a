"""The dashboard's data layer: right numbers, and no connection left open after a page load."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "dashboard"))

from warehouse_data import NOT_STATED, load_overview, load_trial


@pytest.fixture()
def private_copy(warehouse: Path, tmp_path: Path) -> Path:
    """A copy this test may open read-write without touching the shared warehouse."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    return copy


def test_overview_counts_match_the_marts(warehouse: Path) -> None:
    overview = load_overview(warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert overview.counts["trials"] == con.execute("select count(*) from marts.trials").fetchone()[0]  # type: ignore[index]
        assert overview.counts["documents"] == con.execute("select count(*) from marts.source_documents").fetchone()[0]  # type: ignore[index]
    finally:
        con.close()
    assert overview.by_status["trials"].sum() == overview.counts["trials"]
    assert overview.by_phase["trials"].sum() == overview.counts["trials"]
    # seed 004's status "Not Recruiting" maps to no single code: counted as not stated, not guessed
    if "NCT04743739" in overview.nct_ids:
        assert NOT_STATED in set(overview.by_status["value"])


def test_trial_detail_links_arms_to_interventions(warehouse: Path) -> None:
    # seed 002: "Standard dose group ... Treatment: Drug: Standard dose of rituximab"
    detail = load_trial(warehouse, "NCT04127747")
    assert detail is not None
    arms = dict(zip(detail.arms["arm"], detail.arms["interventions"], strict=True))
    assert arms["Standard dose group"] == "Standard dose of rituximab"
    assert load_trial(warehouse, "NCT00000000") is None


def test_page_load_leaves_no_connection_open(private_copy: Path) -> None:
    overview = load_overview(private_copy)
    load_trial(private_copy, overview.nct_ids[0])
    # DuckDB refuses a read-write connection to a file this process still holds read-only,
    # so this succeeds only if both loads closed their connections
    writer = duckdb.connect(str(private_copy))
    writer.execute("create table marts.written_after_page_load as select 1 as x")
    writer.close()


def test_data_quality_failures_are_all_counted_and_coloured(warehouse: Path) -> None:
    overview = load_overview(warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        failed = con.execute("select count(*) from marts.dq_results where not success").fetchone()[0]  # type: ignore[index]
    finally:
        con.close()
    assert overview.dq_runs["failed"].sum() == failed
    # the chart colours exactly these; any other spelling would draw no bar
    assert set(overview.dq_runs["severity"]) <= {"CRITICAL", "WARNING"}
