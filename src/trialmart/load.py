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


# One row per member of an official bulk file streamed member by member (a zip of records, or a
# large JSON array whose records count as members): what happened to it, and the content
# checksum the planner compares to re-parse only the members that changed. The trials of a
# member are the file's records first_record_index .. first_record_index + n_trials - 1, so the
# rows of one member are deleted and replaced without touching the file's other members. A
# worker numbers a member's trials provisionally (member_ordinal * MEMBER_STRIDE + position);
# the writer gives each member its range of record_index as its part arrives
# (`number_member_records`), so record_index stays a small dense integer.
MEMBERS_TABLE = "document_members"
MEMBER_STRIDE = 1 << 20
MEMBER_COLUMNS: list[tuple[str, type]] = [
    ("source_file", str),
    ("member_ordinal", int),
    ("first_record_index", int),
    ("member_name", str),
    ("member_bytes", int),
    ("member_crc32", int),
    ("member_sha256", str),
    ("parse_status", str),
    ("message", str),
    ("n_trials", int),
    ("first_nct_id", str),
    ("parsed_at", datetime),
]


def staging_tables() -> list[tuple[str, list[tuple[str, type]]]]:
    """Every table the loader writes in schema raw, with its columns."""
    return [*table_columns().items(), (MEMBERS_TABLE, MEMBER_COLUMNS), (FINGERPRINTS_TABLE, FINGERPRINT_COLUMNS)]


def create_staging_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {SCHEMA}")
    for table, columns in staging_tables():
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
    columns = table_columns()[table] if table != MEMBERS_TABLE else MEMBER_COLUMNS
    arrays = []
    for name, kind in columns:
        arrow_type = pa.timestamp("us") if kind is datetime else _ARROW_TYPES[kind]
        arrays.append(pa.array(rows[name], type=arrow_type))
    return pa.Table.from_arrays(arrays, names=[name for name, _ in columns])


class _Rows:
    """Column lists of every staging table, filled trial by trial, then turned into Arrow."""

    def __init__(self) -> None:
        columns = table_columns()
        self.rows: dict[str, dict[str, list]] = {t: {name: [] for name, _ in cols} for t, cols in columns.items()}
        self.trial_fields = [name for name, _ in columns["trials"][3:]]
        self.child_fields = {child.name: [name for name, _ in columns[child.name][3:]] for child in CHILD_TABLES}

    def add_trial(self, source_file: str, record_index: int, source_family: str | None, trial: Trial) -> None:
        rows = self.rows
        trial_rows = rows["trials"]
        trial_rows["source_file"].append(source_file)
        trial_rows["record_index"].append(record_index)
        trial_rows["source_family"].append(source_family)
        for name in self.trial_fields:
            trial_rows[name].append(getattr(trial, name))
        for child in CHILD_TABLES:
            table_rows = rows[child.name]
            for ordinal, item in enumerate(getattr(trial, child.attribute), start=1):
                table_rows["source_file"].append(source_file)
                table_rows["record_index"].append(record_index)
                table_rows[child.ordinal].append(ordinal)
                if child.record_type is None:
                    table_rows[child.value_column].append(item)
                else:
                    for name in self.child_fields[child.name]:
                        value = getattr(item, name)
                        table_rows[name].append(str(value) if isinstance(value, str) else value)
        link_rows = rows["arm_interventions"]
        for arm_ordinal, arm in enumerate(trial.arms, start=1):
            for name in arm.intervention_names:
                link_rows["source_file"].append(source_file)
                link_rows["record_index"].append(record_index)
                link_rows["arm_ordinal"].append(arm_ordinal)
                link_rows["intervention_name"].append(name)

    def tables(self) -> dict[str, pa.Table]:
        return {table: _arrow_table(table, table_rows) for table, table_rows in self.rows.items()}


def documents_to_arrow(documents: Iterable[ParsedDocument], parsed_at: datetime | None = None) -> dict[str, pa.Table]:
    """Flatten parsed documents into one Arrow table per staging table."""
    parsed_at = parsed_at or datetime.now(UTC).replace(tzinfo=None)
    flat = _Rows()
    doc_rows = flat.rows["documents"]
    for document in documents:
        source_file = storable_source_file(document.source_file)
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
            flat.add_trial(source_file, record_index, document.source_family, trial)
    return flat.tables()


@dataclass(frozen=True)
class ParsedMember:
    """What happened to one member of a streamed bulk file, with its trials."""

    ordinal: int
    name: str
    bytes: int | None
    crc32: int | None
    sha256: str | None
    parse_status: str
    message: str | None
    trials: tuple[Trial, ...] = ()


def members_to_arrow(
    source_file: str, source_family: str, members: Iterable[ParsedMember], parsed_at: datetime | None = None
) -> dict[str, pa.Table]:
    """Flatten the parsed members of one bulk file: their trials and raw.document_members rows.

    No raw.documents row: the file's row is written once all its members are in
    (`finish_member_documents`).
    """
    parsed_at = parsed_at or datetime.now(UTC).replace(tzinfo=None)
    source_file = storable_source_file(source_file)
    flat = _Rows()
    member_rows: dict[str, list] = {name: [] for name, _ in MEMBER_COLUMNS}
    for member in members:
        if len(member.trials) >= MEMBER_STRIDE:
            raise ValueError(f"{member.name}: more than {MEMBER_STRIDE - 1} trials in one member")
        values = (
            source_file, member.ordinal, None, storable_source_file(member.name), member.bytes, member.crc32,
            member.sha256, member.parse_status, member.message, len(member.trials),
            member.trials[0].nct_id if member.trials else None, parsed_at,
        )  # fmt: skip
        for (name, _), value in zip(MEMBER_COLUMNS, values, strict=True):
            member_rows[name].append(value)
        base = member.ordinal * MEMBER_STRIDE
        for position, trial in enumerate(member.trials):
            flat.add_trial(source_file, base + position, source_family, trial)
    tables = flat.tables()
    tables[MEMBERS_TABLE] = _arrow_table(MEMBERS_TABLE, member_rows)
    return tables


# How many member problems a bulk file's raw.documents message quotes (the rest are counted).
MESSAGE_MEMBERS = 5


def finish_member_documents(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[tuple[str, str, int, str]],
    parsed_at: datetime | None = None,
) -> None:
    """Write the raw.documents row of each bulk file from its raw.document_members rows.

    `files`: (source_file, content_sha256, bytes, source_family). The file is PARSED when every
    member is, REJECTED when no member gave a trial, PARTIAL otherwise; the message counts the
    members that were not PARSED and quotes the first few (the rest are in
    marts.source_document_members).
    """
    parsed_at = parsed_at or datetime.now(UTC).replace(tzinfo=None)
    for source_file, sha256, size, family in files:
        stored = storable_source_file(source_file)
        con.execute(f"delete from {SCHEMA}.documents where source_file = ?", [stored])
        members, trials, rejected, partial, first_nct_id = con.execute(
            f"select count(*), coalesce(sum(n_trials), 0), count(*) filter (where parse_status = 'REJECTED'), "
            f"count(*) filter (where parse_status = 'PARTIAL'), "
            f"arg_min(first_nct_id, member_ordinal) filter (where n_trials > 0) "
            f"from {SCHEMA}.{MEMBERS_TABLE} where source_file = ?",
            [stored],
        ).fetchall()[0]
        quoted = con.execute(
            f"select member_name, message from {SCHEMA}.{MEMBERS_TABLE} "
            f"where source_file = ? and parse_status <> 'PARSED' order by parse_status desc, member_ordinal limit ?",
            [stored, MESSAGE_MEMBERS],
        ).fetchall()
        details = "; ".join(f"{name}: {message}" for name, message in quoted)
        if members == 0:
            status, message = "REJECTED", "the archive holds no record files"
        elif trials == 0:
            status, message = "REJECTED", f"no trial in any of its {members} member(s): {details}"
        elif rejected or partial:
            status = "PARTIAL"
            message = (
                f"{members} members: {rejected} REJECTED, {partial} PARTIAL "
                f"(see marts.source_document_members): {details}"
            )
        else:
            status, message = "PARSED", None
        con.execute(
            f"insert into {SCHEMA}.documents values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [stored, sha256, size, family, status, message, trials, first_nct_id, parsed_at],
        )


def known_members(con: duckdb.DuckDBPyConnection, source_file: str) -> dict[str, tuple[int, int | None, int | None]]:
    """member_name -> (member_ordinal, member_crc32, member_bytes) the staging tables hold for one file."""
    rows = con.execute(
        f"select member_name, member_ordinal, member_crc32, member_bytes from {SCHEMA}.{MEMBERS_TABLE} "
        "where source_file = ?",
        [storable_source_file(source_file)],
    ).fetchall()
    return {name: (ordinal, crc, size) for name, ordinal, crc, size in rows}


def number_member_records(
    con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table], next_index: dict[str, int]
) -> None:
    """Give the members of one parsed part their record_index ranges (the writer calls this).

    Each member gets the next free range of its file (`next_index`, started past the highest
    record_index the staging tables hold for the file), and its trials' provisional indexes
    (member_ordinal * MEMBER_STRIDE + position) become first_record_index + position.
    """
    import numpy as np

    members = tables.get(MEMBERS_TABLE)
    if members is None or not members.num_rows:
        return
    source_file = members["source_file"][0].as_py()
    start = next_index.get(source_file)
    if start is None:
        start = con.execute(
            f"select coalesce(max(first_record_index + n_trials), 0) from {SCHEMA}.{MEMBERS_TABLE} "
            "where source_file = ?",
            [source_file],
        ).fetchall()[0][0]
    counts = members["n_trials"].to_numpy().astype(np.int64)
    firsts = start + np.cumsum(counts) - counts
    next_index[source_file] = int(start + counts.sum())
    tables[MEMBERS_TABLE] = members.set_column(
        members.schema.get_field_index("first_record_index"), "first_record_index", pa.array(firsts, type=pa.int64())
    )
    ordinals = members["member_ordinal"].to_numpy()
    order = np.argsort(ordinals)
    for table, arrow in tables.items():
        if table == MEMBERS_TABLE or "record_index" not in arrow.column_names or not arrow.num_rows:
            continue
        provisional = arrow["record_index"].to_numpy()
        member_ordinals, positions = np.divmod(provisional, MEMBER_STRIDE)
        where = order[np.searchsorted(ordinals, member_ordinals, sorter=order)]
        tables[table] = arrow.set_column(
            arrow.schema.get_field_index("record_index"), "record_index", pa.array(firsts[where] + positions)
        )


def delete_members(con: duckdb.DuckDBPyConnection, source_file: str, ordinals: Sequence[int]) -> None:
    """Remove the members of one bulk file (changed or gone) and every staging row of their trials."""
    if not ordinals:
        return
    gone = pa.table({"member_ordinal": pa.array(sorted(set(ordinals)), type=pa.int64())})
    stored = storable_source_file(source_file)
    con.register("_trialmart_gone_members", gone)
    try:
        # each member's records are numbered first_record_index .. + n_trials: listed one by
        # one, the deletes are hash semi-joins (a range join over 550,000 staged trials took
        # ~2 s per table, 0.01 s this way)
        con.execute(
            f"create or replace temp table _trialmart_gone_records as select unnest(range(first_record_index, "
            f"first_record_index + n_trials)) as record_index from {SCHEMA}.{MEMBERS_TABLE} where source_file = ? "
            "and n_trials > 0 and member_ordinal in (select member_ordinal from _trialmart_gone_members)",
            [stored],
        )
        for table in table_columns():
            if table == "documents":
                continue
            con.execute(
                f"delete from {SCHEMA}.{table} where source_file = ? "
                "and record_index in (select record_index from _trialmart_gone_records)",
                [stored],
            )
        con.execute("drop table _trialmart_gone_records")
        con.execute(
            f"delete from {SCHEMA}.{MEMBERS_TABLE} where source_file = ? and "
            "member_ordinal in (select member_ordinal from _trialmart_gone_members)",
            [stored],
        )
    finally:
        con.unregister("_trialmart_gone_members")


def delete_documents(con: duckdb.DuckDBPyConnection, source_files: Sequence[str]) -> None:
    """Remove every staging row that came from these files (changed or deleted documents)."""
    if not source_files:
        return
    stored = [storable_source_file(name) for name in source_files]
    gone = pa.table({"source_file": pa.array(stored, type=pa.string())})
    con.register("_trialmart_gone", gone)
    try:
        for table, _ in staging_tables():
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
