"""Parsed documents -> DuckDB staging tables (schema ``raw``), from Arrow, in batches.

The staging tables are derived from the record dataclasses, so the parser's types are
the single source of truth. Every row carries ``source_file`` and ``record_index``
(the trial's position inside its document; one file may hold many trials), which lets
a re-run replace exactly the rows of the documents that changed.

One process writes the database: callers hold the only read-write connection.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb
import pyarrow as pa

from trialmart.documents import storable_source_file
from trialmart.records import (
    Arm,
    Contact,
    Criterion,
    Identifier,
    Intervention,
    Location,
    Outcome,
    ParsedDocument,
    ParseIssue,
    RelatedTrial,
    Sponsor,
    Trial,
)

SCHEMA = "raw"

_ARROW_TYPES = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_(), date: pa.date32()}
_SQL_TYPES = {str: "VARCHAR", int: "BIGINT", float: "DOUBLE", bool: "BOOLEAN", date: "DATE", datetime: "TIMESTAMP"}


def _scalar_type(hint: object) -> type | None:
    """`str | None` -> str; tuples and nested records -> None (they are child tables)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return _scalar_type(args[0]) if len(args) == 1 else None
    if isinstance(hint, type) and issubclass(hint, str):
        return str
    return hint if hint in _SQL_TYPES else None


def _scalar_fields(record_type: type) -> list[tuple[str, type]]:
    hints = typing.get_type_hints(record_type)
    return [(f.name, t) for f in dataclasses.fields(record_type) if (t := _scalar_type(hints[f.name]))]


@dataclass(frozen=True)
class ChildTable:
    name: str
    attribute: str  # the Trial attribute holding the rows
    record_type: type | None  # None: a tuple of plain strings
    ordinal: str  # position of the row within its trial, 1-based
    value_column: str | None = None  # column name for plain-string rows


CHILD_TABLES: tuple[ChildTable, ...] = (
    ChildTable("arms", "arms", Arm, "arm_ordinal"),
    ChildTable("interventions", "interventions", Intervention, "intervention_ordinal"),
    ChildTable("outcomes", "outcomes", Outcome, "outcome_ordinal"),
    ChildTable("conditions", "conditions", None, "condition_ordinal", "condition"),
    ChildTable("criteria", "criteria", Criterion, "criterion_ordinal"),
    ChildTable("sponsors", "sponsors", Sponsor, "sponsor_ordinal"),
    ChildTable("locations", "locations", Location, "location_ordinal"),
    ChildTable("identifiers", "identifiers", Identifier, "identifier_ordinal"),
    ChildTable("related_trials", "related_trials", RelatedTrial, "related_ordinal"),
    ChildTable("contacts", "contacts", Contact, "contact_ordinal"),
    ChildTable("parse_issues", "issues", ParseIssue, "issue_ordinal"),
)

_KEY_COLUMNS: list[tuple[str, type]] = [("source_file", str), ("record_index", int)]

DOCUMENT_COLUMNS: list[tuple[str, type]] = [
    ("source_file", str),
    ("content_sha256", str),
    ("bytes", int),
    ("source_family", str),
    ("parse_status", str),
    ("message", str),
    ("n_trials", int),
    ("first_nct_id", str),
    ("parsed_at", datetime),
]


def table_columns() -> dict[str, list[tuple[str, type]]]:
    """Column names and Python types of every staging table."""
    columns: dict[str, list[tuple[str, type]]] = {"documents": DOCUMENT_COLUMNS}
    columns["trials"] = [*_KEY_COLUMNS, ("source_family", str), *_scalar_fields(Trial)]
    for child in CHILD_TABLES:
        fields = _scalar_fields(child.record_type) if child.record_type else [(child.value_column, str)]
        columns[child.name] = [*_KEY_COLUMNS, (child.ordinal, int), *fields]
    columns["arm_interventions"] = [*_KEY_COLUMNS, ("arm_ordinal", int), ("intervention_name", str)]
    return columns


# (size, mtime) of each file when it was parsed, with the hash of the bytes read then: lets the
# planner skip re-hashing a file whose size and mtime have not moved (rule in trialmart.extract).
# Bookkeeping of the loader only: not a dbt source, not part of the warehouse contract.
FINGERPRINTS_TABLE = "file_fingerprints"
FINGERPRINT_COLUMNS: list[tuple[str, type]] = [
    ("source_file", str),
    ("bytes", int),
    ("mtime_ns", int),
    ("content_sha256", str),
]


def create_staging_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {SCHEMA}")
    for table, columns in [*table_columns().items(), (FINGERPRINTS_TABLE, FINGERPRINT_COLUMNS)]:
        ddl = ", ".join(f'"{name}" {_SQL_TYPES[kind]}' for name, kind in columns)
        con.execute(f"create table if not exists {SCHEMA}.{table} ({ddl})")


class KnownDocuments(dict[str, str]):
    """source_file -> content_sha256 of what the staging tables hold now.

    ``fingerprints`` maps source_file -> (bytes, mtime_ns) recorded when that same content
    was read, for the files that have one; callers that only need the hashes ignore it.
    """

    def __init__(self, hashes: dict[str, str], fingerprints: dict[str, tuple[int, int]] | None = None):
        super().__init__(hashes)
        self.fingerprints: dict[str, tuple[int, int]] = fingerprints or {}


def known_documents(con: duckdb.DuckDBPyConnection) -> KnownDocuments:
    """source_file -> content_sha256 of what the staging tables hold now (with file fingerprints)."""
    hashes = dict(con.execute(f"select source_file, content_sha256 from {SCHEMA}.documents").fetchall())
    fingerprints: dict[str, tuple[int, int]] = {}
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [SCHEMA, FINGERPRINTS_TABLE],
    ).fetchone()[0]
    if exists:
        # only a fingerprint taken of the content the staging tables hold counts
        rows = con.execute(
            f"select f.source_file, f.bytes, f.mtime_ns from {SCHEMA}.{FINGERPRINTS_TABLE} f "
            f"join {SCHEMA}.documents d on d.source_file = f.source_file and d.content_sha256 = f.content_sha256"
        ).fetchall()
        fingerprints = {source_file: (size, mtime_ns) for source_file, size, mtime_ns in rows}
    return KnownDocuments(hashes, fingerprints)


def fingerprints_to_arrow(rows: Sequence[tuple[str, int, int, str]]) -> pa.Table:
    """(source_file, bytes, mtime_ns, content_sha256) rows as a raw.file_fingerprints batch."""
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in FINGERPRINT_COLUMNS]
    return pa.Table.from_arrays(
        [
            pa.array(list(values), type=_ARROW_TYPES[kind])
            for values, (_, kind) in zip(columns, FINGERPRINT_COLUMNS, strict=True)
        ],
        names=[name for name, _ in FINGERPRINT_COLUMNS],
    )


def _arrow_table(table: str, rows: dict[str, list]) -> pa.Table:
    columns = table_columns()[table]
    arrays = []
    for name, kind in columns:
        arrow_type = pa.timestamp("us") if kind is datetime else _ARROW_TYPES[kind]
        arrays.append(pa.array(rows[name], type=arrow_type))
    return pa.Table.from_arrays(arrays, names=[name for name, _ in columns])


def documents_to_arrow(documents: Iterable[ParsedDocument], parsed_at: datetime | None = None) -> dict[str, pa.Table]:
    """Flatten parsed documents into one Arrow table per staging table."""
    parsed_at = parsed_at or datetime.now(UTC).replace(tzinfo=None)
    columns = table_columns()
    rows: dict[str, dict[str, list]] = {t: {name: [] for name, _ in cols} for t, cols in columns.items()}
    trial_fields = [name for name, _ in columns["trials"][3:]]
    child_fields = {child.name: [name for name, _ in columns[child.name][3:]] for child in CHILD_TABLES}
    for document in documents:
        source_file = storable_source_file(document.source_file)
        doc_rows = rows["documents"]
        doc_rows["source_file"].append(source_file)
        doc_rows["content_sha256"].append(document.content_sha256)
        doc_rows["bytes"].append(document.bytes)
        doc_rows["source_family"].append(document.source_family)
        doc_rows["parse_status"].append(str(document.parse_status))
        doc_rows["message"].append(document.message)
        doc_rows["n_trials"].append(len(document.trials))
        doc_rows["first_nct_id"].append(document.trials[0].nct_id if document.trials else None)
        doc_rows["parsed_at"].append(parsed_at)
        for record_index, trial in enumerate(document.trials):
            key = (source_file, record_index)
            trial_rows = rows["trials"]
            trial_rows["source_file"].append(key[0])
            trial_rows["record_index"].append(key[1])
            trial_rows["source_family"].append(document.source_family)
            for name in trial_fields:
                trial_rows[name].append(getattr(trial, name))
            for child in CHILD_TABLES:
                table_rows = rows[child.name]
                for ordinal, item in enumerate(getattr(trial, child.attribute), start=1):
                    table_rows["source_file"].append(key[0])
                    table_rows["record_index"].append(key[1])
                    table_rows[child.ordinal].append(ordinal)
                    if child.record_type is None:
                        table_rows[child.value_column].append(item)
                    else:
                        for name in child_fields[child.name]:
                            value = getattr(item, name)
                            table_rows[name].append(str(value) if isinstance(value, str) else value)
            link_rows = rows["arm_interventions"]
            for arm_ordinal, arm in enumerate(trial.arms, start=1):
                for name in arm.intervention_names:
                    link_rows["source_file"].append(key[0])
                    link_rows["record_index"].append(key[1])
                    link_rows["arm_ordinal"].append(arm_ordinal)
                    link_rows["intervention_name"].append(name)
    return {table: _arrow_table(table, table_rows) for table, table_rows in rows.items()}


def delete_documents(con: duckdb.DuckDBPyConnection, source_files: Sequence[str]) -> None:
    """Remove every staging row that came from these files (changed or deleted documents)."""
    if not source_files:
        return
    stored = [storable_source_file(name) for name in source_files]
    gone = pa.table({"source_file": pa.array(stored, type=pa.string())})
    con.register("_trialmart_gone", gone)
    try:
        for table in [*table_columns(), FINGERPRINTS_TABLE]:
            con.execute(f"delete from {SCHEMA}.{table} where source_file in (select source_file from _trialmart_gone)")
    finally:
        con.unregister("_trialmart_gone")


def append_documents(con: duckdb.DuckDBPyConnection, documents: Sequence[ParsedDocument]) -> dict[str, int]:
    """Insert one batch of parsed documents; returns rows inserted per staging table."""
    counts: dict[str, int] = {}
    for table, arrow in documents_to_arrow(documents).items():
        if arrow.num_rows:
            insert_arrow(con, table, arrow)
            counts[table] = arrow.num_rows
    return counts


def insert_arrow(con: duckdb.DuckDBPyConnection, table: str, arrow: pa.Table) -> None:
    """Append an Arrow table to a staging table, matching columns by name."""
    con.register("_trialmart_batch", arrow)
    try:
        names = ", ".join(f'"{n}"' for n in arrow.column_names)
        con.execute(f"insert into {SCHEMA}.{table} ({names}) select {names} from _trialmart_batch")
    finally:
        con.unregister("_trialmart_batch")
