"""dbt, run as a subprocess so the DuckDB file lock is released the moment it returns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from trialmart.settings import Settings


class TransformError(RuntimeError):
    """dbt failed: the message carries the failing nodes and the end of dbt's output."""


@dataclass(frozen=True)
class DbtOutcome:
    models: int
    tests: int
    seconds: float
    failures: tuple[str, ...]


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


# What every pipeline run builds: all models and data tests. The dbt unit tests check model logic,
# not data, and cost several seconds of dbt overhead each run; `make test` runs them through
# tests/dbt (the full `dbt build`).
PIPELINE_BUILD_ARGUMENTS: tuple[str, ...] = ("build", "--exclude-resource-type", "unit_test")


def build_marts(settings: Settings) -> DbtOutcome:
    """Build and test the marts in the work database, as each pipeline run does."""
    return run_dbt(settings, *PIPELINE_BUILD_ARGUMENTS)


def run_dbt(settings: Settings, *arguments: str) -> DbtOutcome:
    """Run one dbt command against the work database; raise TransformError when it fails."""
    dbt_dir = settings.resolved_work_dir / "dbt"
    env = {**os.environ, "TRIALMART_WORK_DB": str(settings.work_database)}
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
    completed = subprocess.run(command, env=env, capture_output=True, text=True, cwd=settings.dbt_project_dir)
    outcome = _read_run_results(dbt_dir / "target" / "run_results.json")
    if completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).strip().splitlines()[-25:])
        failed = "; ".join(outcome.failures) if outcome.failures else "see output"
        raise TransformError(f"dbt {' '.join(arguments)} failed ({failed}):\n{tail}")
    return outcome


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
