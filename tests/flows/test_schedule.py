"""A schedule really fires: the server's scheduler creates a run and the worker completes it.

Proves the scheduler service works with the pinned dependencies (Prefect 3.8 with SQLAlchemy
2.1 silently never schedules anything). The deployment is the one of prefect.yaml with only
its name, schedule and parameters changed, deployed with `prefect deploy --prefect-file`.
"""

from __future__ import annotations

import time
from pathlib import Path
from uuid import UUID

import pytest
import yaml

from tests.flows.prefect_stack import REPOSITORY, RUN_TIMEOUT_SECONDS, TERMINAL_STATES, PrefectStack, query

pytestmark = pytest.mark.slow

INTERVAL_SECONDS = 5
DEPLOYMENT_NAME = "every-5-seconds"


def _interval_prefect_file(tmp_path: Path, parameters: dict[str, str]) -> Path:
    """prefect.yaml of the repository, with its deployment renamed and on a short interval."""
    project = yaml.safe_load((REPOSITORY / "prefect.yaml").read_text())
    [deployment] = [d for d in project["deployments"] if d["name"] == "daily"]
    deployment.update(
        name=DEPLOYMENT_NAME,
        parameters=parameters,
        schedules=[{"interval": INTERVAL_SECONDS, "timezone": "UTC", "active": True}],
        # runs due while one is running are cancelled, not queued: they would share a work database
        concurrency_limit={"limit": 1, "collision_strategy": "CANCEL_NEW"},
    )
    project["deployments"] = [deployment]
    prefect_file = tmp_path / "prefect-interval.yaml"
    prefect_file.write_text(yaml.safe_dump(project, sort_keys=False))
    return prefect_file


def test_interval_schedule_fires_and_the_worker_completes_the_run(prefect_stack: PrefectStack, tmp_path: Path) -> None:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterDeploymentId
    from prefect.states import Cancelled, Cancelling

    warehouse = tmp_path / "warehouse.duckdb"
    parameters = {
        "raw_dir": str(REPOSITORY / "data" / "raw"),
        "warehouse": str(warehouse),
        "work_dir": str(tmp_path / "work"),
    }
    prefect_file = _interval_prefect_file(tmp_path, parameters)
    # from the repository root: the entrypoint and the recorded working directory are the checkout
    prefect_stack.prefect("deploy", "--prefect-file", str(prefect_file), "--name", DEPLOYMENT_NAME, cwd=REPOSITORY)
    with prefect_stack.client() as client:
        deployment_id = client.read_deployment_by_name(f"trialmart/{DEPLOYMENT_NAME}").id

    def runs_of_deployment():
        with prefect_stack.client() as client:
            return client.read_flow_runs(
                flow_run_filter=FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(any_=[deployment_id])), limit=200
            )

    started_by_worker: set[UUID] = set()
    try:
        # nobody asked for a run: any run of this deployment comes from the scheduler service
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
        while not started_by_worker:
            runs = runs_of_deployment()
            assert all(run.auto_scheduled for run in runs), "a run the scheduler did not create"
            started_by_worker = {run.id for run in runs if run.state and run.state.type.value != "SCHEDULED"}
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no scheduled run picked up after {RUN_TIMEOUT_SECONDS:.0f}s "
                    f"({len(runs)} runs scheduled)\n{prefect_stack.diagnostics()}"
                )
            time.sleep(1.0)
        # enough: pausing deletes the runs still waiting, so the schedule stops loading the worker
        with prefect_stack.client() as client:
            client.pause_deployment(deployment_id)
        started_by_worker |= {run.id for run in runs_of_deployment() if run.state.type.value != "SCHEDULED"}
        final = prefect_stack.wait_for_terminal(started_by_worker)

        assert "COMPLETED" in final.values(), f"no scheduled run completed: {final}\n{prefect_stack.diagnostics()}"
        # the only other outcome allowed is a run cancelled because another was still running
        assert set(final.values()) <= {"COMPLETED", "CANCELLED"}, f"{final}\n{prefect_stack.diagnostics()}"
        assert query(warehouse, "select count(*) from marts.trials") == [(5,)]
    finally:
        with prefect_stack.client() as client:
            client.pause_deployment(deployment_id)
            for run in runs_of_deployment():
                state_type = run.state.type.value if run.state else "SCHEDULED"
                if state_type in ("PENDING", "RUNNING"):
                    # CANCELLING: the worker kills the flow-run process, then marks it Cancelled
                    client.set_flow_run_state(run.id, Cancelling(), force=True)
                elif state_type not in TERMINAL_STATES:
                    client.set_flow_run_state(run.id, Cancelled(), force=True)
            client.delete_deployment(deployment_id)
