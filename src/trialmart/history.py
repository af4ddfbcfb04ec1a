"""Trial history across runs (issue #15): where it lives and how a run carries it.

The versions themselves are a dbt snapshot (`dbt_project/snapshots/trial_versions.yml`, SCD
type 2) in schema `history` of the work database, next to `history.runs` (one row per run
that recorded history). The work database is a build area that may be deleted at any time, so
it only holds a *working copy*; the history itself lives in the **history file** beside the
published warehouse (`data/warehouse.history.duckdb` for `data/warehouse.duckdb`):

* before dbt, `prepare_history` replaces the work database's schema `history` with the one in
  the history file (or starts it empty when there is none) and appends this run to
  `history.runs`; a version recorded by an earlier run that failed and never published is
  dropped this way, so the history only ever holds published states;
* right after the warehouse is published, `save_history` writes schema `history` into a new
  file (in the work folder when on the same file system) and renames it over the history file
  (atomic, as the warehouse's publish), so a crash leaves the previous history file whole. Saving
  after publishing keeps the history file a record of published states only; if a run dies
  between the two renames, the next run finds the same differences again and records them with
  its own run (the change is kept, its valid_from is that later run's).

Deleting the work folder, rebuilding it, re-parsing everything or `dbt build --full-refresh`
(dbt never rebuilds a snapshot) therefore loses nothing; deleting the history file starts the
history anew (the published `marts.trial_history` still shows the old versions until then).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from trialmart.publish_format import limit_memory
from trialmart.runlock import pid_alive
from trialmart.settings import Settings

HISTORY_SCHEMA = "history"
RUNS_TABLE = "runs"
SNAPSHOT_TABLE = "trial_versions"
ATTACHED_ALIAS = "trialmart_history_file"

logger = logging.getLogger(__name__)


def history_database(settings: Settings) -> Path:
    """The history file: beside the published warehouse, named after it."""
    warehouse = settings.warehouse.resolve()
    return warehouse.with_name(f"{warehouse.stem}.history.duckdb")


@dataclass(frozen=True)
class HistoryState:
    path: Path
    restored: bool  # a history file existed and was read back
    versions: int  # versions recorded by earlier runs
    runs: int  # earlier runs that recorded history
    run_at: datetime  # this run's time, valid_from of the versions it opens


def prepare_history(settings: Settings, run_id: str, run_at: datetime) -> HistoryState:
    """Restore schema `history` of the work database from the history file; log this run."""
    path = history_database(settings)
    _remove_stale_temporaries(path, settings.resolved_work_dir)
    con = duckdb.connect(str(settings.work_database))
    try:
        limit_memory(con, settings.memory_limit)
        con.execute(f"drop schema if exists {HISTORY_SCHEMA} cascade")
        con.execute(f"create schema {HISTORY_SCHEMA}")
        restored = path.is_file()
        if restored:
            con.execute(f"attach {_literal(str(path))} as {ATTACHED_ALIAS} (read_only)")
            try:
                for (table,) in con.execute(
                    "select table_name from duckdb_tables() where database_name = ? and schema_name = ? "
                    "order by table_name",
                    [ATTACHED_ALIAS, HISTORY_SCHEMA],
                ).fetchall():
                    con.execute(
                        f'create table {HISTORY_SCHEMA}."{table}" as '
                        f'select * from {ATTACHED_ALIAS}.{HISTORY_SCHEMA}."{table}"'
                    )
            finally:
                con.execute(f"detach {ATTACHED_ALIAS}")
        elif settings.warehouse.resolve().is_file():
            logger.warning("no history file at %s: trial history starts with this run", path)
        con.execute(f"create table if not exists {HISTORY_SCHEMA}.{RUNS_TABLE} (run_id varchar, run_at timestamp)")
        runs, last_run_at = con.execute(f"select count(*), max(run_at) from {HISTORY_SCHEMA}.{RUNS_TABLE}").fetchone()  # type: ignore[misc]
        # versions are keyed by (nct_id, run time): keep run times strictly increasing
        if last_run_at is not None and run_at <= last_run_at:
            run_at = last_run_at + timedelta(seconds=1)
        con.execute(f"insert into {HISTORY_SCHEMA}.{RUNS_TABLE} values (?, ?)", [run_id, run_at])
        versions = 0
        if con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
            [HISTORY_SCHEMA, SNAPSHOT_TABLE],
        ).fetchone()[0]:  # type: ignore[index]
            versions = con.execute(f"select count(*) from {HISTORY_SCHEMA}.{SNAPSHOT_TABLE}").fetchone()[0]  # type: ignore[index]
        return HistoryState(path, restored, int(versions), int(runs), run_at)
    finally:
        con.close()


def save_history(settings: Settings) -> Path:
    """Write schema `history` of the work database to the history file, by atomic rename."""
    path = history_database(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary_path(path, settings.resolved_work_dir)
    _remove_database_files(temporary)
    con = duckdb.connect(str(settings.work_database))
    try:
        limit_memory(con, settings.memory_limit)
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() where database_name = current_database() "
                "and schema_name = ? order by table_name",
                [HISTORY_SCHEMA],
            ).fetchall()
        ]
        if SNAPSHOT_TABLE not in tables:
            raise RuntimeError(f"the work database has no {HISTORY_SCHEMA}.{SNAPSHOT_TABLE}: did dbt run?")
        con.execute(
            f"attach {_literal(str(temporary))} as {ATTACHED_ALIAS} "
            f"(read_write, storage_version {_literal(settings.storage_version)})"
        )
        try:
            con.execute(f"create schema {ATTACHED_ALIAS}.{HISTORY_SCHEMA}")
            for table in tables:
                con.execute(
                    f'create table {ATTACHED_ALIAS}.{HISTORY_SCHEMA}."{table}" as '
                    f'select * from {HISTORY_SCHEMA}."{table}"'
                )
            con.execute(f"checkpoint {ATTACHED_ALIAS}")
        finally:
            con.execute(f"detach {ATTACHED_ALIAS}")
        os.replace(temporary, path)
    except BaseException:
        _remove_database_files(temporary)
        raise
    finally:
        con.close()
    return path


def _temporary_path(target: Path, work_dir: Path) -> Path:
    """Built in the work folder when it is on the same file system (a killed run then leaves
    nothing beside the history file), else beside the target: a rename must not cross devices."""
    name = f".{target.name}.{os.getpid()}.tmp"
    try:
        if work_dir.is_dir() and work_dir.stat().st_dev == target.parent.stat().st_dev:
            return work_dir / name
    except OSError:
        pass
    return target.with_name(name)


def _remove_stale_temporaries(path: Path, work_dir: Path) -> None:
    """A run killed while saving leaves its half-written copy (`.<name>.<pid>.tmp`): remove the
    ones whose process is gone."""
    for folder in {work_dir, path.parent}:
        for leftover in folder.glob(f".{path.name}.*.tmp*"):
            pid = leftover.name[len(path.name) + 2 :].split(".", 1)[0]
            if pid.isdigit() and not _process_alive(int(pid)):
                leftover.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this run is not saving yet
    return pid_alive(pid)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _remove_database_files(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
