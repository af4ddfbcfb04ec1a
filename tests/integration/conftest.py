"""Fixtures that run the real pipeline (Prefect, dbt, GX) through the `trialmart` CLI."""

from __future__ import annotations

import shutil

import pytest

from tests.pipeline_runner import REPOSITORY, PipelineRun, run_pipeline


@pytest.fixture(scope="session")
def seed_run(tmp_path_factory) -> PipelineRun:
    """The five seed pages of data/raw, through the whole pipeline, once per test session."""
    out = tmp_path_factory.mktemp("seed-run")
    raw = out / "raw"
    shutil.copytree(REPOSITORY / "data" / "raw", raw)
    run = run_pipeline(raw, out)
    assert run.returncode == 0, run.output
    return run
