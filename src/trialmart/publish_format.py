"""Write the public marts into a DuckDB file that older DuckDB clients can open.

The project builds with DuckDB 2.x, whose default storage format DuckDB 1.x cannot
read ("database file with version number 69 ... can only read versions between 64 and
68"). Analysts' tools (DBeaver's JDBC driver, the CLI, notebooks) often bundle DuckDB
1.x, so the published copy is written with an explicit older STORAGE_VERSION:
'v1.0.0' is readable by every DuckDB from 1.0 on (checked with DuckDB 1.5.6).

Only schema `marts` is copied, with each table's own DDL, so primary keys, NOT NULL
constraints, types and comments survive; views are materialised as tables. The file is
written beside `target` under a temporary name and renamed into place, so a reader of
`target` never sees a half-written file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

from trialmart.export import MARTS_SCHEMA, _quote_identifier, _quote_literal
from trialmart.faults import fault_point

PUBLISHED_ALIAS = "trialmart_publish"
STORAGE_VERSION_PATTERN = re.compile(r"v\d+\.\d+\.\d+")


_MEMORY_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_MEMORY_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def memory_bytes(memory_limit: str) -> int | None:
    """A DuckDB memory setting ("512MB", "1 GiB") in bytes; None when it is not of that form."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", memory_limit)
    if not match or match.group(2).lower() not in _MEMORY_UNITS:
        return None
    return int(float(match.group(1)) * _MEMORY_UNITS[match.group(2).lower()])


def lower_memory_limit(memory_limit: str | None, cap: str) -> str:
    """The lower of a configured memory limit (None: none) and `cap`; an unreadable one is kept."""
    if memory_limit is None:
        return cap
    configured = memory_bytes(memory_limit)
    if configured is None:
        return memory_limit
    return cap if configured > (memory_bytes(cap) or configured) else memory_limit


def limit_memory(con: duckdb.DuckDBPyConnection, memory_limit: str | None) -> None:
    """Cap DuckDB's memory for this connection's database (it caches up to 80% of RAM by default)."""
    if memory_limit:
        con.execute(f"set memory_limit = {_quote_literal(memory_limit)}")


def write_portable_copy(
    source_con_or_path: duckdb.DuckDBPyConnection | Path | str,
    target: Path,
    storage_version: str = "v1.0.0",
    keep_constraints: bool = True,
    temporary_dir: Path | None = None,
    memory_limit: str | None = None,
) -> None:
    """Copy schema `marts` of the work database into a new DuckDB file at `target`.

    The file is built in `temporary_dir` (the pipeline passes its work folder, so a run killed
    here leaves nothing beside the published file) when that is on the same file system as
    `target` (a rename across file systems is not atomic), else beside `target`.

    `source_con_or_path` is either an open connection whose current database holds the
    marts (the pipeline's writer connection; it stays open) or a path, opened read-only.
    `memory_limit` caps the connection opened here: without it the copy (its primary key
    indexes above all) keeps what it reads cached up to DuckDB's default of 80% of RAM
    (1.5 GB at 200,000 trials; 0.5 GB with a 400 MB cap, in the same time).
    keep_constraints=False drops primary keys and NOT NULL so DuckDB 1.0 can open the file.
    """
    if not STORAGE_VERSION_PATTERN.fullmatch(storage_version):
        raise ValueError(f"storage_version must look like 'v1.0.0', got {storage_version!r}")
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary_path(target, temporary_dir)
    _remove_database_files(temporary)

    owns_connection = not isinstance(source_con_or_path, duckdb.DuckDBPyConnection)
    con = duckdb.connect(str(source_con_or_path), read_only=True) if owns_connection else source_con_or_path
    assert isinstance(con, duckdb.DuckDBPyConnection)
    if owns_connection:
        limit_memory(con, memory_limit)
    previous_database = con.execute("select current_database()").fetchone()[0]  # type: ignore[index]
    try:
        # read_write: a source opened read-only would otherwise attach the new file read-only too
        con.execute(
            f"attach {_quote_literal(str(temporary))} as {PUBLISHED_ALIAS} "
            f"(read_write, storage_version {_quote_literal(storage_version)})"
        )
        try:
            _copy_schema(con, previous_database, keep_constraints)
            con.execute(f"checkpoint {PUBLISHED_ALIAS}")
        finally:
            con.execute(f"use {_quote_identifier(previous_database)}")
            con.execute(f"detach {PUBLISHED_ALIAS}")
        fault_point("publish")  # test-only (trialmart.faults): the new file is complete, not yet renamed
        os.replace(temporary, target)
    except BaseException:
        _remove_database_files(temporary)
        raise
    finally:
        if owns_connection:
            con.close()


def _copy_schema(con: duckdb.DuckDBPyConnection, source_database: str, keep_constraints: bool) -> None:
    source = _quote_identifier(source_database)
    tables = con.execute(
        """
        select table_name, sql, comment from duckdb_tables()
        where database_name = ? and schema_name = ? order by table_name
        """,
        [source_database, MARTS_SCHEMA],
    ).fetchall()
    views = con.execute(
        """
        select view_name, comment from duckdb_views()
        where database_name = ? and schema_name = ? and not internal order by view_name
        """,
        [source_database, MARTS_SCHEMA],
    ).fetchall()
    if not tables and not views:
        raise ValueError(f"database {source_database} has no schema {MARTS_SCHEMA} to publish")

    # The tables' own DDL says `CREATE TABLE marts.<name>(...)`; run with the new file as the
    # default database, it creates the table there with the same columns and constraints.
    con.execute(f"use {PUBLISHED_ALIAS}")
    con.execute(f"create schema if not exists {MARTS_SCHEMA}")
    for table_name, create_sql, comment in tables:
        name = f"{MARTS_SCHEMA}.{_quote_identifier(table_name)}"
        if keep_constraints:
            con.execute(create_sql)
            con.execute(f"insert into {PUBLISHED_ALIAS}.{name} select * from {source}.{name}")
        else:
            con.execute(f"create table {PUBLISHED_ALIAS}.{name} as select * from {source}.{name}")
        _copy_comments(con, source_database, table_name, name, comment)
    for view_name, comment in views:
        name = f"{MARTS_SCHEMA}.{_quote_identifier(view_name)}"
        con.execute(f"create table {PUBLISHED_ALIAS}.{name} as select * from {source}.{name}")
        _copy_comments(con, source_database, view_name, name, comment)


def _copy_comments(
    con: duckdb.DuckDBPyConnection, source_database: str, table_name: str, name: str, comment: str | None
) -> None:
    """dbt's persisted descriptions live in comments; SQL clients show them, so keep them."""
    if comment:
        con.execute(f"comment on table {PUBLISHED_ALIAS}.{name} is {_quote_literal(comment)}")
    column_comments = con.execute(
        """
        select column_name, comment from duckdb_columns()
        where database_name = ? and schema_name = ? and table_name = ? and comment is not null
        """,
        [source_database, MARTS_SCHEMA, table_name],
    ).fetchall()
    for column_name, column_comment in column_comments:
        con.execute(
            f"comment on column {PUBLISHED_ALIAS}.{name}.{_quote_identifier(column_name)} "
            f"is {_quote_literal(column_comment)}"
        )


def _temporary_path(target: Path, temporary_dir: Path | None) -> Path:
    name = f".{target.name}.{os.getpid()}.tmp"
    if temporary_dir is not None:
        temporary_dir = Path(temporary_dir).resolve()
        try:
            if temporary_dir.is_dir() and temporary_dir.stat().st_dev == target.parent.stat().st_dev:
                return temporary_dir / name
        except OSError:
            pass
    return target.with_name(name)


def _remove_database_files(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
