"""Export the public marts to flat files (Parquet, optionally CSV) for tools that do not speak DuckDB.

Reads the published warehouse read-only, so an export never blocks or alters a run.
Wired as `trialmart export`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

MARTS_SCHEMA = "marts"

# DuckDB COPY options per supported format; the file suffix is the format name
COPY_OPTIONS = {
    "parquet": "(format parquet, compression zstd)",
    "csv": "(format csv, header true)",
}


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def list_mart_tables(con: duckdb.DuckDBPyConnection, schema: str = MARTS_SCHEMA) -> list[str]:
    """Tables and views of `schema` in the connection's current database, by name."""
    rows = con.execute(
        """
        select table_name from information_schema.tables
        where table_schema = ? and table_catalog = current_database()
        order by table_name
        """,
        [schema],
    ).fetchall()
    return [row[0] for row in rows]


def export_marts(warehouse: Path, out_dir: Path, formats: Sequence[str] = ("parquet",)) -> list[Path]:
    """Write every table of schema `marts` to `out_dir/<table>.<format>`; return the files written.

    Existing files of the same name are overwritten; other files in `out_dir` are left alone.
    """
    unknown = sorted(set(formats) - set(COPY_OPTIONS))
    if unknown:
        raise ValueError(f"unsupported export format(s) {unknown}; choose from {sorted(COPY_OPTIONS)}")
    if not formats:
        raise ValueError("no export format given")
    if not Path(warehouse).is_file():
        raise FileNotFoundError(f"warehouse not found: {warehouse}")

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = list_mart_tables(con)
        if not tables:
            raise ValueError(f"{warehouse} has no tables in schema {MARTS_SCHEMA}")
        for table in tables:
            for file_format in dict.fromkeys(formats):  # keep order, drop repeats
                target = out_dir / f"{table}.{file_format}"
                con.execute(
                    f"copy (select * from {MARTS_SCHEMA}.{_quote_identifier(table)}) "
                    f"to {_quote_literal(str(target))} {COPY_OPTIONS[file_format]}"
                )
                written.append(target)
    finally:
        con.close()
    return written
