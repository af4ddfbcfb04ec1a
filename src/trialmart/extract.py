"""Discover, plan and parse: which documents changed, and their parsed rows as Arrow batches.

Parsing is embarrassingly parallel; loading is not (DuckDB has one writer). So the
parse stage produces Arrow batches (flattened in the worker processes) and the caller,
the only writer, appends them as they arrive: memory stays bounded by a few batches
whatever the corpus size.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import multiprocessing
import os
import sys
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from trialmart import load
from trialmart.bulk import (
    STREAM_JSON_BYTES,
    BulkFile,
    Part,
    bulk_layout,
    close_archives,
    parse_part,
    parts,
    plan_bulk_file,
)
from trialmart.discover import discover
from trialmart.documents import sha256_file, storable_source_file
from trialmart.faults import fault_point
from trialmart.sources import parse_file


@dataclass(frozen=True)
class Plan:
    """What this run must do to bring the staging tables in line with the raw folder."""

    to_parse: tuple[str, ...]  # new or changed documents (relative paths)
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]  # in the staging tables, no longer in the raw folder
    # the documents of to_parse that are official bulk files, streamed member by member
    bulk: tuple[BulkFile, ...] = ()

    @property
    def whole_file_deletes(self) -> tuple[str, ...]:
        """Documents whose staging rows all go before loading (bulk files updated member by member keep theirs)."""
        incremental = {bulk.source_file for bulk in self.bulk if bulk.incremental}
        return tuple(name for name in self.to_parse + self.removed if name not in incremental)

    @property
    def parse_units(self) -> int:
        """About how many records this run parses: its documents, a bulk file counted by the
        members it parses (a JSON bulk file, whose records are counted only as they stream, by
        its size at ~20 KB a study)."""
        units = len(self.to_parse) - len(self.bulk)
        for bulk in self.bulk:
            if bulk.incremental:
                units += len(bulk.changed or ())
            else:
                units += bulk.members if bulk.members >= 0 else bulk.bytes // 20_000
        return units

    @property
    def all_files(self) -> tuple[str, ...]:
        """Every document in the raw folder, spelled as the staging tables store it."""
        return tuple(sorted(storable_source_file(name) for name in self.to_parse + self.unchanged))


# How the planner decides that a known file is unchanged (documented rule):
#
# 1. The content hash decides. A file is unchanged when the SHA-256 of its bytes equals the
#    hash the staging tables hold for it; otherwise it is parsed again.
# 2. Fast path, as git's index does: when the file's size and mtime (ns) are exactly those
#    recorded when that same content was read (raw.file_fingerprints, written by the
#    loader), the recorded hash stands for the file and it is not read again. Any other
#    size or mtime (touched, copied, restored, edited) falls back to hashing the file, so a
#    touched but identical file is still unchanged and an edited one is always re-parsed.
# 3. Racy files: a fingerprint is only recorded when the file's mtime is at least
#    RACY_SECONDS older than the moment it was read, so an edit in the same clock tick
#    as the read cannot hide behind an unchanged mtime.
# The fast path is off by default (every known file is hashed: the content decides);
# Settings.trust_file_times (TRIALMART_TRUST_FILE_TIMES=1) turns it on.
RACY_SECONDS = 2.0
HASH_THREADS = 8  # hashlib and file reads release the GIL: threads overlap I/O and hashing
LARGE_FILE_BYTES = 1 << 20  # hashed in the threads


KnownMembers = Callable[[str], dict[str, tuple[int, int | None, int | None]]]


def plan_run(
    raw_dir: Path,
    known: dict[str, str],
    *,
    trust_file_times: bool = False,
    known_members: KnownMembers | None = None,
    stream_json_bytes: int = STREAM_JSON_BYTES,
) -> Plan:
    """Compare the raw folder with what the staging tables hold (by content hash).

    Official bulk files among the documents to parse (zips of records, large JSON arrays) are
    planned member by member (`trialmart.bulk`): with `known_members` (what the staging tables
    hold per member of a file), a changed zip re-parses only its new and changed members.
    """
    present = {path.relative_to(raw_dir).as_posix(): path for path in discover(raw_dir)}
    # the staging tables hold names in their storable spelling (see storable_source_file)
    stored_names = {source_file: storable_source_file(source_file) for source_file in present}
    fingerprints: dict[str, tuple[int, int]] = getattr(known, "fingerprints", {}) if trust_file_times else {}
    unchanged_set: set[str] = set()
    to_hash: list[tuple[str, Path, str]] = []
    for source_file, path in present.items():
        previous = known.get(stored_names[source_file])
        if previous is None:
            continue
        recorded = fingerprints.get(stored_names[source_file])
        if recorded is not None and _stat_fingerprint(path) == recorded:
            unchanged_set.add(source_file)
        else:
            to_hash.append((source_file, path, previous))
    hashes: dict[str, str] = {}
    digests = _hash_all([path for _, path, _ in to_hash])
    for (source_file, _, previous), digest in zip(to_hash, digests, strict=True):
        if digest == previous:
            unchanged_set.add(source_file)
        elif digest:
            hashes[source_file] = digest
    # keep discovery order (sorted by path) in both lists
    to_parse = tuple(source_file for source_file in present if source_file not in unchanged_set)
    unchanged = tuple(source_file for source_file in present if source_file in unchanged_set)
    removed = sorted(set(known) - set(stored_names.values()))
    bulk = _plan_bulk(present, to_parse, stored_names, known, hashes, known_members, stream_json_bytes)
    return Plan(to_parse, unchanged, tuple(removed), bulk)


def _plan_bulk(
    present: dict[str, Path],
    to_parse: Sequence[str],
    stored_names: dict[str, str],
    known: dict[str, str],
    hashes: dict[str, str],
    known_members: KnownMembers | None,
    stream_json_bytes: int,
) -> tuple[BulkFile, ...]:
    layouts = {name: layout for name in to_parse if (layout := bulk_layout(present[name], stream_json_bytes))}
    missing = [name for name in layouts if name not in hashes]
    hashes.update(zip(missing, _hash_all([present[name] for name in missing]), strict=True))
    planned = []
    for name, layout in layouts.items():
        if not hashes.get(name):
            continue  # vanished or unreadable: the document path rejects it with the reason
        stored = stored_names[name]
        members = known_members(stored) if known_members is not None and stored in known else None
        try:
            planned.append(plan_bulk_file(present[name], name, layout, hashes[name], members))
        except (OSError, zipfile.BadZipFile, ValueError):
            continue  # the document path rejects it with the reason
    return tuple(planned)


def _stat_fingerprint(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


def _hash_all(paths: Sequence[Path]) -> list[str]:
    """The content hashes of many files ("" for an unreadable one), in order. Small files are
    hashed one after the other: a thread pool's locks and the GIL cost more than hashing a page
    (100,000 pages of 4 KB: 21 s with a task per file in 8 threads, 2.9 s serially); files of
    a megabyte or more go to threads, which overlap their reads and hashing."""
    digests = [""] * len(paths)
    large = []
    for position, path in enumerate(paths):
        try:
            size = path.stat().st_size
        except OSError:
            continue  # unreadable: ""
        if size >= LARGE_FILE_BYTES:
            large.append(position)
        else:
            digests[position] = _safe_hash(path)
    if large:
        with ThreadPoolExecutor(max_workers=HASH_THREADS) as pool:
            for position, digest in zip(large, pool.map(lambda p: _safe_hash(paths[p]), large), strict=True):
                digests[position] = digest
    return digests


def _safe_hash(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError:
        return ""


@dataclass
class ParseBatch:
    tables: dict[str, pa.Table]
    documents: int  # whole documents parsed (a part of a bulk file counts 0)
    parse_seconds: float
    members: int = 0  # members (records) of bulk files parsed


def parse_part_batch(raw_dir: str, part: Part) -> ParseBatch:
    """Parse one part of a bulk file into staging-shaped Arrow tables (runs in a worker)."""
    started = time.process_time()
    members = parse_part(Path(raw_dir), part)
    tables = load.members_to_arrow(part.source_file, part.family, members)
    return ParseBatch(tables, 0, time.process_time() - started, len(members))


WorkItem = tuple[str, ...] | Part


def parse_work(raw_dir: str, item: WorkItem, max_bytes: int) -> ParseBatch:
    """One parse task: a batch of whole documents, or one part of a bulk file."""
    if isinstance(item, Part):
        return parse_part_batch(raw_dir, item)
    return parse_batch(raw_dir, item, max_bytes)


def work_items(
    raw_dir: Path, plan: Plan, *, batch_size: int, member_batch_size: int, size: int | None = None
) -> Iterator[WorkItem]:
    """Every parse task of a plan: the parts of its bulk files first (JSON streamed lazily),
    then its other documents (large ones alone and first), `size` (default batch_size) per batch."""
    bulk_names = {bulk.source_file for bulk in plan.bulk}
    for bulk in plan.bulk:
        yield from parts(raw_dir, bulk, member_batch_size)
    documents = [name for name in plan.to_parse if name not in bulk_names]
    yield from _scheduled_batches(raw_dir, documents, size or batch_size)


NOTHING_READ_SHA256 = hashlib.sha256(b"").hexdigest()


def parse_batch(raw_dir: str, source_files: Sequence[str], max_bytes: int) -> ParseBatch:
    """Parse one batch of documents into staging-shaped Arrow tables (runs in a worker)."""
    # CPU time of this process, not wall time: on a busy machine wall time counts the waits
    started = time.process_time()
    root = Path(raw_dir)
    documents = []
    fingerprints: list[tuple[str, int, int, str]] = []
    for source_file in source_files:
        path = root / source_file
        # stat before reading: if the file changes after this, its mtime moves past the record
        before = _stat_fingerprint(path)
        read_at = time.time_ns()
        document = parse_file(root, path, max_bytes)
        if not document.content_sha256:
            # deleted (or made unreadable) after the plan listed it: REJECTED with the reason, and
            # the hash of the bytes read, none; the checks need a hash, the next run re-reads it
            document = dataclasses.replace(document, content_sha256=NOTHING_READ_SHA256)
        documents.append(document)
        if (
            before is not None
            and document.content_sha256
            and before[0] == document.bytes
            and before[1] <= read_at - int(RACY_SECONDS * 1e9)
        ):
            fingerprints.append(
                (storable_source_file(document.source_file), before[0], before[1], document.content_sha256)
            )
    tables = load.documents_to_arrow(documents)
    tables[load.FINGERPRINTS_TABLE] = load.fingerprints_to_arrow(fingerprints)
    return ParseBatch(tables, len(documents), time.process_time() - started)


def batches(items: Sequence[str], size: int) -> list[tuple[str, ...]]:
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


# A file this large (an archive of thousands of records, a bulk JSON export) is a batch of its
# own and starts first, so it does not leave one worker busy long after the others finish.
LARGE_FILE_BYTES = 1 << 20
# Batches in flight per worker: enough to keep workers busy, few enough that parsed batches
# waiting for the single writer cannot pile up in memory.
IN_FLIGHT_PER_WORKER = 2


def _scheduled_batches(raw_dir: Path, source_files: Sequence[str], size: int) -> list[tuple[str, ...]]:
    """Large files alone and first (longest first), then the rest in order, `size` per batch."""
    large: list[tuple[int, str]] = []
    small: list[str] = []
    for source_file in source_files:
        try:
            file_size = os.stat(raw_dir / source_file).st_size
        except OSError:
            file_size = 0
        if file_size >= LARGE_FILE_BYTES:
            large.append((file_size, source_file))
        else:
            small.append(source_file)
    large.sort(key=lambda item: (-item[0], item[1]))
    return [(source_file,) for _, source_file in large] + batches(small, size)


def parse_locally(
    raw_dir: Path,
    plan: Plan | Sequence[str],
    *,
    max_bytes: int,
    workers: int,
    batch_size: int,
    parallel_threshold: int,
    member_batch_size: int = 1000,
) -> Iterator[ParseBatch]:
    """Yield parsed batches: in-process for small runs, in a process pool for large ones.

    In the pool, batches are yielded as they finish (the writer's order does not matter:
    every row is keyed by its source file) and at most IN_FLIGHT_PER_WORKER batches per
    worker are submitted ahead, so memory stays flat whatever the corpus size. The parts of
    a bulk file are tasks like any batch: one large zip keeps every worker busy.
    """
    if not isinstance(plan, Plan):
        plan = Plan(tuple(plan), (), ())
    source_files = plan.to_parse
    context = None
    work = sum(bulk.members if bulk.members >= 0 else parallel_threshold for bulk in plan.bulk)
    work += len(source_files) - len(plan.bulk)
    try:
        if work < parallel_threshold or workers <= 1:
            for item in work_items(raw_dir, plan, batch_size=batch_size, member_batch_size=member_batch_size):
                yield parse_work(str(raw_dir), item, max_bytes)
            return
        # smaller batches than the load batch keep all workers busy until the end
        size = max(50, min(batch_size, len(source_files) // (workers * 4) or 1))
        pending_batches = work_items(
            raw_dir, plan, batch_size=batch_size, member_batch_size=member_batch_size, size=size
        )
        limit = workers * IN_FLIGHT_PER_WORKER
        context = _worker_context()
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            in_flight: set[Future[ParseBatch]] = set()
            while True:
                while len(in_flight) < limit:
                    batch = next(pending_batches, None)
                    if batch is None:
                        break
                    in_flight.add(pool.submit(parse_work, str(raw_dir), batch, max_bytes))
                if not in_flight:
                    return
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
    finally:
        close_archives()
        if context is not None and context.get_start_method() == "forkserver":
            _stop_forkserver()


def _stop_forkserver() -> None:
    """Stop the forkserver once the pool is done: it would otherwise stay until the process
    ends, ~80 MB through the rest of the run (dbt and the checks); a later pool starts a new one.
    (Its `_stop` is private to multiprocessing: without it, the server simply stays.)"""
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if stop is not None:
        with contextlib.suppress(OSError, ChildProcessError):
            stop()


def _worker_context() -> multiprocessing.context.BaseContext:
    """Under the `trialmart` command, parse workers start from a small server process that has
    imported only the parsers.

    Forked from the flow's process, each worker would carry Prefect, pandas and GX (~400 MB of
    RSS each, shared pages counted once per process); a forkserver preloaded with this module
    starts them once per run at ~1 s, small. A forkserver child imports the parent's
    ``__main__`` again, which is only known to be harmless for the `trialmart` command (its
    script only imports and calls the CLI); embedded anywhere else (pytest, a notebook, an
    app), workers are forked as before.
    """
    main = sys.modules.get("__main__")
    if Path(getattr(main, "__file__", None) or "").name == "trialmart":
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["trialmart.extract"])
        return context
    return multiprocessing.get_context("fork")


@dataclass
class LoadStats:
    documents: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    members: int = 0  # members (records) of bulk files parsed
    parse_seconds: float = 0.0  # CPU seconds, summed over workers
    load_seconds: float = 0.0


# The writer appends parsed batches in groups of at least this many documents: each INSERT has
# a fixed cost (tens of ms on a busy 2-core box) whatever its size, so fewer, larger appends
# load faster; a group of Arrow tables this size is a few tens of MB at most.
LOAD_GROUP_DOCUMENTS = 5000
WRITER_MEMORY_LIMIT = "320MB"


def load_batches(
    con: duckdb.DuckDBPyConnection,
    parsed: Iterator[ParseBatch],
    removed_or_changed: Sequence[str],
    bulk: Sequence[BulkFile] = (),
) -> LoadStats:
    """The single writer: drop stale rows once, then append the batches as they arrive (grouped).

    `removed_or_changed` lose all their rows first; the `bulk` files updated member by member
    (incremental) lose only the rows of their changed and removed members, and every bulk
    file's raw.documents row is written last, from its members."""
    stats = LoadStats()
    started = time.perf_counter()
    load.create_staging_tables(con)
    previous_limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    # the whole load is one transaction; by default DuckDB keeps its appended blocks cached up
    # to 80% of RAM, so the writer's memory would grow with the corpus. A cap keeps it flat
    # (blocks past it are written out), at no measured cost in speed.
    con.execute(f"set memory_limit = '{WRITER_MEMORY_LIMIT}'")
    try:
        return _load_in_transaction(con, parsed, removed_or_changed, bulk, stats, started)
    finally:
        # after a failed load the transaction may be aborted: the original error matters more
        with contextlib.suppress(duckdb.Error):
            con.execute(f"set memory_limit = '{previous_limit}'")


def _load_in_transaction(
    con: duckdb.DuckDBPyConnection,
    parsed: Iterator[ParseBatch],
    removed_or_changed: Sequence[str],
    bulk: Sequence[BulkFile],
    stats: LoadStats,
    started: float,
) -> LoadStats:
    con.execute("begin transaction")
    incremental = {item.source_file: item for item in bulk if item.incremental}
    load.delete_documents(con, [name for name in removed_or_changed if name not in incremental])
    for item in incremental.values():
        load.delete_members(con, item.source_file, item.removed_ordinals)
    stats.load_seconds += time.perf_counter() - started
    waiting: dict[str, list[pa.Table]] = {}
    waiting_documents = 0
    next_record_index: dict[str, int] = {}  # per bulk file: its next free record_index

    def flush() -> None:
        for table, chunks in waiting.items():
            arrow = pa.concat_tables(chunks) if len(chunks) > 1 else chunks[0]
            load.insert_arrow(con, table, arrow)
            stats.rows[table] = stats.rows.get(table, 0) + arrow.num_rows
        waiting.clear()
        fault_point("load")  # test-only (trialmart.faults): a group of rows appended, not committed
        # Commit each group: DuckDB holds a transaction's appended rows in memory until it
        # commits (memory_limit does not bound them), so one transaction for a registry-sized
        # load grew by ~16 MB per 1,000 studies. Each group holds whole documents (a document's
        # rows and its raw.documents row) or whole members of a bulk file (their rows and their
        # raw.document_members rows), so a run stopped between groups leaves the staging tables
        # consistent per document and per member: documents not yet loaded have no
        # raw.documents row and the next run parses them; a bulk file's raw.documents row is
        # written last, so the next run re-plans its members from what was committed.
        con.execute("commit")
        con.execute("begin transaction")

    for batch in parsed:
        started = time.perf_counter()
        load.number_member_records(con, batch.tables, next_record_index)
        for table, arrow in batch.tables.items():
            if arrow.num_rows:
                waiting.setdefault(table, []).append(arrow)
        waiting_documents += batch.documents + batch.members
        stats.documents += batch.documents
        stats.members += batch.members
        stats.parse_seconds += batch.parse_seconds
        if waiting_documents >= LOAD_GROUP_DOCUMENTS:
            flush()
            waiting_documents = 0
        stats.load_seconds += time.perf_counter() - started
    started = time.perf_counter()
    flush()
    load.finish_member_documents(
        con, [(item.source_file, item.content_sha256, item.bytes, item.family) for item in bulk]
    )
    stats.documents += len(bulk)
    con.execute("commit")
    stats.load_seconds += time.perf_counter() - started
    return stats
