"""The `daily` deployment of prefect.yaml, run by a process worker as an operator would run it."""

from __future__ import annotations

import pytest

from tests.flows.conftest import DeployedRun
from tests.flows.prefect_stack import DAILY_DEPLOYMENT, REPOSITORY, WORK_POOL, PrefectStack, query

pytestmark = pytest.mark.slow

SEED_PAGES = 5  # data/raw holds five trial pages, one trial each


def test_daily_deployment_is_registered_as_prefect_yaml_describes(prefect_stack: PrefectStack) -> None:
    with prefect_stack.client() as client:
        deployment = client.read_deployment_by_name(DAILY_DEPLOYMENT)

    assert deployment.entrypoint == "flows/pipeline.py:trialmart"
    assert deployment.work_pool_name == WORK_POOL
    assert deployment.parameters == {"raw_dir": "data/raw", "warehouse": "data/warehouse.duckdb"}
    [schedule] = deployment.schedules
    assert schedule.active
    assert schedule.schedule.cron == "0 5 * * *"
    assert schedule.schedule.timezone == "UTC"
    # the flow runs from the checkout the deployment was made from, wherever the worker started
    assert deployment.pull_steps == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(REPOSITORY)}}
    ]


def test_daily_run_completes_and_publishes_the_marts(daily_run: DeployedRun, prefect_stack: PrefectStack) -> None:
    assert daily_run.state_type == "COMPLETED", prefect_stack.diagnostics()
    with prefect_stack.client() as client:
        parameters = client.read_flow_run(daily_run.flow_run_id).parameters
    # the committed relative raw_dir found the seed pages: the run worked in the checkout
    assert parameters["raw_dir"] == "data/raw"
    assert query(daily_run.warehouse, "select count(*) from marts.trials") == [(SEED_PAGES,)]
    assert query(daily_run.warehouse, "select count(*) from marts.source_documents") == [(SEED_PAGES,)]
    # nothing of the build area is left next to the published file
    assert sorted(p.name for p in daily_run.warehouse.parent.iterdir() if "publishing" in p.name) == []


def test_run_summary_artifact_holds_documents_rows_and_checks(
    daily_run: DeployedRun, prefect_stack: PrefectStack
) -> None:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    with prefect_stack.client() as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["trialmart-run-summary"]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[daily_run.flow_run_id]),
            )
        )

    assert len(artifacts) == 1, f"expected one run summary for the run, got {len(artifacts)}"
    [artifact] = artifacts
    assert artifact.type == "markdown"
    markdown = artifact.data
    assert "SUCCEEDED" in markdown.splitlines()[0]
    for heading in ("## Documents by status and layout", "## Rows per mart", "## Data quality"):
        assert heading in markdown
    assert f"| marts.trials | {SEED_PAGES} |" in markdown
    # both checkpoints of the validation sandwich appear in the checks table
    assert any(line.startswith("| staging |") for line in markdown.splitlines())
    assert any(line.startswith("| marts |") for line in markdown.splitlines())
