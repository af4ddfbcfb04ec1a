"""Incremental marts (issue #14): a re-run rebuilds only the trials whose inputs changed, and
the result equals a full refresh, mart by mart and row by row.

The real pipeline (Prefect, dbt, GX) on real files: the five seed pages, a zip of real API v2
studies (one member per study, as the registry's bulk export) and a single-study JSON. Between
runs a page is edited, a page deleted, a zip member changed, one removed and one added, and a
new document makes a second record of a zip study that wins the duplicate rule.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from tests.pipeline_runner import REPOSITORY, SHARED, run_pipeline

pytestmark = pytest.mark.slow

SEEDS = REPOSITORY / "data" / "raw"
NSCLC = SHARED / "realdata" / "ctgov-v2-nsclc" / "ctg-studies.json"
# marts that describe runs rather than trials: they differ between any two runs by design
RUN_MARTS = {"dq_results", "trial_history", "trial_changes"}


def nct(study: dict) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def write_zip(path: Path, studies: list[dict]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for study in studies:
            archive.writestr(f"{nct(study)}.json", json.dumps(study))


def retitled(study: dict, title: str, last_update: str | None = None) -> dict:
    changed = json.loads(json.dumps(study))
    changed["protocolSection"]["identificationModule"]["briefTitle"] = title
    if last_update:
        changed["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": last_update}
    return changed


def changed_trials(work_dir: Path) -> set[str]:
    with duckdb.connect(str(work_dir / "work.duckdb"), read_only=True) as con:
        return {row[0] for row in con.execute("select nct_id from staging.int_changed_trials").fetchall()}


def mart_tables(warehouse: Path) -> dict[str, list[tuple[str, str]]]:
    query = (
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' order by table_name, ordinal_position"
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(query).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def differences(left: Path, right: Path) -> list[str]:
    """Every mart (but the run marts) with other columns, types or rows in `right` than in `left`."""
    found = []
    left_tables, right_tables = mart_tables(left), mart_tables(right)
    if set(left_tables) != set(right_tables):
        found.append(f"tables: {sorted(set(left_tables) ^ set(right_tables))}")
    con = duckdb.connect()
    con.execute(f"attach '{left}' as a (read_only)")
    con.execute(f"attach '{right}' as b (read_only)")
    for table in sorted(set(left_tables) & set(right_tables) - RUN_MARTS):
        if left_tables[table] != right_tables[table]:
            found.append(f"{table}: columns {left_tables[table]} != {right_tables[table]}")
            continue
        for one, other in (("a", "b"), ("b", "a")):
            extra = con.execute(
                f"select count(*) from (select * from {one}.marts.{table} except all select * from {other}.marts.{table})"
            ).fetchone()[0]
            if extra:
                found.append(f"{table}: {extra} rows only in the {'incremental' if one == 'a' else 'full'} build")
    con.close()
    return found


@pytest.fixture(scope="module")
def studies() -> list[dict]:
    if not NSCLC.exists():
        pytest.skip(f"no real data at {NSCLC}")
    loaded = json.loads(NSCLC.read_text(encoding="utf-8"))
    return loaded["studies"] if isinstance(loaded, dict) else loaded


def test_incremental_rerun_equals_a_full_refresh(studies, tmp_path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    write_zip(raw / "export.zip", studies[:30])
    (raw / "single.json").write_text(json.dumps(studies[30]))

    first = run_pipeline(raw, tmp_path / "first")
    assert first.returncode == 0, first.output
    assert first.summary["marts_build"] == "full refresh"
    seed_trial = dict(first.query("select source_file, nct_id from marts.source_documents"))
    edited_page, deleted_page = sorted(name for name in seed_trial if name.endswith(".txt"))[1:3]

    # the changes of an everyday re-scrape and a daily export
    page = (raw / edited_page).read_text(encoding="utf-8").splitlines()
    title_line = next(i for i, line in enumerate(page) if len(line) > 30)
    page[title_line] += " (amended)"
    (raw / edited_page).write_text("\n".join(page) + "\n", encoding="utf-8")
    (raw / deleted_page).unlink()
    export = [*studies[:30], studies[31]]
    export[5] = retitled(studies[5], "A new title for member five")
    del export[7]
    write_zip(raw / "export.zip", export)
    (raw / "newer_copy.json").write_text(json.dumps(retitled(studies[0], "Later record", "2099-01-01")))

    second = run_pipeline(raw, tmp_path / "first", work_dir=first.work_dir)
    assert second.returncode == 0, second.output
    expected = {
        seed_trial[edited_page],
        seed_trial[deleted_page],
        nct(studies[5]),
        nct(studies[7]),
        nct(studies[31]),
        nct(studies[0]),
    }
    assert changed_trials(first.work_dir) == expected
    assert (second.summary["marts_build"], second.summary["trials_rebuilt"]) == ("incremental", len(expected))
    assert "marts: incremental (6 trials rebuilt)" in second.output
    assert first.summary["publish_mode"] == "full"
    # the published file is rewritten for the changed trials only (trialmart.publish)
    assert second.summary["publish_mode"] == "incremental (6 trials rewritten)"
    assert second.query("select brief_title from marts.trials where nct_id = ?", [nct(studies[0])]) == [
        ("Later record",)
    ]
    assert second.query("select count(*) from marts.trials where nct_id in (?, ?)", [seed_trial[deleted_page], nct(studies[7])]) == [(0,)]  # fmt: skip
    # every member of the zip is accounted for; the one the newer copy outranks is no longer selected
    members = dict(second.query("select member_name, is_selected_source from marts.source_document_members"))
    assert members == {f"{nct(study)}.json": nct(study) != nct(studies[0]) for study in export}

    # the same inputs rebuilt from scratch give the same marts
    full_work = tmp_path / "full" / "work"
    shutil.copytree(first.work_dir, full_work)
    full = run_pipeline(raw, tmp_path / "full", "--full-refresh", work_dir=full_work)
    assert full.returncode == 0, full.output
    assert full.summary["marts_build"] == "full refresh"
    assert changed_trials(full_work) == {row[0] for row in full.query("select nct_id from marts.trials")}
    assert differences(second.warehouse, full.warehouse) == []

    # nothing changed: nothing rebuilt, nothing different
    third = run_pipeline(raw, tmp_path / "first", work_dir=first.work_dir)
    assert third.returncode == 0, third.output
    assert changed_trials(first.work_dir) == set()
    assert third.summary["publish_mode"] == "incremental (0 trials rewritten)"
    assert differences(third.warehouse, full.warehouse) == []
