"""Publish the validated marts as the file analysts open.

The new file is built in the work folder and renamed over the old one (`os.replace` is atomic
on one filesystem): a reader sees the old file or the new one, never half of either, and a
session left open on the old file keeps reading it (its inode lives until closed) without
blocking this writer. A run that never gets here leaves the previous file untouched.

Two ways to build the new file, with the same result:

* **full copy** (`write_portable_copy`): every mart copied into a new file;
* **incremental** (`update_portable_copy`): when the file at the target is, byte for byte, the
  one this work folder published last (same inode, size and mtime as recorded then), built with
  the same dbt project and storage version, it is copied and only what changed since is
  rewritten in the copy: the rows of the per-trial marts for the trials whose inputs changed
  since that publish (staging.built_trial_inputs against the snapshot
  publish.published_trial_inputs taken at each publish, so builds that were not published are
  not missed), and the whole-table marts (source documents, members, parse issues, checks,
  history) in full. Anything else (first publish, another file at the target, a changed project,
  a missing snapshot) takes the full copy.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from trialmart.faults import fault_point
from trialmart.publish_format import (
    PUBLISHED_ALIAS,
    _quote_identifier,
    _quote_literal,
    _remove_database_files,
    _temporary_path,
    limit_memory,
    write_portable_copy,
)
from trialmart.transform import PROJECT_STATE_FILE

PUBLISHED_STATE_FILE = "published.json"
PUBLISHED_INPUTS_TABLE = "publish.published_trial_inputs"
BUILT_INPUTS_TABLE = "staging.built_trial_inputs"
PROJECT_STATE = Path("dbt") / PROJECT_STATE_FILE
# The incremental marts of dbt_project.yml and the SQL giving a row's trial (as their pre-hooks
# delete them); tests/unit/test_publish.py keeps this in step with the project.
PER_TRIAL_MARTS: dict[str, str] = {
    "arms": "nct_id",
    "interventions": "nct_id",
    "conditions": "nct_id",
    "contacts": "nct_id",
    "eligibility_criteria": "nct_id",
    "identifiers": "nct_id",
    "locations": "nct_id",
    "outcomes": "nct_id",
    "related_trials": "nct_id",
    "sponsors": "nct_id",
    "trials": "nct_id",
    "trial_source_conflicts": "nct_id",
    "arm_interventions": "split_part(arm_id, ':', 1)",
}


@dataclass(frozen=True)
class Published:
    """How the file was built: "full" or "incremental", and the trials rewritten (incremental)."""

    path: Path
    mode: str
    trials_rewritten: int | None = None


def publish(work_database: Path, warehouse: Path, storage_version: str, memory_limit: str | None = None) -> Published:
    warehouse = warehouse.resolve()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    work_dir = work_database.parent
    project = _read(work_dir / PROJECT_STATE)
    state = _load_state(work_dir / PUBLISHED_STATE_FILE)
    rewritten: int | None = None
    if state is not None and _same_file(state, warehouse, storage_version, project):
        rewritten = update_portable_copy(work_database, warehouse, work_dir, memory_limit)
    if rewritten is None:
        # built in the work folder (same file system) so a killed run leaves nothing beside the warehouse
        write_portable_copy(
            work_database, warehouse, storage_version, temporary_dir=work_dir, memory_limit=memory_limit
        )
    _record(work_database, warehouse, storage_version, project, memory_limit)
    return Published(warehouse, "full" if rewritten is None else "incremental", rewritten)


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _load_state(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _stat(path: Path) -> list[int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return [status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns]


def _same_file(state: dict, warehouse: Path, storage_version: str, project: str | None) -> bool:
    return (
        project is not None
        and state.get("warehouse") == str(warehouse)
        and state.get("stat") == _stat(warehouse)
        and state.get("storage_version") == storage_version
        and state.get("project") == project
    )


def _record(
    work_database: Path, warehouse: Path, storage_version: str, project: str | None, memory_limit: str | None
) -> None:
    """After the rename: the snapshot of the published trials' inputs, then the file's identity.

    A run stopped between the rename and the state file leaves the old state, which no longer
    matches the file at the target: the next publish is a full copy."""
    state_file = work_database.parent / PUBLISHED_STATE_FILE
    state_file.unlink(missing_ok=True)
    con = duckdb.connect(str(work_database))
    try:
        limit_memory(con, memory_limit)
        if not _has_table(con, BUILT_INPUTS_TABLE):
            return  # a work database without incremental marts: every publish is a full copy
        con.execute(f"create schema if not exists {PUBLISHED_INPUTS_TABLE.split('.')[0]}")
        con.execute(f"create or replace table {PUBLISHED_INPUTS_TABLE} as select * from {BUILT_INPUTS_TABLE}")
    finally:
        con.close()
    state = {
        "warehouse": str(warehouse),
        "stat": _stat(warehouse),
        "storage_version": storage_version,
        "project": project,
    }
    temporary = state_file.with_name(state_file.name + ".tmp")
    temporary.write_text(json.dumps(state))
    os.replace(temporary, state_file)


def _has_table(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".")
    query = "select count(*) from information_schema.tables where table_schema = ? and table_name = ?"
    return con.execute(query, [schema, table]).fetchone()[0] > 0  # type: ignore[index]


def update_portable_copy(
    work_database: Path, warehouse: Path, work_dir: Path, memory_limit: str | None = None
) -> int | None:
    """Copy the published file and rewrite in the copy what changed since it was published, then
    rename it into place. The number of trials rewritten, or None (nothing done) when the work
    database and the published file do not hold the same marts."""
    temporary = _temporary_path(warehouse, work_dir)
    _remove_database_files(temporary)
    con = duckdb.connect(str(work_database), read_only=True)
    try:
        limit_memory(con, memory_limit)
        if not (_has_table(con, PUBLISHED_INPUTS_TABLE) and _has_table(con, BUILT_INPUTS_TABLE)):
            return None
        source = con.execute("select current_database()").fetchone()[0]  # type: ignore[index]
        shutil.copyfile(warehouse, temporary)
        try:
            con.execute(f"attach {_quote_literal(str(temporary))} as {PUBLISHED_ALIAS} (read_write)")
            try:
                rewritten = _rewrite_changed(con, source)
                if rewritten is not None:
                    con.execute(f"checkpoint {PUBLISHED_ALIAS}")
            finally:
                con.execute(f"detach {PUBLISHED_ALIAS}")
            if rewritten is None:
                _remove_database_files(temporary)
                return None
            fault_point("publish")  # test-only (trialmart.faults): the new file is complete, not yet renamed
            os.replace(temporary, warehouse)
            return rewritten
        except BaseException:
            _remove_database_files(temporary)
            raise
    finally:
        con.close()


def _mart_tables(con: duckdb.DuckDBPyConnection, database: str, kind: str = "tables") -> set[str]:
    name = "table_name" if kind == "tables" else "view_name"
    query = f"select {name} from duckdb_{kind}() where database_name = ? and schema_name = 'marts' and not internal"
    return {row[0] for row in con.execute(query, [database]).fetchall()}


def _rewrite_changed(con: duckdb.DuckDBPyConnection, database: str) -> int | None:
    tables = _mart_tables(con, database)
    same_marts = tables == _mart_tables(con, PUBLISHED_ALIAS) and not _mart_tables(con, database, "views")
    if not same_marts or not set(PER_TRIAL_MARTS) <= tables:
        return None
    source = _quote_identifier(database)
    con.execute(
        f"""
        create or replace temp table changed_since_publish as
        select coalesce(built.nct_id, published.nct_id) as nct_id
        from {source}.{BUILT_INPUTS_TABLE} as built
        full outer join {source}.{PUBLISHED_INPUTS_TABLE} as published on built.nct_id = published.nct_id
        where built.input_fingerprint is distinct from published.input_fingerprint
        """
    )
    changed = con.execute("select count(*) from changed_since_publish").fetchone()[0]  # type: ignore[index]
    for table in sorted(tables):
        target = f"{PUBLISHED_ALIAS}.marts.{_quote_identifier(table)}"
        origin = f"{source}.marts.{_quote_identifier(table)}"
        key = PER_TRIAL_MARTS.get(table)
        if key is None:  # a whole-table mart: rewritten in full
            con.execute(f"delete from {target}")
            con.execute(f"insert into {target} select * from {origin}")
        elif changed:
            # each statement commits on its own: DuckDB checks a primary key against rows deleted
            # earlier in the same transaction
            con.execute(f"delete from {target} where {key} in (select nct_id from changed_since_publish)")
            con.execute(
                f"insert into {target} select * from {origin} where {key} in (select nct_id from changed_since_publish)"
            )
    con.execute("drop table changed_since_publish")
    return int(changed)
