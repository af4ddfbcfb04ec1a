"""write_portable_copy: the marts in a DuckDB file that DuckDB 1.x clients can open.

The compatibility check runs a real DuckDB 1.5 in its own virtual environment
(<repo>/.venv-duckdb1, created here if missing:
`python -m venv .venv-duckdb1 && .venv-duckdb1/bin/pip install 'duckdb>=1.5,<1.6'`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from trialmart.publish_format import write_portable_copy

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
DUCKDB1_VENV = REPOSITORY_ROOT / ".venv-duckdb1"
DUCKDB1_REQUIREMENT = "duckdb>=1.5,<1.6"

# Run by DuckDB 1.5: open the file read-only and report what an analyst would see.
READ_WITH_DUCKDB1 = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
tables = {name: con.execute(f'select count(*) from marts."{name}"').fetchone()[0]
          for (name,) in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()}
trial = con.execute("select nct_id, brief_title, enrollment, start_date::varchar from marts.trials "
                    "where nct_id = 'NCT06663943'").fetchone()
keys = con.execute("select constraint_column_names from duckdb_constraints() "
                   "where table_name = 'trials' and constraint_type = 'PRIMARY KEY'").fetchall()
print(json.dumps({"version": duckdb.__version__, "tables": tables, "trial": trial,
                  "primary_key": [list(k[0]) for k in keys]}))
"""


@pytest.fixture(scope="session")
def duckdb1_python() -> Path:
    python = DUCKDB1_VENV / "bin" / "python"
    if not python.exists():
        try:
            subprocess.run([sys.executable, "-m", "venv", str(DUCKDB1_VENV)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", DUCKDB1_REQUIREMENT], check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            if os.environ.get("CI"):
                pytest.fail(f"could not create {DUCKDB1_VENV}: {error}")
            pytest.skip(f"could not create {DUCKDB1_VENV} (no package index?): {error}")
    return python


def read_with_duckdb1(python: Path, database: Path) -> dict[str, object]:
    result = subprocess.run(
        [str(python), "-c", READ_WITH_DUCKDB1, str(database)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def mart_row_counts(database: Path) -> dict[str, int]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return {
            name: con.execute(f'select count(*) from marts."{name}"').fetchone()[0]  # type: ignore[index]
            for (name,) in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()
        }
    finally:
        con.close()


def primary_key_of_trials(database: Path) -> list[list[str]]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        rows = con.execute(
            "select constraint_column_names from duckdb_constraints() "
            "where schema_name = 'marts' and table_name = 'trials' and constraint_type = 'PRIMARY KEY'"
        ).fetchall()
        return [list(row[0]) for row in rows]
    finally:
        con.close()


@pytest.mark.slow
def test_duckdb_1_5_opens_the_portable_copy(warehouse: Path, tmp_path: Path, duckdb1_python: Path) -> None:
    target = tmp_path / "published.duckdb"
    write_portable_copy(warehouse, target)

    seen = read_with_duckdb1(duckdb1_python, target)
    assert str(seen["version"]).startswith("1.5.")
    assert seen["tables"] == mart_row_counts(warehouse)
    # seed 003: NCT06663943, 100 participants, start 2025-10-01
    assert seen["trial"] == [
        "NCT06663943",
        "A Randomized Study on Pemphigus Treatment With Humanized CD38 Antibody CM313.",
        100,
        "2025-10-01",
    ]
    assert seen["primary_key"] == primary_key_of_trials(warehouse), "the copy keeps the source's keys"


@pytest.mark.slow
def test_default_duckdb2_format_is_what_duckdb1_cannot_read(tmp_path: Path, duckdb1_python: Path) -> None:
    """Why the portable copy exists: a file in DuckDB 2.0's default format is refused by 1.5."""
    plain = tmp_path / "plain.duckdb"
    con = duckdb.connect(str(plain))
    storage = con.execute(
        "select tags['storage_version'] from duckdb_databases() where database_name = current_database()"
    ).fetchone()[0]  # type: ignore[index]
    con.execute("create schema marts; create table marts.trials as select 'NCT00000000' as nct_id")
    con.close()
    if not str(storage).startswith("v2"):
        pytest.skip(f"this DuckDB writes storage {storage} by default")
    result = subprocess.run(
        [str(duckdb1_python), "-c", "import duckdb, sys; duckdb.connect(sys.argv[1], read_only=True)", str(plain)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "version number" in result.stderr


def test_copy_from_an_open_work_connection_leaves_it_usable(tmp_path: Path, warehouse: Path) -> None:
    work = tmp_path / "work.duckdb"
    # the pipeline's writer connection: a writable work database with the marts and more
    con = duckdb.connect(str(work))
    con.execute(f"attach '{warehouse}' as built (read_only)")
    con.execute("create schema marts; create schema raw")
    con.execute("create table marts.trials as select * from built.marts.trials")
    con.execute("create table raw.documents as select 1 as staging_only")
    con.execute("detach built")
    con.execute("comment on table marts.trials is 'one row per trial'")
    try:
        target = tmp_path / "out" / "warehouse.duckdb"
        write_portable_copy(con, target)
        assert con.execute("select current_database()").fetchone()[0] == "work"  # type: ignore[index]
        con.execute("insert into raw.documents values (2)")  # still the writer
    finally:
        con.close()

    copy = duckdb.connect(str(target), read_only=True)
    try:
        schemas = {r[0] for r in copy.execute("select schema_name from duckdb_tables()").fetchall()}
        assert schemas == {"marts"}, "only the public schema is published"
        assert copy.execute("select comment from duckdb_tables() where table_name = 'trials'").fetchone()[0] == (  # type: ignore[index]
            "one row per trial"
        )
        storage = copy.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = current_database()"
        ).fetchone()[0]  # type: ignore[index]
        assert str(storage).startswith("v1.0")
    finally:
        copy.close()
    assert sorted(p.name for p in target.parent.iterdir()) == ["warehouse.duckdb"], "no temporary files left"


def test_existing_target_is_replaced_whole(warehouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "warehouse.duckdb"
    target.write_bytes(b"an older publication")
    write_portable_copy(warehouse, target)
    assert mart_row_counts(target) == mart_row_counts(warehouse)


def test_bad_storage_version_is_refused(warehouse: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="storage_version"):
        write_portable_copy(warehouse, tmp_path / "x.duckdb", storage_version="1.0; drop table x")


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("TRIALMART_TEST_WAREHOUSE"), reason="only for a pipeline-built warehouse")
def test_pipeline_published_warehouse_opens_in_duckdb1(warehouse: Path, duckdb1_python: Path) -> None:
    """The pipeline publishes with storage_version v1.0.0, so its file itself must open in 1.5."""
    seen = read_with_duckdb1(duckdb1_python, warehouse)
    assert seen["tables"] == mart_row_counts(warehouse)


@pytest.mark.slow
def test_without_constraints_for_duckdb_1_0(warehouse: Path, tmp_path: Path, duckdb1_python: Path) -> None:
    """keep_constraints=False: plain tables (DuckDB 1.0 cannot read keys written by 2.0)."""
    target = tmp_path / "plain.duckdb"
    write_portable_copy(warehouse, target, keep_constraints=False)
    seen = read_with_duckdb1(duckdb1_python, target)
    assert seen["tables"] == mart_row_counts(warehouse)
    assert seen["primary_key"] == []


def test_an_incrementally_republished_file_opens_in_duckdb1(tmp_path: Path, duckdb1_python: Path) -> None:
    """The rewrite in place of a full copy (trialmart.publish) keeps the file's storage version."""
    from tests.unit.test_publish import build
    from trialmart.publish import publish

    work, published = tmp_path / "work", tmp_path / "out" / "warehouse.duckdb"
    build(work, {"NCT06663943": "v1", "NCT00000002": "v1"})
    publish(work / "work.duckdb", published, "v1.0.0")
    build(work, {"NCT06663943": "v2", "NCT00000003": "v1"})
    assert publish(work / "work.duckdb", published, "v1.0.0").mode == "incremental"
    result = subprocess.run(
        [str(duckdb1_python), "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
         "print(sorted(con.execute('select nct_id, value from marts.trials').fetchall()))", str(published)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        sorted([("NCT00000003", "v1-a"), ("NCT00000003", "v1-b"), ("NCT06663943", "v2-a"), ("NCT06663943", "v2-b")])
    )
