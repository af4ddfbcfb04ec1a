"""dbt, run as a subprocess so the DuckDB file lock is released the moment it returns.

A run starts that process ahead of time (trialmart.dbt_worker) and hands it the command here;
without one (or when it cannot be used) the `dbt` command is started as a plain subprocess."""

from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from trialmart import dbt_worker
from trialmart.faults import fault_when
from trialmart.settings import Settings


class TransformError(RuntimeError):
    """dbt failed: the message carries the failing nodes and the end of dbt's output."""


@dataclass(frozen=True)
class DbtOutcome:
    models: int
    tests: int
    seconds: float
    failures: tuple[str, ...]
    full_refresh: bool = False
    trials_rebuilt: int | None = None  # rows of staging.int_changed_trials after the build


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


# What every pipeline run builds: all models and data tests. The dbt unit tests check model logic,
# not data, and cost several seconds of dbt overhead each run; `make test` runs them through
# tests/dbt (the full `dbt build`).
PIPELINE_BUILD_ARGUMENTS: tuple[str, ...] = ("build", "--exclude-resource-type", "unit_test")


# The nodes of trial history (issue #15), left out of the build when settings.history is off.
HISTORY_NODES: tuple[str, ...] = ("int_trial_history_source", "trial_versions", "trial_history", "trial_changes")


# The marts with rows per trial are incremental (dbt_project/macros/incremental.sql): a run
# rebuilds only the trials whose inputs changed. They are rebuilt from scratch (--full-refresh)
# when asked, and whenever the dbt project is not the one that built them (an upgrade may change
# any model's SQL, which dbt's incremental models would not notice): the project's fingerprint
# is kept beside the dbt target after each successful build.
PROJECT_STATE_FILE = "built_project.sha256"

# DuckDB's memory cap in the dbt build, unless TRIALMART_DBT_MEMORY_LIMIT says otherwise. Past
# it DuckDB spills to the work folder, except for the list aggregates of the trial history
# snapshot, which must fit: 108,000 trials with history build in 320 MB (25.9 s; 22.6 s with
# 1 GB), 200,000 needed more than 448 MB. So 512 MB, and 1 GB with history past 150,000 trials.
DBT_MEMORY_LIMIT = "512MB"
DBT_HISTORY_MEMORY_LIMIT = "1GB"
HISTORY_TRIALS_FOR_MORE_MEMORY = 150_000
_PROJECT_PARTS = ("dbt_project.yml", "models", "macros", "snapshots", "tests")


def project_fingerprint(project_dir: Path) -> str:
    """SHA-256 over the dbt project's own files (paths and bytes)."""
    digest = hashlib.sha256()
    for part in _PROJECT_PARTS:
        root = project_dir / part
        files = sorted(path for path in root.rglob("*") if path.is_file()) if root.is_dir() else [root]
        for path in files:
            if path.exists():
                digest.update(path.relative_to(project_dir).as_posix().encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_marts(settings: Settings) -> DbtOutcome:
    """Build and test the marts in the work database, as each pipeline run does: incrementally,
    or from scratch when asked, on a new work folder, or when the project changed."""
    state = settings.resolved_work_dir / "dbt" / PROJECT_STATE_FILE
    fingerprint = project_fingerprint(settings.dbt_project_dir)
    full_refresh = settings.full_refresh or not state.exists() or state.read_text().strip() != fingerprint
    arguments = [*PIPELINE_BUILD_ARGUMENTS, *(["--full-refresh"] if full_refresh else [])]
    if not settings.history:
        arguments += ["--exclude", *HISTORY_NODES]
    outcome = run_dbt(settings, *arguments)
    state.write_text(fingerprint + "\n")
    return dataclasses.replace(
        outcome, full_refresh=full_refresh, trials_rebuilt=_trials_rebuilt(settings.work_database)
    )


def dbt_memory_limit(settings: Settings) -> str:
    """TRIALMART_DBT_MEMORY_LIMIT when set, else the default for what this build holds."""
    configured = os.environ.get("TRIALMART_DBT_MEMORY_LIMIT", "").strip()
    if configured:
        return configured
    if settings.history and (_count(settings.work_database, "raw.trials") or 0) > HISTORY_TRIALS_FOR_MORE_MEMORY:
        return DBT_HISTORY_MEMORY_LIMIT
    return DBT_MEMORY_LIMIT


def _count(work_database: Path, table: str) -> int | None:
    import duckdb

    try:
        con = duckdb.connect(str(work_database), read_only=True)
    except duckdb.Error:
        return None
    try:
        return con.execute(f"select count(*) from {table}").fetchall()[0][0]
    except duckdb.Error:
        return None
    finally:
        con.close()


def _trials_rebuilt(work_database: Path) -> int | None:
    return _count(work_database, "staging.int_changed_trials")


def run_dbt(settings: Settings, *arguments: str) -> DbtOutcome:
    """Run one dbt command against the work database; raise TransformError when it fails."""
    dbt_dir = settings.resolved_work_dir / "dbt"
    env = {
        **os.environ,
        "TRIALMART_WORK_DB": str(settings.work_database),
        "TRIALMART_DBT_MEMORY_LIMIT": dbt_memory_limit(settings),
    }
    command = [
        dbt_executable(),
        *arguments,
        "--project-dir",
        str(settings.dbt_project_dir),
        "--profiles-dir",
        str(settings.dbt_project_dir),
        "--target-path",
        str(dbt_dir / "target"),
        "--log-path",
        str(dbt_dir / "logs"),
    ]
    log_file = dbt_dir / "logs" / "dbt.log"
    log_offset = log_file.stat().st_size if log_file.exists() else 0
    # test-only (trialmart.faults): kill this run once dbt has built a model and is still running
    fault_when("dbt", lambda: _log_since(log_file, log_offset).count("OK created") >= 1)
    # the dbt process this run started ahead of time (trialmart.dbt_worker), else a new one
    completed = dbt_worker.run_prestarted(command, env=env, cwd=settings.dbt_project_dir)
    if completed is None:
        completed = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            cwd=settings.dbt_project_dir,
            preexec_fn=_die_with_parent,
        )
    outcome = _read_run_results(dbt_dir / "target" / "run_results.json")
    if completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).strip().splitlines()[-25:])
        failed = "; ".join(outcome.failures) if outcome.failures else "see output"
        hint = ""
        if "Out of Memory Error" in completed.stdout + completed.stderr:
            hint = (
                "\nDuckDB ran out of memory in the dbt build "
                f"(TRIALMART_DBT_MEMORY_LIMIT={env['TRIALMART_DBT_MEMORY_LIMIT']}): set it higher (e.g. 1GB), "
                "or run with --no-history"
            )
        raise TransformError(f"dbt {' '.join(arguments)} failed ({failed}):\n{tail}{hint}")
    return outcome


PR_SET_PDEATHSIG = 1
try:  # resolved here, in the parent: the child between fork and exec only calls it
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux
    _PRCTL = None


def _die_with_parent() -> None:
    """In the dbt child (Linux): SIGKILL it when the run that started it dies, so a killed run
    never leaves a dbt still writing the work database under the next run."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, int(signal.SIGKILL))


def _log_since(path: Path, offset: int) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _read_run_results(path: Path) -> DbtOutcome:
    try:
        results = json.loads(path.read_text())
    except (OSError, ValueError):
        return DbtOutcome(0, 0, 0.0, ())
    nodes = results.get("results", [])
    models = sum(1 for n in nodes if n.get("unique_id", "").startswith("model."))
    tests = sum(1 for n in nodes if n.get("unique_id", "").startswith(("test.", "unit_test.")))
    failures = tuple(
        f"{n['unique_id']}: {n.get('message') or n.get('status')}"
        for n in nodes
        if n.get("status") in ("error", "fail", "runtime error")
    )
    return DbtOutcome(models, tests, float(results.get("elapsed_time", 0.0)), failures)
