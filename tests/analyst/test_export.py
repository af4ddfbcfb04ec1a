"""export_marts writes every mart to Parquet (and CSV on request) from a read-only warehouse."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from trialmart.export import export_marts


def mart_row_counts(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        return {t: con.execute(f'select count(*) from marts."{t}"').fetchone()[0] for t in tables}  # type: ignore[index]
    finally:
        con.close()


def test_parquet_export_has_every_mart_with_all_rows(warehouse: Path, tmp_path: Path) -> None:
    expected = mart_row_counts(warehouse)
    written = export_marts(warehouse, tmp_path / "out")
    assert {path.name for path in written} == {f"{table}.parquet" for table in expected}
    for path in written:
        assert pq.read_metadata(path).num_rows == expected[path.stem]
    trials = pq.read_table(tmp_path / "out" / "trials.parquet")
    assert "nct_id" in trials.column_names and "brief_title" in trials.column_names
    # the Parquet file keeps the warehouse's types: enrollment stays an integer, dates stay dates
    assert str(trials.schema.field("enrollment").type) == "int32"
    assert str(trials.schema.field("start_date").type).startswith("date32")


def test_csv_on_request(warehouse: Path, tmp_path: Path) -> None:
    written = export_marts(warehouse, tmp_path, formats=("parquet", "csv"))
    csv_files = [path for path in written if path.suffix == ".csv"]
    assert len(csv_files) == len(written) // 2
    with (tmp_path / "trials.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["nct_id"] for row in rows} >= {"NCT05789017", "NCT04127747"}


def test_export_does_not_lock_out_other_readers(warehouse: Path, tmp_path: Path) -> None:
    # a read-only reader (the dashboard) is open while the export runs
    reader = duckdb.connect(str(warehouse), read_only=True)
    try:
        export_marts(warehouse, tmp_path)
        assert reader.execute("select count(*) from marts.trials").fetchone()[0] > 0  # type: ignore[index]
    finally:
        reader.close()


def test_unknown_format_is_refused(warehouse: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported"):
        export_marts(warehouse, tmp_path, formats=("xlsx",))


def test_missing_warehouse_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        export_marts(tmp_path / "absent.duckdb", tmp_path / "out")
