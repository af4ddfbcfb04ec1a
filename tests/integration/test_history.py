"""Trial history across runs (issue #15), through the real pipeline (Prefect, dbt snapshot, GX).

One raw folder, copied to a temporary directory, goes through five runs:

1. two seed pages (mirror 000, aggregator 004) and an official API v2 record (fixture
   v2_single.json, NCT09000001): every trial gets its first version;
2. the mirror page's status and enrollment and the official record's status, enrollment,
   primary outcome, a secondary outcome and lastUpdatePostDate are edited, page 004 is
   removed, and a rejected file makes the `--strict` run fail: nothing is published and the
   history file stays as it was, byte for byte;
3. the same edits without the rejected file: new versions, change rows, 004 closed as removed;
4. the work folder is deleted and page 004 comes back: the history is read back from the
   history file, only 004 gets a version (RETURNED), nothing else changes;
5. an unchanged re-run (also `dbt build --full-refresh` on its work database): nothing is added.

Expected values are the edits the test makes, not values copied from the pipeline.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.pipeline_runner import REPOSITORY, SHARED, run_pipeline

pytestmark = pytest.mark.slow

MIRROR_PAGE = "000_5c26534db39ab199.txt"  # NCT06949241, ACTIVE_NOT_RECRUITING, 76 participants
AGGREGATOR_PAGE = "004_e47fc4a004cc872c.txt"  # NCT04743739
OFFICIAL_RECORD = "v2_single.json"  # NCT09000001, ACTIVE_NOT_RECRUITING, 120 ESTIMATED, updated 2024-05-03
MIRROR, AGGREGATOR, OFFICIAL = "NCT06949241", "NCT04743739", "NCT09000001"


def _edit_mirror_page(raw: Path) -> None:
    page = raw / MIRROR_PAGE
    text = page.read_text(encoding="utf-8")
    assert "ACTIVE_NOT_RECRUITING\n76 participants" in text
    page.write_text(text.replace("ACTIVE_NOT_RECRUITING\n76 participants", "COMPLETED\n80 participants"), "utf-8")


def _edit_official_record(raw: Path) -> None:
    path = raw / OFFICIAL_RECORD
    study = json.loads(path.read_text(encoding="utf-8"))
    protocol = study["protocolSection"]
    protocol["statusModule"]["overallStatus"] = "COMPLETED"
    protocol["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2025-01-10", "type": "ACTUAL"}
    protocol["designModule"]["enrollmentInfo"] = {"count": 95, "type": "ACTUAL"}
    outcomes = protocol["outcomesModule"]
    assert outcomes["primaryOutcomes"][0]["measure"] == "Headache days"
    outcomes["primaryOutcomes"][0]["measure"] = "Migraine days"
    assert [o["measure"] for o in outcomes["secondaryOutcomes"]] == ["Adverse events", "Quality of life"]
    outcomes["secondaryOutcomes"] = outcomes["secondaryOutcomes"][:1]
    path.write_text(json.dumps(study), encoding="utf-8")


def _changes(run, run_id: str) -> set[tuple]:
    return set(
        run.query(
            "select nct_id, change_type, field_name, old_value, new_value from marts.trial_changes where run_id = ?",
            [run_id],
        )
    )


def _kept(run, name: str):
    """The run, reading a copy of the warehouse it published (later runs replace the file)."""
    if run.returncode != 0:
        return run
    copy = run.warehouse.with_name(f"after-{name}.duckdb")
    shutil.copyfile(run.warehouse, copy)
    return dataclasses.replace(run, warehouse=copy)


def _history_rows(path: Path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "select nct_id, valid_from, valid_to, run_id from history.trial_versions order by all"
        ).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def history_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("history")
    raw, out = root / "raw", root / "out"
    raw.mkdir()
    for name in (MIRROR_PAGE, AGGREGATOR_PAGE):
        shutil.copyfile(REPOSITORY / "data" / "raw" / name, raw / name)
    shutil.copyfile(REPOSITORY / "tests" / "fixtures" / "official" / OFFICIAL_RECORD, raw / OFFICIAL_RECORD)
    runs: dict = {"out": out, "history_file": out / "warehouse.history.duckdb"}

    runs["first"] = _kept(run_pipeline(raw, out), "first")
    assert runs["first"].returncode == 0, runs["first"].output
    runs["history_after_first"] = runs["history_file"].read_bytes()
    runs["warehouse_after_first"] = (out / "warehouse.duckdb").read_bytes()

    _edit_mirror_page(raw)
    _edit_official_record(raw)
    (raw / AGGREGATOR_PAGE).unlink()
    (raw / "empty.txt").write_bytes(b"")  # REJECTED: --strict fails the run before publishing
    runs["failed"] = run_pipeline(raw, out, "--strict")
    runs["history_after_failed"] = runs["history_file"].read_bytes()
    runs["warehouse_after_failed"] = (out / "warehouse.duckdb").read_bytes()

    (raw / "empty.txt").unlink()
    runs["second"] = _kept(run_pipeline(raw, out), "second")
    assert runs["second"].returncode == 0, runs["second"].output

    shutil.rmtree(runs["second"].work_dir)  # a rebuilt work folder: everything is parsed again
    shutil.copyfile(REPOSITORY / "data" / "raw" / AGGREGATOR_PAGE, raw / AGGREGATOR_PAGE)
    runs["third"] = _kept(run_pipeline(raw, out), "third")
    assert runs["third"].returncode == 0, runs["third"].output
    runs["history_after_third"] = _history_rows(runs["history_file"])
    runs["changes_after_third"] = runs["third"].query("select * from marts.trial_changes order by all")

    runs["unchanged"] = _kept(run_pipeline(raw, out), "unchanged")
    assert runs["unchanged"].returncode == 0, runs["unchanged"].output
    return runs


def _run_id(run) -> str:
    return run.summary["run_id"]


def test_first_run_opens_one_version_per_trial(history_runs):
    first = history_runs["first"]
    rows = first.query(
        "select nct_id, is_current, valid_to, version_number, run_id, overall_status, enrollment, enrollment_type"
        " from marts.trial_history order by nct_id"
    )
    assert [row[0] for row in rows] == sorted([MIRROR, AGGREGATOR, OFFICIAL])
    assert all(row[1] and row[2] is None and row[3] == 1 and row[4] == _run_id(first) for row in rows)
    by_id = {row[0]: row for row in rows}
    assert by_id[MIRROR][5:7] == ("ACTIVE_NOT_RECRUITING", 76)
    assert by_id[OFFICIAL][5:] == ("ACTIVE_NOT_RECRUITING", 120, "ESTIMATED")
    assert _changes(first, _run_id(first)) == {(n, "ADDED", "trial", None, "ADDED") for n in by_id}


def test_a_failed_run_records_no_history(history_runs):
    assert history_runs["failed"].returncode == 2, history_runs["failed"].output
    assert history_runs["history_after_failed"] == history_runs["history_after_first"]
    assert history_runs["warehouse_after_failed"] == history_runs["warehouse_after_first"]
    # and the versions the failed run's dbt snapshot saw are not attributed to it later
    run_ids = {row[0] for row in history_runs["unchanged"].query("select distinct run_id from marts.trial_changes")}
    assert _run_id(history_runs["failed"]) not in run_ids


def test_edited_page_and_record_give_versions_and_change_rows(history_runs):
    second = history_runs["second"]
    changes = _changes(second, _run_id(second))
    assert {
        (MIRROR, "CHANGED", "overall_status", "ACTIVE_NOT_RECRUITING", "COMPLETED"),
        (MIRROR, "CHANGED", "enrollment", "76", "80"),
        (OFFICIAL, "CHANGED", "overall_status", "ACTIVE_NOT_RECRUITING", "COMPLETED"),
        (OFFICIAL, "CHANGED", "enrollment", "120", "95"),
        (OFFICIAL, "CHANGED", "enrollment_type", "ESTIMATED", "ACTUAL"),
        (OFFICIAL, "CHANGED", "last_update_date", "2024-05-03", "2025-01-10"),
        (OFFICIAL, "CHANGED", "n_secondary_outcomes", "2", "1"),
        (OFFICIAL, "ROW_REMOVED", "primary_outcomes", "Headache days [12 weeks]", None),
        (OFFICIAL, "ROW_ADDED", "primary_outcomes", None, "Migraine days [12 weeks]"),
        (OFFICIAL, "ROW_REMOVED", "secondary_outcomes", "Quality of life", None),
        (AGGREGATOR, "REMOVED", "trial", None, "REMOVED"),
    } == changes
    versions = second.query(
        "select nct_id, version_number, is_current, closed_by, closed_by_run_id, overall_status"
        " from marts.trial_history order by nct_id, version_number"
    )
    assert versions == [
        (AGGREGATOR, 1, False, "REMOVED", _run_id(second), None),
        (MIRROR, 1, False, "NEW_VERSION", _run_id(second), "ACTIVE_NOT_RECRUITING"),
        (MIRROR, 2, True, None, None, "COMPLETED"),
        (OFFICIAL, 1, False, "NEW_VERSION", _run_id(second), "ACTIVE_NOT_RECRUITING"),
        (OFFICIAL, 2, True, None, None, "COMPLETED"),
    ]
    # a version closes exactly when the next one opens
    assert second.query(
        "select count(*) from marts.trial_history h join marts.trial_history n"
        " on n.nct_id = h.nct_id and n.version_number = h.version_number + 1 where n.valid_from <> h.valid_to"
    ) == [(0,)]


def test_changed_at_is_the_official_records_date_else_the_runs_time(history_runs):
    second = history_runs["second"]
    dates = second.query(
        "select nct_id, changed_at, detected_at, changed_at_source from marts.trial_changes"
        " where run_id = ? group by all order by nct_id",
        [_run_id(second)],
    )
    by_id = {row[0]: row[1:] for row in dates}
    assert str(by_id[OFFICIAL][0]) == "2025-01-10 00:00:00" and by_id[OFFICIAL][2] == "RECORD_LAST_UPDATE"
    assert by_id[MIRROR][0] == by_id[MIRROR][1] and by_id[MIRROR][2] == "RUN"  # a page: the run's time
    assert by_id[AGGREGATOR][0] == by_id[AGGREGATOR][1] and by_id[AGGREGATOR][2] == "RUN"
    valid_from = second.query("select distinct valid_from from marts.trial_history where run_id = ?", [_run_id(second)])
    assert valid_from == [(by_id[MIRROR][1],)]


def test_history_survives_a_deleted_work_folder_and_a_trial_comes_back(history_runs):
    third = history_runs["third"]
    assert third.summary["parsed_this_run"] == 3  # the work folder was rebuilt: all parsed again
    assert _changes(third, _run_id(third)) == {(AGGREGATOR, "RETURNED", "trial", None, "RETURNED")}
    versions = third.query(
        "select nct_id, version_number, is_current, run_id from marts.trial_history order by nct_id, version_number"
    )
    assert [row[:3] for row in versions] == [
        (AGGREGATOR, 1, False),
        (AGGREGATOR, 2, True),
        (MIRROR, 1, False),
        (MIRROR, 2, True),
        (OFFICIAL, 1, False),
        (OFFICIAL, 2, True),
    ]
    assert versions[1][3] == _run_id(third)
    # the earlier runs' versions and changes are still there, with their run ids
    assert _changes(third, _run_id(history_runs["second"])) == _changes(
        history_runs["second"], _run_id(history_runs["second"])
    )


def test_an_unchanged_rerun_adds_nothing(history_runs):
    unchanged = history_runs["unchanged"]
    assert unchanged.summary["parsed_this_run"] == 0
    assert _history_rows(history_runs["history_file"]) == history_runs["history_after_third"]
    assert unchanged.query("select * from marts.trial_changes order by all") == history_runs["changes_after_third"]
    assert unchanged.query("select count(*) from marts.trial_changes where run_id = ?", [_run_id(unchanged)]) == [(0,)]


def test_full_refresh_keeps_the_snapshot(history_runs):
    from trialmart.settings import Settings
    from trialmart.transform import run_dbt

    unchanged = history_runs["unchanged"]
    settings = Settings(warehouse=unchanged.warehouse, work_dir=unchanged.work_dir)
    con = duckdb.connect(str(settings.work_database), read_only=True)
    before = con.execute("select * from history.trial_versions order by all").fetchall()
    con.close()
    run_dbt(settings, "build", "--full-refresh", "--select", "trial_versions+", "--exclude-resource-type", "unit_test")
    con = duckdb.connect(str(settings.work_database), read_only=True)
    try:
        assert con.execute("select * from history.trial_versions order by all").fetchall() == before
    finally:
        con.close()


def test_published_warehouse_still_meets_the_contract(history_runs):
    import subprocess
    import sys

    checker = SHARED / "tools" / "check_contract.py"
    if not checker.exists():
        pytest.skip("shared/tools/check_contract.py not present")
    warehouse = str(history_runs["unchanged"].warehouse)
    completed = subprocess.run([sys.executable, str(checker), warehouse], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_no_history_run_builds_the_marts_without_history(tmp_path):
    # registry-sized loads switch history off (--no-history / TRIALMART_HISTORY=false)
    raw = tmp_path / "raw"
    raw.mkdir()
    for page in (REPOSITORY / "data" / "raw").glob("*.txt"):
        shutil.copy(page, raw / page.name)
    run = run_pipeline(raw, tmp_path / "out", "--no-history")
    assert run.returncode == 0, run.output[-3000:]
    tables = {
        name for (name,) in run.query("select table_name from information_schema.tables where table_schema = 'marts'")
    }
    assert "trials" in tables and not {"trial_history", "trial_changes"} & tables
    assert run.query("select count(*) from marts.trials") == [(5,)]
    assert not list((tmp_path / "out").glob("*.history.duckdb"))
