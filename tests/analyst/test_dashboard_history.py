"""The dashboard's "Recent changes" section (issue #15): right rows, and it copes with warehouses
that have no history yet (empty) or were published before history was kept (no history marts)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "dashboard"))

from fixture_warehouse import MARTS_DDL
from warehouse_data import load_recent_changes, load_trial_changes

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


def run_app(monkeypatch: pytest.MonkeyPatch, warehouse: Path, nct_id: str | None = None) -> AppTest:
    monkeypatch.setenv("TRIALMART_WAREHOUSE", str(warehouse))
    app = AppTest.from_file(APP, default_timeout=60)
    if nct_id:
        app.query_params["nct_id"] = nct_id
    app.run()
    assert not app.exception, app.exception
    return app


def _scalar(warehouse: Path, sql: str) -> object:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]  # type: ignore[index]
    finally:
        con.close()


def test_recent_changes_are_the_newest_change_rows(warehouse: Path) -> None:
    recent = load_recent_changes(warehouse, limit=5)
    assert recent.available
    total = _scalar(warehouse, "select count(*) from marts.trial_changes")
    assert len(recent.latest) == min(5, int(total))  # type: ignore[arg-type]
    newest = _scalar(warehouse, "select max(detected_at) from marts.trial_changes")
    if total:
        assert recent.latest["detected_at"].iloc[0] == newest
        assert recent.per_run["changes"].sum() == total
        assert recent.runs_with_changes == _scalar(warehouse, "select count(distinct run_id) from marts.trial_changes")


def test_section_renders_with_the_latest_change(monkeypatch: pytest.MonkeyPatch, warehouse: Path) -> None:
    latest = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = latest.execute(
            "select nct_id, field_name, coalesce(new_value, old_value) from marts.trial_changes"
            " order by detected_at desc, nct_id, change_type, field_name, old_value, new_value limit 1"
        ).fetchone()
    finally:
        latest.close()
    app = run_app(monkeypatch, warehouse)
    headers = [header.value for header in app.header]
    assert headers.index("Recent changes") == headers.index("Trial drill-down") - 1
    if row is not None:
        shown = [table.value for table in app.table]
        assert any(
            ((frame["nct_id"] == row[0]) & (frame["field_name"] == row[1])).any()
            for frame in shown
            if {"nct_id", "field_name"} <= set(frame.columns)
        )


def test_drill_down_lists_the_trials_changes(monkeypatch: pytest.MonkeyPatch, warehouse: Path) -> None:
    nct_id = _scalar(
        warehouse,
        "select nct_id from marts.trial_changes where change_type <> 'ADDED' and nct_id in"
        " (select nct_id from marts.trials) order by detected_at desc, nct_id limit 1",
    )
    if nct_id is None:
        pytest.skip("no trial of this warehouse changed after its first run")
    changes = load_trial_changes(warehouse, str(nct_id))
    app = run_app(monkeypatch, warehouse, str(nct_id))
    assert any(f"**History** ({len(changes)} changes" in markdown.value for markdown in app.markdown)


def test_empty_history_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(empty))
    con.execute(MARTS_DDL)
    con.close()
    app = run_app(monkeypatch, empty)
    assert any("No changes recorded yet" in info.value for info in app.info)


def test_warehouse_without_history_marts_still_renders(
    monkeypatch: pytest.MonkeyPatch, warehouse: Path, tmp_path: Path
) -> None:
    older = tmp_path / "older.duckdb"
    shutil.copyfile(warehouse, older)
    con = duckdb.connect(str(older))
    con.execute("drop table if exists marts.trial_changes")
    con.execute("drop table if exists marts.trial_history")
    con.close()
    assert not load_recent_changes(older).available
    app = run_app(monkeypatch, older)
    assert any("keeps no trial history" in info.value for info in app.info)
    assert [header.value for header in app.header][-1] == "Trial drill-down"
