"""Runs that survive faults (issue #13): kills at every stage, two runs at once, full disks,
unwritable and vanishing folders, files changing under the parser.

Every run is a real `trialmart run` process (Prefect, dbt, GX). Faults are real: the run
SIGKILLs or pauses itself at a stage boundary (trialmart.faults, TRIALMART_FAULT_STAGE, test
only), folders are real tmpfs mounts (root only; skipped otherwise). The runs report to one
Prefect server for the module (a temporary server per run costs ~6 s, and one started by a
killed run would outlive it); each run is started in its own session and whatever it leaves
running is killed with its process group.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psutil
import pytest
import yaml

from tests.flows.prefect_stack import ManagedProcess, mart_rows, start_server, stop_process
from tests.pipeline_runner import REPOSITORY, TRIALMART, PipelineRun

SEEDS = REPOSITORY / "data" / "raw"
# the trial history (issue #15) records every published run, so it legitimately differs from a
# single clean run's; every other mart must be equal
RUN_DEPENDENT_MARTS = {"trial_history", "trial_changes"}


@dataclass
class Finished:
    returncode: int
    log: str
    dbt_survivors: list[str]


class Run:
    """One `trialmart run` in its own session, its output in a log file."""

    def __init__(
        self, env: dict, name: str, raw: Path, out: Path, *extra: str, work_dir: Path | None = None, **fault: str
    ):
        self.warehouse = out / "warehouse.duckdb"
        self.work_dir = work_dir or out / "work"
        environment = {**env, "PREFECT_LOGGING_LEVEL": "WARNING"}
        environment.update({f"TRIALMART_FAULT_{key.upper()}": value for key, value in fault.items()})
        command = [str(TRIALMART), "run", "--raw-dir", str(raw), "--warehouse", str(self.warehouse)]
        command += ["--work-dir", str(self.work_dir), *extra]
        self.process = ManagedProcess.start(
            name, command, env=environment, cwd=REPOSITORY, log_dir=out.parent / f"{out.name}-logs"
        )

    @property
    def pid(self) -> int:
        return self.process.popen.pid

    def group(self) -> list[psutil.Process]:
        found = []
        for process in psutil.process_iter(["pid"]):
            try:
                if os.getpgid(process.pid) == self.pid and process.status() != psutil.STATUS_ZOMBIE:
                    found.append(process)
            except (ProcessLookupError, psutil.NoSuchProcess):
                continue
        return found

    def finish(self, timeout: float = 300) -> Finished:
        """Wait for the run's own process (not for what it leaves behind), then clean up its group."""
        try:
            returncode = self.process.popen.wait(timeout)
            survivors = self.dbt_survivors()
        finally:
            stop_process(self.process)
        return Finished(returncode, self.process.log_tail(400), survivors)

    def dbt_survivors(self, grace: float = 5.0) -> list[str]:
        """dbt processes of this run still alive `grace` seconds after the run's process ended."""
        deadline = time.monotonic() + grace
        while True:
            found = []
            for process in self.group():
                with contextlib.suppress(psutil.Error):
                    if any(Path(part).name == "dbt" for part in process.cmdline()[:2]):
                        found.append(" ".join(process.cmdline()))
            if not found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


def wait_for(path: Path, run: Run, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert run.process.popen.poll() is None, f"the run ended before its pause point:\n{run.process.log_tail()}"
        assert time.monotonic() < deadline, f"no pause after {timeout}s:\n{run.process.log_tail()}"
        time.sleep(0.1)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def strays_beside(warehouse: Path) -> list[str]:
    """Files a run may leave beside the published file: temporaries, WAL files."""
    return sorted(
        path.name
        for path in warehouse.parent.iterdir()
        if path.name.startswith(f".{warehouse.name}") or path.name.endswith((".wal", ".tmp"))
    )


def staged_documents(work_dir: Path) -> int:
    con = duckdb.connect(str(work_dir / "work.duckdb"), read_only=True)
    try:
        return con.execute("select count(*) from raw.documents").fetchone()[0]
    finally:
        con.close()


def comparable(warehouse: Path) -> dict:
    return {table: rows for table, rows in mart_rows(warehouse).items() if table not in RUN_DEPENDENT_MARTS}


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> Iterator[dict]:
    """The environment of every run: one Prefect server for the module."""
    stack = start_server(tmp_path_factory.mktemp("fault-runs-prefect"))
    try:
        yield stack.environment
    finally:
        stop_process(stack.server)


@pytest.fixture
def previous(seed_run: PipelineRun, tmp_path: Path) -> tuple[Path, Path, str]:
    """A raw folder of the seed pages and an earlier publication beside an empty work folder."""
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    out = tmp_path / "out"
    out.mkdir()
    shutil.copyfile(seed_run.warehouse, out / "warehouse.duckdb")
    return raw, out, sha256(out / "warehouse.duckdb")


def test_the_scheduled_deployment_runs_one_at_a_time():
    deployments = yaml.safe_load((REPOSITORY / "prefect.yaml").read_text())["deployments"]
    daily = next(deployment for deployment in deployments if deployment["name"] == "daily")
    assert daily["concurrency_limit"] == 1


# where each kill lands, told by the work database afterwards: documents committed to staging
STAGES = [("discover", 0), ("parse", 0), ("load", 0), ("dbt", 5), ("validate", 5), ("publish", 5)]


@pytest.mark.slow
def test_a_run_killed_at_any_stage_changes_nothing_and_the_next_run_equals_a_clean_one(env, seed_run, previous):
    raw, out, published = previous
    for number, (stage, documents) in enumerate(STAGES):
        run = Run(env, f"kill-{stage}", raw, out, stage=stage)
        finished = run.finish()
        assert finished.returncode == -signal.SIGKILL, f"{stage}: not killed:\n{finished.log}"
        assert sha256(run.warehouse) == published, f"killed in {stage}: the published file changed"
        assert strays_beside(run.warehouse) == [], f"killed in {stage}: files left beside the warehouse"
        # a load commits whole groups of documents: a kill before the commit leaves no staged row
        assert staged_documents(run.work_dir) == documents, stage
        # the dbt a run started dies with it: it must not go on writing under the next run
        assert finished.dbt_survivors == [], f"killed in {stage}: dbt outlived the run"
        if number:  # every run after the first finds the lock of a killed run
            assert f"took over a stale run lock in {run.work_dir}" in finished.log, finished.log
    # the publish kill left its finished temporary file in the work folder, not beside the warehouse
    assert [path.name for path in run.work_dir.glob(".warehouse.duckdb.*.tmp")] == [f".warehouse.duckdb.{run.pid}.tmp"]

    final = Run(env, "after-kills", raw, out, "--summary-json", str(out / "summary.json"))
    finished = final.finish()
    assert finished.returncode == 0, finished.log
    assert "took over a stale run lock" in finished.log
    assert f"temporary publication file left by run pid {run.pid}, which was killed" in finished.log
    assert list(final.work_dir.glob(".warehouse.duckdb.*")) == []
    assert strays_beside(final.warehouse) == []
    assert sha256(final.warehouse) != published
    assert comparable(final.warehouse) == comparable(seed_run.warehouse)


@pytest.mark.slow
def test_a_second_run_on_the_same_work_folder_fails_at_once_or_waits(env, previous):
    raw, out, _ = previous
    pause = out / "paused"
    first = Run(env, "first", raw, out, stage="discover", action="pause", file=str(pause))
    try:
        wait_for(pause, first)
        started = time.monotonic()
        second = Run(env, "second", raw, out).finish(60)
        assert second.returncode == 3, second.log
        assert time.monotonic() - started < 20  # before Prefect even starts
        assert f"another trialmart run is using {first.work_dir}: pid {first.pid} on host " in second.log
        assert ", started 20" in second.log and "--wait-lock" in second.log

        timed_out = Run(env, "third", raw, out, "--wait-lock", "2").finish(60)
        assert timed_out.returncode == 3, timed_out.log
        assert f"gave up after waiting 2s: another trialmart run is using {first.work_dir}: pid {first.pid}" in (
            timed_out.log
        )

        waiting = Run(env, "waiting", raw, out, "--wait-lock", "300")
        deadline = time.monotonic() + 30
        while "waiting up to 300s" not in waiting.process.log_tail():
            assert time.monotonic() < deadline, waiting.process.log_tail()
            time.sleep(0.1)
        # the first run is killed while the other waits: its lock is free, its record stale
        os.kill(first.pid, signal.SIGKILL)
        assert first.finish().returncode == -signal.SIGKILL
        waited = waiting.finish()
        assert waited.returncode == 0, waited.log
        assert f"took over a stale run lock in {first.work_dir}: the run pid {first.pid} on host " in waited.log
        assert "no longer running" in waited.log and "the other run finished after" in waited.log
    finally:
        stop_process(first.process)


@pytest.mark.slow
def test_a_raw_folder_that_disappears_mid_run_publishes_nothing_and_loads_nothing(env, previous):
    raw, out, published = previous
    pause = out / "paused"
    run = Run(env, "vanishing", raw, out, stage="discover", action="pause", file=str(pause))
    wait_for(pause, run)
    away = raw.with_name("raw-away")
    raw.rename(away)  # planned, not yet parsed
    pause.unlink()
    finished = run.finish()
    assert finished.returncode == 1, finished.log
    assert f"the raw folder {raw} disappeared during the run: what was read after it went was not loaded" in (
        finished.log
    )
    assert "the published warehouse" in finished.log and "was not replaced" in finished.log
    assert sha256(run.warehouse) == published
    # without the check, every document would be staged REJECTED ("file vanished") and published
    assert staged_documents(run.work_dir) == 0


@pytest.mark.slow
def test_files_deleted_or_rewritten_while_the_run_reads_them(env, previous):
    raw, out, _ = previous
    pause = out / "paused"
    run = Run(env, "changing", raw, out, stage="discover", action="pause", file=str(pause))
    wait_for(pause, run)
    deleted, rewritten = raw / "001_f475fce0bf5c0d50.txt", raw / "000_5c26534db39ab199.txt"
    deleted.unlink()
    rewritten.write_text(rewritten.read_text() + "\nA line added after the run planned this file.\n")
    pause.unlink()
    finished = run.finish()
    assert finished.returncode == 0, finished.log
    con = duckdb.connect(str(run.warehouse), read_only=True)
    try:
        rows = dict(
            (source_file, (status, message, sha))
            for source_file, status, message, sha in con.execute(
                "select source_file, parse_status, message, content_sha256 from marts.source_documents"
            ).fetchall()
        )
    finally:
        con.close()
    status, message, _ = rows[deleted.name]
    assert status == "REJECTED" and "vanished" in message
    # what was parsed is what the stored hash says: the next run compares against the new bytes
    assert rows[rewritten.name][2] == hashlib.sha256(rewritten.read_bytes()).hexdigest()


@pytest.mark.slow
def test_a_broken_work_database_is_rebuilt_and_logged(env, seed_run, previous):
    raw, out, _ = previous
    work = out / "work"
    shutil.copytree(seed_run.work_dir, work)
    (work / "work.duckdb").write_bytes(b"not a database, a crash left this" * 1000)
    finished = Run(env, "broken-work", raw, out).finish()
    assert finished.returncode == 0, finished.log
    assert f"the work database {work / 'work.duckdb'} could not be opened" in finished.log
    assert "this run re-parses every document" in finished.log
    assert comparable(out / "warehouse.duckdb") == comparable(seed_run.warehouse)


# --- resources: small real file systems (tmpfs), which needs root ---


@contextmanager
def tmpfs(path: Path, size: int, read_only: bool = False, content: Path | None = None) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a size-limited tmpfs for the full-disk / read-only folder")
    path.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        if content is not None:
            shutil.copyfile(content, path / content.name)
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_a_warehouse_folder_that_is_full_or_read_only_keeps_the_previous_publication(env, previous, tmp_path, fault):
    raw, out, published = previous
    previous_file = out / "warehouse.duckdb"
    size = previous_file.stat().st_size + 512 * 1024  # the old file fits, a second copy does not
    with tmpfs(tmp_path / "mnt", size, read_only=fault == "read-only", content=previous_file) as folder:
        finished = Run(env, f"warehouse-{fault}", raw, folder, work_dir=out / "work").finish()
        assert finished.returncode == 1, finished.log
        assert ("No space left on device" if fault == "full" else "Read-only file system") in finished.log
        assert "was not replaced" in finished.log
        assert sha256(folder / "warehouse.duckdb") == published
        assert strays_beside(folder / "warehouse.duckdb") == []
        assert sorted(path.name for path in folder.iterdir()) == ["warehouse.duckdb"]


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_a_work_folder_that_is_full_or_read_only_fails_clearly(env, previous, tmp_path, fault):
    raw, out, published = previous
    with tmpfs(tmp_path / "mnt", 300 * 1024, read_only=fault == "read-only") as folder:
        finished = Run(env, f"work-{fault}", raw, out, work_dir=folder / "work").finish()
        assert finished.returncode == 1, finished.log
        if fault == "read-only":
            assert f"cannot use the work folder {folder / 'work'}" in finished.log
            assert "Read-only file system" in finished.log
        else:
            assert "No space left on device" in finished.log
        assert sha256(out / "warehouse.duckdb") == published
        assert strays_beside(out / "warehouse.duckdb") == []
