"""`dask_address`: the parse stage runs on a Dask cluster through prefect-dask, same marts."""

from __future__ import annotations

import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.flows.conftest import DeployedRun
from tests.flows.prefect_stack import (
    DAILY_DEPLOYMENT,
    REPOSITORY,
    ManagedProcess,
    PrefectStack,
    mart_rows,
    stop_process,
)

pytestmark = pytest.mark.slow

CLUSTER_SCRIPT = Path(__file__).with_name("dask_cluster.py")


def test_parse_on_a_two_worker_dask_cluster_gives_the_same_marts(
    prefect_stack: PrefectStack, daily_run: DeployedRun, tmp_path: Path
) -> None:
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterParentFlowRunId,
        TaskRunFilter,
        TaskRunFilterFlowRunId,
    )

    # the cluster's workers report their task runs to the same Prefect server
    cluster = ManagedProcess.start(
        "dask-cluster",
        [sys.executable, str(CLUSTER_SCRIPT)],
        env=prefect_stack.environment,
        cwd=tmp_path,
        log_dir=prefect_stack.log_dir,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([cluster.popen.stdout], [], [], 120)
        assert ready, f"no Dask scheduler address:\n{cluster.log_tail()}"
        address = cluster.popen.stdout.readline().strip()
        assert address.startswith("tcp://127.0.0.1:"), f"{address!r}\n{cluster.log_tail()}"

        warehouse = tmp_path / "warehouse.duckdb"
        flow_run_id = prefect_stack.run_deployment(
            DAILY_DEPLOYMENT,
            {
                "raw_dir": str(REPOSITORY / "data" / "raw"),
                "warehouse": str(warehouse),
                "work_dir": str(tmp_path / "work"),
                "dask_address": address,
            },
        )
        state = prefect_stack.wait_for_terminal([flow_run_id])[flow_run_id]
        assert state == "COMPLETED", f"{state}\n{prefect_stack.diagnostics()}\n{cluster.log_tail()}"

        with prefect_stack.client() as client:
            # the parse stage ran as the Dask subflow of this run, its batches as Prefect tasks
            [extract_load] = client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=["trialmart-extract-load"])),
                flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[flow_run_id])),
            )
            [on_dask] = client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=["trialmart-parse-on-dask"])),
                flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[extract_load.id])),
            )
            parse_tasks = client.read_task_runs(
                task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[on_dask.id]))
            )
        assert on_dask.state.is_completed()
        assert parse_tasks and all(t.state.is_completed() for t in parse_tasks)
        assert all(t.name.startswith("parse-batch") for t in parse_tasks), [t.name for t in parse_tasks]
    finally:
        stop_process(cluster)

    assert daily_run.state_type == "COMPLETED", "the local run to compare with failed"
    assert mart_rows(warehouse) == mart_rows(daily_run.warehouse)
