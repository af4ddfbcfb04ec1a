"""A real, private Prefect stack for the flow tests: server, process work pool, deployment, worker.

Everything runs as the operator would run it (the `prefect` CLI of this virtualenv), but on a
free port with a temporary PREFECT_HOME and database, so a test never touches a developer's
server or profile. Every process is started in its own session and stopped by `stop_process`,
which also reaps what the process spawned (flow-run supervisors start their own sessions).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import duckdb
import httpx
import psutil

REPOSITORY = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PREFECT = str(BIN / "prefect")
WORK_POOL = "trialmart-process"
DAILY_DEPLOYMENT = "trialmart/daily"
# generous: the CI machine may be busy; a healthy run takes well under a minute
RUN_TIMEOUT_SECONDS = float(os.environ.get("TRIALMART_FLOW_TEST_TIMEOUT", "420"))
SERVER_START_TIMEOUT_SECONDS = 240.0
TERMINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
FLOW_RUN_UUID = re.compile(r"UUID:\s*([0-9a-f-]{36})")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ManagedProcess:
    """A background process started in its own session, with its output in a log file."""

    name: str
    popen: subprocess.Popen
    log_path: Path
    descendants: dict[int, psutil.Process] = field(default_factory=dict)

    @classmethod
    def start(
        cls, name: str, command: list[str], *, env: Mapping[str, str], cwd: Path, log_dir: Path, **popen: Any
    ) -> ManagedProcess:
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"{name}.log"
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                command,
                env=dict(env),
                cwd=cwd,
                stdout=popen.pop("stdout", log),
                stderr=popen.pop("stderr", subprocess.STDOUT),
                start_new_session=True,
                **popen,
            )
        managed = cls(name, process, log_path)
        _STARTED.append(managed)
        return managed

    def remember_descendants(self) -> None:
        """Record the process tree now: children that start their own session stay known."""
        try:
            for child in psutil.Process(self.popen.pid).children(recursive=True):
                self.descendants.setdefault(child.pid, child)
        except psutil.NoSuchProcess:
            pass

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        stop_process(self)


_STARTED: list[ManagedProcess] = []


def stop_process(process: ManagedProcess) -> None:
    """Stop a process and everything it started; never leaves one behind.

    A Prefect worker shuts down gracefully on SIGINT but ignores a first SIGTERM, so:
    SIGINT, a second SIGINT, then SIGKILL for the group and for every descendant seen.
    """
    process.remember_descendants()
    popen = process.popen
    for sig, grace in ((signal.SIGINT, 10.0), (signal.SIGINT, 5.0)):
        if popen.poll() is not None:
            break
        process.remember_descendants()
        _signal_group(popen.pid, sig)
        try:
            popen.wait(grace)
        except subprocess.TimeoutExpired:
            continue
    process.remember_descendants()
    _signal_group(popen.pid, signal.SIGKILL)
    for child in process.descendants.values():
        try:
            if child.is_running():
                # a descendant that started its own session (a flow-run supervisor) owns a group
                _signal_group(child.pid, signal.SIGKILL, only_if_leader=True)
                child.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs([c for c in process.descendants.values() if _alive(c)], timeout=10)
    with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL cannot be ignored: this returns
        popen.wait(10)
    if process in _STARTED:
        _STARTED.remove(process)


def stop_all_started() -> None:
    """Last resort at interpreter exit: whatever a crashed fixture did not stop."""
    for process in list(reversed(_STARTED)):
        stop_process(process)


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _signal_group(pid: int, sig: signal.Signals, only_if_leader: bool = False) -> None:
    try:
        if only_if_leader and os.getpgid(pid) != pid:
            return
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def prefect_environment(home: Path, api_url: str) -> dict[str, str]:
    """The environment of every process of the stack: private, offline, quick to react."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    environment.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_API_URL": api_url,
            "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_UI_ENABLED": "false",
            "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
            # the scheduler service looks for due deployments every second (default 60 s)
            "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "1",
            # the worker polls its pool every second (default 15 s)
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_WORKER_PREFETCH_SECONDS": "2",
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_VERSION_CHECK": "false",
            # absolute, so a process started in another directory still imports this checkout
            "PYTHONPATH": os.pathsep.join([str(REPOSITORY / "src"), str(REPOSITORY)]),
        }
    )
    return environment


@dataclass
class PrefectStack:
    """The running server (and, once started, the worker) the flow tests share."""

    api_url: str
    environment: dict[str, str]
    base_dir: Path
    server: ManagedProcess
    worker: ManagedProcess | None = None

    @property
    def log_dir(self) -> Path:
        return self.base_dir / "logs"

    def prefect(self, *arguments: str, timeout: float = 180.0, cwd: Path = REPOSITORY) -> subprocess.CompletedProcess:
        """Run a `prefect` CLI command against this stack; raise with its output when it fails."""
        completed = subprocess.run(
            [PREFECT, "--no-prompt", *arguments],
            env=self.environment,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
        )
        if completed.returncode != 0:
            raise AssertionError(
                f"prefect {' '.join(arguments)} exited {completed.returncode}:\n{completed.stdout}\n{completed.stderr}"
            )
        return completed

    def client(self):
        from prefect.client.orchestration import SyncPrefectClient

        return SyncPrefectClient(self.api_url)

    def flow_run_state(self, flow_run_id: UUID) -> tuple[str, str]:
        with self.client() as client:
            state = client.read_flow_run(flow_run_id).state
        return (state.type.value, state.name) if state else ("", "")

    def wait_for_terminal(self, flow_run_ids: Iterable[UUID], timeout: float = RUN_TIMEOUT_SECONDS) -> dict[UUID, str]:
        """Wait until every flow run is in a terminal state; return each one's state type."""
        pending = set(flow_run_ids)
        states: dict[UUID, str] = {}
        deadline = time.monotonic() + timeout
        while pending:
            for flow_run_id in list(pending):
                state_type, _ = self.flow_run_state(flow_run_id)
                if state_type in TERMINAL_STATES:
                    states[flow_run_id] = state_type
                    pending.discard(flow_run_id)
            if not pending:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"flow runs still not finished after {timeout:.0f}s: {sorted(map(str, pending))}")
            time.sleep(1.0)
        return states

    def run_deployment(self, name: str, parameters: dict[str, Any]) -> UUID:
        """`prefect deployment run NAME --params ... --watch`: the operator's command; returns the run id."""
        completed = subprocess.run(
            [
                PREFECT,
                "--no-prompt",
                "deployment",
                "run",
                name,
                "--params",
                json.dumps(parameters),
                "--watch",
                "--watch-interval",
                "2",
                "--watch-timeout",
                str(int(RUN_TIMEOUT_SECONDS)),
            ],
            env=self.environment,
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_SECONDS + 60,
            start_new_session=True,
        )
        match = FLOW_RUN_UUID.search(completed.stdout)
        assert match, f"no flow run created:\n{completed.stdout}\n{completed.stderr}"
        return UUID(match.group(1))

    def diagnostics(self) -> str:
        parts = [f"--- server log ---\n{self.server.log_tail(30)}"]
        if self.worker:
            parts.append(f"--- worker log ---\n{self.worker.log_tail(120)}")
        return "\n".join(parts)


def start_server(base_dir: Path) -> PrefectStack:
    """`prefect server start` on a free port with a private home; wait until /api/health answers."""
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    home = base_dir / "prefect-home"
    home.mkdir(parents=True, exist_ok=True)
    environment = prefect_environment(home, api_url)
    server = ManagedProcess.start(
        "server",
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=environment,
        cwd=base_dir,
        log_dir=base_dir / "logs",
    )
    stack = PrefectStack(api_url, environment, base_dir, server)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while True:
        if server.popen.poll() is not None:
            stop_process(server)
            raise RuntimeError(f"prefect server exited {server.popen.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(f"{api_url}/health", timeout=2.0).status_code == 200:
                return stack
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            stop_process(server)
            raise RuntimeError(
                f"prefect server not healthy after {SERVER_START_TIMEOUT_SECONDS:.0f}s:\n{server.log_tail()}"
            )
        time.sleep(0.5)


def start_worker(stack: PrefectStack) -> ManagedProcess:
    """`prefect worker start --pool trialmart-process`, from a directory that is NOT the checkout:
    the deployment's pull step must be what puts each flow run in the repository."""
    elsewhere = stack.base_dir / "worker-cwd"
    elsewhere.mkdir(exist_ok=True)
    worker = ManagedProcess.start(
        "worker",
        [PREFECT, "worker", "start", "--pool", WORK_POOL],
        env=stack.environment,
        cwd=elsewhere,
        log_dir=stack.log_dir,
    )
    stack.worker = worker
    return worker


def mart_rows(warehouse: Path) -> dict[str, list[tuple]]:
    """Every public mart's rows, sorted, minus what legitimately differs between two runs
    (the data-quality history, the trial history's run ids and times, load timestamps)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        rows: dict[str, list[tuple]] = {}
        for table in tables:
            if table in ("dq_results", "trial_history", "trial_changes"):
                continue
            columns = [
                column
                for column, data_type in con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
                if not data_type.startswith("TIMESTAMP")
            ]
            select = ", ".join(f'"{column}"' for column in columns)
            fetched = con.execute(f'select {select} from marts."{table}"').fetchall()
            rows[table] = sorted(fetched, key=repr)
        return rows
    finally:
        con.close()


def query(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
