"""The dbt process started ahead of time (trialmart.dbt_worker): used by run_dbt, gone after it,
the DuckDB lock released; and the plain subprocess whenever it cannot be used."""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import psutil
import pytest

from trialmart import dbt_worker, transform
from trialmart.settings import Settings

PROFILE = """
tiny:
  target: work
  outputs:
    work:
      type: duckdb
      path: "{{ env_var('TRIALMART_WORK_DB') }}"
      threads: 1
"""


def tiny_project(root: Path, model_sql: str = "select 1 as x") -> Path:
    project = root / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: tiny\nversion: '1.0.0'\nprofile: tiny\nconfig-version: 2\n")
    (project / "profiles.yml").write_text(PROFILE)
    (project / "models" / "one.sql").write_text(model_sql)
    return project


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(warehouse=tmp_path / "w.duckdb", dbt_project_dir=tiny_project(tmp_path))


@pytest.fixture(autouse=True)
def no_worker_left():
    dbt_worker.discard()
    yield
    dbt_worker.discard()


@pytest.fixture
def plain_runs(monkeypatch) -> list[list[str]]:
    """Every plain `dbt` subprocess transform.run_dbt starts."""
    started: list[list[str]] = []
    real_run = subprocess.run

    def recording_run(command, *args, **kwargs):
        started.append(list(command))
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(transform.subprocess, "run", recording_run)
    return started


def lock_is_free(database: Path) -> bool:
    con = duckdb.connect(str(database))  # read-write: fails while another process holds the file
    con.close()
    return True


def test_the_prestarted_process_runs_dbt_exits_and_releases_the_lock(settings, plain_runs):
    settings.resolved_work_dir.mkdir(parents=True)
    assert dbt_worker.prestart()
    worker = dbt_worker.pending()
    assert Path(psutil.Process(worker.pid).cmdline()[0]).name == "dbt"  # listed as the dbt it is

    outcome = transform.run_dbt(settings, "build")

    assert outcome.models == 1 and outcome.failures == ()
    assert plain_runs == []  # no second dbt process was started
    assert worker.returncode == 0  # it ran once and exited
    assert dbt_worker.pending() is None
    assert lock_is_free(settings.work_database)
    assert duckdb.connect(str(settings.work_database)).execute("select x from main.one").fetchall() == [(1,)]
    log = (settings.resolved_work_dir / "dbt" / "logs" / "dbt.log").read_text()
    assert "OK created" in log  # what the test-only fault hook of the dbt stage waits for
    assert "Command `dbt build` succeeded" in log


def test_a_failing_model_in_the_worker_is_a_transform_error(tmp_path, plain_runs):
    settings = Settings(
        warehouse=tmp_path / "w.duckdb", dbt_project_dir=tiny_project(tmp_path, "select * from no_such_table")
    )
    settings.resolved_work_dir.mkdir(parents=True)
    dbt_worker.prestart()
    worker = dbt_worker.pending()

    with pytest.raises(transform.TransformError, match=r"model\.tiny\.one"):
        transform.run_dbt(settings, "build")

    assert plain_runs == []
    assert worker.returncode == 1
    assert lock_is_free(settings.work_database)


def test_a_dead_worker_falls_back_to_the_plain_subprocess(settings, plain_runs):
    settings.resolved_work_dir.mkdir(parents=True)
    dbt_worker.prestart()
    worker = dbt_worker.pending()
    worker.kill()
    worker.wait()

    outcome = transform.run_dbt(settings, "build")

    assert outcome.models == 1
    assert len(plain_runs) == 1 and Path(plain_runs[0][0]).name == "dbt"
    assert dbt_worker.pending() is None


def test_a_refused_request_runs_nothing_and_falls_back(tmp_path):
    dbt_worker.prestart()
    worker = dbt_worker.pending()

    completed = dbt_worker.run_prestarted(
        [str(dbt_worker.dbt_script()), "--version"], env={"PATH": "/usr/bin"}, cwd=tmp_path / "missing"
    )

    assert completed is None  # the caller runs the plain subprocess
    assert worker.returncode == dbt_worker.REFUSED_EXIT


def test_another_dbt_executable_leaves_the_worker_waiting(tmp_path):
    dbt_worker.prestart()
    worker = dbt_worker.pending()

    assert dbt_worker.run_prestarted(["/elsewhere/dbt", "build"], env={}, cwd=tmp_path) is None
    assert dbt_worker.pending() is worker and worker.poll() is None


def test_an_unused_worker_is_stopped(tmp_path):
    dbt_worker.prestart()
    worker = dbt_worker.pending()
    assert dbt_worker.prestart() and dbt_worker.pending() is worker  # one at a time

    dbt_worker.discard()

    assert worker.returncode is not None
    assert not psutil.pid_exists(worker.pid) or psutil.Process(worker.pid).status() == psutil.STATUS_ZOMBIE
    assert dbt_worker.pending() is None


def test_the_flow_decorator_stops_its_worker_even_when_the_run_fails():
    seen = []

    @dbt_worker.started_ahead
    def failing_run() -> None:
        seen.append(dbt_worker.pending())
        raise RuntimeError("the run failed")

    with pytest.raises(RuntimeError):
        failing_run()

    assert seen[0] is not None and seen[0].returncode is not None
    assert dbt_worker.pending() is None


def test_a_long_parse_stops_the_waiting_worker_and_a_short_one_keeps_it():
    from flows.pipeline import DBT_WORKER_PARKED_FROM, park_dbt_worker
    from trialmart.bulk import BulkFile
    from trialmart.extract import Plan

    dbt_worker.prestart()
    worker = dbt_worker.pending()
    pages = Plan(to_parse=tuple(f"page-{i}.html" for i in range(50)), unchanged=(), removed=())
    assert pages.parse_units == 50
    assert not park_dbt_worker(pages) and dbt_worker.pending() is worker

    export = BulkFile("export.zip", "ctgov_json", "zip", "", "0" * 64, 2 * 10**9, 550_000)
    registry = Plan(to_parse=("export.zip", "page-1.html"), unchanged=(), removed=(), bulk=(export,))
    assert registry.parse_units == 550_001 >= DBT_WORKER_PARKED_FROM
    assert park_dbt_worker(registry)
    assert dbt_worker.pending() is None
    worker.wait(timeout=10)
    assert not park_dbt_worker(registry)  # nothing left to stop


def test_parse_units_count_what_a_bulk_file_parses():
    from trialmart.bulk import BulkFile
    from trialmart.extract import Plan

    daily = BulkFile("export.zip", "ctgov_json", "zip", "", "0" * 64, 2 * 10**9, 550_000, ((0, 5, "a.json"),) * 3)
    array = BulkFile("search.json", "ctgov_json", "json", "", "1" * 64, 200_000_000, -1)
    plan = Plan(to_parse=("export.zip", "search.json"), unchanged=(), removed=(), bulk=(daily, array))
    assert plan.parse_units == 3 + 10_000  # the changed members; the array by its size


def test_a_build_out_of_memory_says_which_setting_to_raise(tmp_path, monkeypatch):
    project = tiny_project(
        tmp_path, "{{ config(materialized='table') }} select list(repeat('x', 100)) as xs from range(2000000)"
    )
    profile = (project / "profiles.yml").read_text()
    (project / "profiles.yml").write_text(
        profile + "      settings:\n        memory_limit: \"{{ env_var('TRIALMART_DBT_MEMORY_LIMIT') }}\"\n"
    )
    monkeypatch.setenv("TRIALMART_DBT_MEMORY_LIMIT", "24MB")
    settings = Settings(warehouse=tmp_path / "w.duckdb", dbt_project_dir=project)
    settings.resolved_work_dir.mkdir(parents=True)

    with pytest.raises(transform.TransformError, match=r"TRIALMART_DBT_MEMORY_LIMIT=24MB\): set it higher"):
        transform.run_dbt(settings, "build")
