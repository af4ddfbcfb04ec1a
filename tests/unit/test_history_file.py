"""trialmart.history without dbt: the history file is read back into the work database, saved by
atomic rename, and run times stay strictly increasing (issue #15)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from trialmart.history import history_database, prepare_history, save_history
from trialmart.settings import Settings


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    settings = Settings(warehouse=tmp_path / "out" / "warehouse.duckdb", work_dir=tmp_path / "work")
    settings.resolved_work_dir.mkdir(parents=True)
    return settings


def _snapshot(settings: Settings, rows: list[tuple[str, str]]) -> None:
    """Stand in for `dbt snapshot`: history.trial_versions with a few columns."""
    con = duckdb.connect(str(settings.work_database))
    try:
        con.execute("create or replace table history.trial_versions (nct_id varchar, run_id varchar, arms varchar[])")
        if rows:
            con.executemany("insert into history.trial_versions values (?, ?, ['Arm A'])", rows)
    finally:
        con.close()


def _query(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_history_file_sits_beside_the_warehouse(settings: Settings) -> None:
    assert history_database(settings) == settings.warehouse.resolve().with_name("warehouse.history.duckdb")


def test_saved_history_is_read_back_into_a_new_work_database(settings: Settings) -> None:
    started = datetime(2026, 12, 1, 5, 0)
    state = prepare_history(settings, "run-1", started)
    assert (state.restored, state.versions, state.runs, state.run_at) == (False, 0, 0, started)
    _snapshot(settings, [("NCT00000001", "run-1")])
    path = save_history(settings)
    assert path == history_database(settings) and not list(settings.resolved_work_dir.glob(".*.tmp*"))

    settings.work_database.unlink()  # the work folder is rebuilt
    state = prepare_history(settings, "run-2", started + timedelta(days=1))
    assert (state.restored, state.versions, state.runs) == (True, 1, 1)
    assert _query(settings.work_database, "select * from history.runs order by run_at") == [
        ("run-1", started),
        ("run-2", started + timedelta(days=1)),
    ]
    assert _query(settings.work_database, "select nct_id, arms from history.trial_versions") == [
        ("NCT00000001", ["Arm A"])
    ]


def test_an_unsaved_run_is_forgotten(settings: Settings) -> None:
    prepare_history(settings, "run-1", datetime(2026, 12, 1))
    _snapshot(settings, [("NCT00000001", "run-1")])
    save_history(settings)
    saved = history_database(settings).read_bytes()
    prepare_history(settings, "failed-run", datetime(2026, 12, 2))
    _snapshot(settings, [("NCT00000001", "run-1"), ("NCT00000001", "failed-run")])  # never saved
    state = prepare_history(settings, "run-3", datetime(2026, 12, 3))
    assert state.versions == 1
    assert [row[0] for row in _query(settings.work_database, "select run_id from history.runs")] == ["run-1", "run-3"]
    assert history_database(settings).read_bytes() == saved


def test_run_times_strictly_increase(settings: Settings) -> None:
    prepare_history(settings, "run-1", datetime(2026, 12, 1, 5, 0, 0))
    _snapshot(settings, [])
    save_history(settings)
    state = prepare_history(settings, "run-2", datetime(2026, 12, 1, 5, 0, 0))  # same second (clock, retry)
    assert state.run_at == datetime(2026, 12, 1, 5, 0, 1)


def test_saving_without_a_snapshot_fails_and_keeps_the_old_file(settings: Settings) -> None:
    prepare_history(settings, "run-1", datetime(2026, 12, 1))
    with pytest.raises(RuntimeError, match="trial_versions"):
        save_history(settings)
    assert not history_database(settings).exists()


def test_stale_copies_of_a_killed_save_are_removed(settings: Settings) -> None:
    stale = settings.resolved_work_dir / ".warehouse.history.duckdb.999999999.tmp"
    stale.write_bytes(b"half written")
    prepare_history(settings, "run-1", datetime(2026, 12, 1))
    assert not stale.exists()
