"""Run the real pipeline (Prefect, dbt, GX) through the `trialmart` CLI, as an operator would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

REPOSITORY = Path(__file__).resolve().parents[1]
SHARED = REPOSITORY.parent / "shared"
TRIALMART = Path(sys.executable).parent / "trialmart"
# one Prefect home for every test run of the pipeline: its database is migrated once, not per run
PREFECT_HOME = Path(
    os.environ.get("TRIALMART_TEST_PREFECT_HOME", Path(tempfile.gettempdir()) / "trialmart-test-prefect-home")
)


@dataclass
class PipelineRun:
    returncode: int
    output: str
    summary: dict
    warehouse: Path
    work_dir: Path

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


def run_pipeline(raw_dir: Path, out_dir: Path, *extra: str, work_dir: Path | None = None) -> PipelineRun:
    """Run `trialmart run` as an operator would, in a subprocess (its own Prefect ephemeral API)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    warehouse = out_dir / "warehouse.duckdb"
    work_dir = work_dir or out_dir / "work"
    summary_path = out_dir / "summary.json"
    summary_path.unlink(missing_ok=True)
    env = {**os.environ, "PREFECT_HOME": str(PREFECT_HOME), "PREFECT_LOGGING_LEVEL": "WARNING"}
    completed = subprocess.run(
        [
            str(TRIALMART),
            "run",
            "--raw-dir",
            str(raw_dir),
            "--warehouse",
            str(warehouse),
            "--work-dir",
            str(work_dir),
            "--summary-json",
            str(summary_path),
            *extra,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPOSITORY,
        timeout=600,
    )
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    return PipelineRun(completed.returncode, completed.stdout + completed.stderr, summary, warehouse, work_dir)
