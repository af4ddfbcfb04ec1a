"""One private Prefect stack per test session: server -> pool -> deploy (prefect.yaml) -> worker.

Every process is stopped in the fixture's `finally` (and, should the fixture itself crash, at
interpreter exit), so no server, worker or flow run outlives the tests.
"""

from __future__ import annotations

import atexit
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest

from tests.flows.prefect_stack import (
    DAILY_DEPLOYMENT,
    REPOSITORY,
    WORK_POOL,
    PrefectStack,
    start_server,
    start_worker,
    stop_all_started,
    stop_process,
)

atexit.register(stop_all_started)


@pytest.fixture(scope="session")
def prefect_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectStack]:
    """The operator path of the README, on a free port: make server, make pool, make deploy, make worker."""
    base_dir = tmp_path_factory.mktemp("prefect-stack")
    stack = start_server(base_dir)
    try:
        stack.prefect("work-pool", "create", WORK_POOL, "--type", "process", "--overwrite")
        start_worker(stack)  # it starts up while the deployment is registered
        # from the repository root, exactly as `make deploy`: every deployment of prefect.yaml
        stack.prefect("deploy", "--all", cwd=REPOSITORY)
        yield stack
    finally:
        if stack.worker is not None:
            stop_process(stack.worker)
        stop_process(stack.server)


@dataclass(frozen=True)
class DeployedRun:
    flow_run_id: UUID
    state_type: str
    warehouse: Path
    work_dir: Path


@pytest.fixture(scope="session")
def daily_run(prefect_stack: PrefectStack, tmp_path_factory: pytest.TempPathFactory) -> DeployedRun:
    """One run of the `trialmart/daily` deployment on the seed pages, executed by the worker.

    raw_dir keeps the deployment's relative `data/raw`: it resolves in the checkout only because
    the pull step moved the run there (the worker runs elsewhere). The warehouse is redirected to
    a temporary file so the test never replaces data/warehouse.duckdb.
    """
    out = tmp_path_factory.mktemp("daily-run")
    warehouse, work_dir = out / "warehouse.duckdb", out / "work"
    flow_run_id = prefect_stack.run_deployment(
        DAILY_DEPLOYMENT, {"warehouse": str(warehouse), "work_dir": str(work_dir)}
    )
    state_type = prefect_stack.wait_for_terminal([flow_run_id])[flow_run_id]
    return DeployedRun(flow_run_id, state_type, warehouse, work_dir)
