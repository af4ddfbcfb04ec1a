"""Incremental publishing (issue #14): the published file rewritten in place of a full copy
holds exactly what a full copy would, and is only used when the file at the target is the one
this work folder published last."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from trialmart.publish import PER_TRIAL_MARTS, publish
from trialmart.publish_format import write_portable_copy

REPOSITORY = Path(__file__).resolve().parents[2]
WHOLE_TABLE_MARTS = ("source_documents", "parse_issues")


def build(work: Path, trials: dict[str, str], project: str = "project-1") -> None:
    """A work database as a build leaves it: marts per trial, whole-table marts, built inputs."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "dbt").mkdir(exist_ok=True)
    (work / "dbt" / "built_project.sha256").write_text(project + "\n")
    con = duckdb.connect(str(work / "work.duckdb"))
    try:
        for schema in ("marts", "staging"):
            con.execute(f"create schema if not exists {schema}")
        for table, key in PER_TRIAL_MARTS.items():
            column = "arm_id" if key != "nct_id" else "nct_id"
            con.execute(
                f"create or replace table marts.{table} ({column} varchar not null, value varchar, "
                f"primary key ({column}, value))"
            )
            con.execute(f"comment on table marts.{table} is 'the {table} mart'")
            for nct_id, version in trials.items():
                own = f"{nct_id}:1" if column == "arm_id" else nct_id
                con.executemany(
                    f"insert into marts.{table} values (?, ?)", [(own, f"{version}-a"), (own, f"{version}-b")]
                )
        for table in WHOLE_TABLE_MARTS:
            con.execute(f"create or replace table marts.{table} (source_file varchar primary key, n integer)")
            con.executemany(f"insert into marts.{table} values (?, ?)", [(f"{n}.txt", len(trials)) for n in trials])
        con.execute("create or replace table staging.built_trial_inputs (nct_id varchar, input_fingerprint varchar)")
        con.executemany("insert into staging.built_trial_inputs values (?, ?)", list(trials.items()))
    finally:
        con.close()


def contents(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [
            r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()
        ]
        return {t: sorted(con.execute(f"select * from marts.{t}").fetchall()) for t in sorted(tables)}


def full_copy(work: Path, tmp_path: Path) -> dict[str, list[tuple]]:
    target = tmp_path / "reference" / "warehouse.duckdb"
    shutil.rmtree(target.parent, ignore_errors=True)
    write_portable_copy(work / "work.duckdb", target, "v1.0.0")
    return contents(target)


def test_republishing_rewrites_only_what_changed_and_equals_a_full_copy(tmp_path: Path) -> None:
    work, warehouse = tmp_path / "work", tmp_path / "out" / "warehouse.duckdb"
    build(work, {"NCT00000001": "v1", "NCT00000002": "v1", "NCT00000003": "v1"})
    first = publish(work / "work.duckdb", warehouse, "v1.0.0", "256MB")
    assert first.mode == "full"
    assert contents(warehouse) == full_copy(work, tmp_path)

    # one trial changed, one gone, one new
    build(work, {"NCT00000001": "v1", "NCT00000002": "v2", "NCT00000004": "v1"})
    second = publish(work / "work.duckdb", warehouse, "v1.0.0", "256MB")
    assert (second.mode, second.trials_rewritten) == ("incremental", 3)
    assert contents(warehouse) == full_copy(work, tmp_path)

    # a build that was never published (its run failed a check) is not lost by the next publish
    build(work, {"NCT00000001": "v2", "NCT00000002": "v2", "NCT00000004": "v1"})
    build(work, {"NCT00000001": "v2", "NCT00000002": "v2", "NCT00000004": "v2"})
    third = publish(work / "work.duckdb", warehouse, "v1.0.0", "256MB")
    assert (third.mode, third.trials_rewritten) == ("incremental", 2)
    assert contents(warehouse) == full_copy(work, tmp_path)
    scratch = tmp_path / "scratch.duckdb"  # comments and primary keys survive the rewrite
    shutil.copyfile(warehouse, scratch)
    with duckdb.connect(str(scratch)) as con:
        assert con.execute("select comment from duckdb_tables() where table_name = 'trials'").fetchone() == (
            "the trials mart",
        )
        with pytest.raises(duckdb.ConstraintException):
            con.execute("insert into marts.trials values ('NCT00000001', 'v2-a')")
    with duckdb.connect(str(warehouse), read_only=True) as con:  # still readable by DuckDB 1.x
        (storage,) = con.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = current_database()"
        ).fetchone()
        assert storage.startswith("v1.0")  # "v1.0.0+", as a full copy says


@pytest.mark.parametrize("disturbance", ["replaced", "touched", "project", "storage"])
def test_anything_but_our_own_last_file_gets_a_full_copy(tmp_path: Path, disturbance: str) -> None:
    work, warehouse = tmp_path / "work", tmp_path / "out" / "warehouse.duckdb"
    build(work, {"NCT00000001": "v1", "NCT00000002": "v1"})
    publish(work / "work.duckdb", warehouse, "v1.0.0")
    build(
        work,
        {"NCT00000001": "v2", "NCT00000002": "v1"},
        project="project-2" if disturbance == "project" else "project-1",
    )
    if disturbance == "replaced":  # another file put at the target (a restore, another work folder)
        other = tmp_path / "other.duckdb"
        shutil.copyfile(warehouse, other)
        with duckdb.connect(str(other)) as con:
            con.execute("delete from marts.trials")
        other.replace(warehouse)
    elif disturbance == "touched":
        with duckdb.connect(str(warehouse)) as con:
            con.execute("delete from marts.sponsors")
    version = "v1.2.0" if disturbance == "storage" else "v1.0.0"
    published = publish(work / "work.duckdb", warehouse, version)
    assert published.mode == "full"
    assert contents(warehouse) == full_copy(work, tmp_path)


def test_per_trial_marts_are_the_incremental_marts_of_the_dbt_project() -> None:
    project = yaml.safe_load((REPOSITORY / "dbt_project" / "dbt_project.yml").read_text())
    marts = project["models"]["trialmart"]["marts"]
    incremental = {name for name, config in marts.items() if isinstance(config, dict) and "+pre-hook" in config}
    assert incremental == set(PER_TRIAL_MARTS)
    for name in incremental:
        hook = marts[name]["+pre-hook"]
        argument = re.search(r"delete_changed_trials\((.*)\)", hook).group(1).strip().strip("\"'")
        assert (argument or "nct_id").replace('\\"', '"') == PER_TRIAL_MARTS[name], name
