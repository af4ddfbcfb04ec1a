"""Discover, plan and parse: which documents changed, and their parsed rows as Arrow batches.

Parsing is embarrassingly parallel; loading is not (DuckDB has one writer). So the
parse stage produces Arrow batches (flattened in the worker processes) and the caller,
the only writer, appends them as they arrive: memory stays bounded by a few batches
whatever the corpus size.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from trialmart import load
from trialmart.discover import discover
from trialmart.documents import sha256_file, storable_source_file
from trialmart.sources import parse_file


@dataclass(frozen=True)
class Plan:
    """What this run must do to bring the staging tables in line with the raw folder."""

    to_parse: tuple[str, ...]  # new or changed documents (relative paths)
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]  # in the staging tables, no longer in the raw folder

    @property
    def all_files(self) -> tuple[str, ...]:
        """Every document in the raw folder, spelled as the staging tables store it."""
        return tuple(sorted(storable_source_file(name) for name in self.to_parse + self.unchanged))


def plan_run(raw_dir: Path, known: dict[str, str]) -> Plan:
    """Compare the raw folder with what the staging tables hold (by content hash)."""
    present = {path.relative_to(raw_dir).as_posix(): path for path in discover(raw_dir)}
    # the staging tables hold names in their storable spelling (see storable_source_file)
    stored_names = {storable_source_file(source_file) for source_file in present}
    to_parse, unchanged = [], []
    for source_file, path in present.items():
        previous = known.get(storable_source_file(source_file))
        if previous is not None and _same_content(path, previous):
            unchanged.append(source_file)
        else:
            to_parse.append(source_file)
    removed = sorted(set(known) - stored_names)
    return Plan(tuple(to_parse), tuple(unchanged), tuple(removed))


def _same_content(path: Path, known_sha256: str) -> bool:
    try:
        return sha256_file(path) == known_sha256
    except OSError:
        return False


@dataclass
class ParseBatch:
    tables: dict[str, pa.Table]
    documents: int
    parse_seconds: float


def parse_batch(raw_dir: str, source_files: Sequence[str], max_bytes: int) -> ParseBatch:
    """Parse one batch of documents into staging-shaped Arrow tables (runs in a worker)."""
    started = time.perf_counter()
    root = Path(raw_dir)
    documents = [parse_file(root, root / source_file, max_bytes) for source_file in source_files]
    tables = load.documents_to_arrow(documents)
    return ParseBatch(tables, len(documents), time.perf_counter() - started)


def batches(items: Sequence[str], size: int) -> list[tuple[str, ...]]:
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


def parse_locally(
    raw_dir: Path, source_files: Sequence[str], *, max_bytes: int, workers: int, batch_size: int, parallel_threshold: int
) -> Iterator[ParseBatch]:
    """Yield parsed batches: in-process for small runs, in a process pool for large ones."""
    if len(source_files) < parallel_threshold or workers <= 1:
        for batch in batches(source_files, batch_size):
            yield parse_batch(str(raw_dir), batch, max_bytes)
        return
    # smaller batches than the load batch keep all workers busy until the end
    size = max(50, min(batch_size, len(source_files) // (workers * 4) or 1))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(parse_batch, str(raw_dir), batch, max_bytes) for batch in batches(source_files, size)]
        for future in futures:
            yield future.result()


@dataclass
class LoadStats:
    documents: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    parse_seconds: float = 0.0  # summed over workers
    load_seconds: float = 0.0


def load_batches(con: duckdb.DuckDBPyConnection, parsed: Iterator[ParseBatch], removed_or_changed: Sequence[str]) -> LoadStats:
    """The single writer: drop stale rows once, then append every batch as it arrives."""
    stats = LoadStats()
    started = time.perf_counter()
    load.create_staging_tables(con)
    con.execute("begin transaction")
    load.delete_documents(con, removed_or_changed)
    stats.load_seconds += time.perf_counter() - started
    for batch in parsed:
        started = time.perf_counter()
        for table, arrow in batch.tables.items():
            if arrow.num_rows:
                load.insert_arrow(con, table, arrow)
                stats.rows[table] = stats.rows.get(table, 0) + arrow.num_rows
        stats.documents += batch.documents
        stats.parse_seconds += batch.parse_seconds
        stats.load_seconds += time.perf_counter() - started
    started = time.perf_counter()
    con.execute("commit")
    stats.load_seconds += time.perf_counter() - started
    return stats
