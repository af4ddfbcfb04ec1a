"""Publishing safety: readers are never blocked nor shown half a file, failed runs publish nothing.

These runs execute the real flow in this process (so a test can inject a fault), reporting
to the session's Prefect server.
"""

from __future__ import annotations

import hashlib
import json
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.flows.conftest import DeployedRun
from tests.flows.prefect_stack import REPOSITORY, ManagedProcess, PrefectStack, query, stop_process

pytestmark = pytest.mark.slow

SEED_DIR = REPOSITORY / "data" / "raw"

# holds one read-only session on the file for its whole life; answers one query per line
READER = r"""
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("ready", flush=True)
for line in sys.stdin:
    print(json.dumps(con.execute(line).fetchall(), default=str), flush=True)
"""


class Reader:
    """An analyst's session, in another process, kept open on the published file."""

    def __init__(self, warehouse: Path, log_dir: Path):
        self.process = ManagedProcess.start(
            "reader",
            [sys.executable, "-c", READER, str(warehouse)],
            env={"PATH": "/usr/bin:/bin"},
            cwd=log_dir,
            log_dir=log_dir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert self._read_line() == "ready"
        except BaseException:
            self.close()
            raise

    def _read_line(self, timeout: float = 60.0) -> str:
        stdout = self.process.popen.stdout
        ready, _, _ = select.select([stdout], [], [], timeout)
        assert ready, f"reader silent for {timeout:.0f}s:\n{self.process.log_tail()}"
        return stdout.readline().strip()

    def ask(self, sql: str) -> Any:
        self.process.popen.stdin.write(sql + "\n")
        self.process.popen.stdin.flush()
        return json.loads(self._read_line())

    def close(self) -> None:
        stop_process(self.process)


@contextmanager
def reporting_to(stack: PrefectStack) -> Iterator[None]:
    from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: stack.api_url, PREFECT_HOME: stack.environment["PREFECT_HOME"]}):
        yield


def run_flow_here(stack: PrefectStack, **parameters: str):
    """The `trialmart` flow, called in this process; returns its final Prefect state."""
    from flows.pipeline import trialmart

    with reporting_to(stack):
        return trialmart(**parameters, return_state=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published_copy(daily_run: DeployedRun, tmp_path: Path) -> Path:
    """A published warehouse to protect: the file the daily deployment run published."""
    assert daily_run.warehouse.exists(), f"the daily run ({daily_run.state_type}) published nothing"
    published = tmp_path / "published" / "warehouse.duckdb"
    published.parent.mkdir(parents=True)
    shutil.copy2(daily_run.warehouse, published)
    return published


def test_an_open_reader_does_not_block_a_run_and_keeps_its_snapshot(
    prefect_stack: PrefectStack, daily_run: DeployedRun, tmp_path: Path
) -> None:
    published = published_copy(daily_run, tmp_path)  # five trials
    raw = tmp_path / "raw"
    raw.mkdir()
    four_pages = sorted(p for p in SEED_DIR.iterdir() if p.is_file())[:4]
    for page in four_pages:
        shutil.copy2(page, raw / page.name)

    reader = Reader(published, tmp_path)
    try:
        assert reader.ask("select count(*) from marts.trials") == [[5]]

        state = run_flow_here(
            prefect_stack, raw_dir=str(raw), warehouse=str(published), work_dir=str(tmp_path / "work")
        )

        assert state.is_completed(), state.message
        assert state.result().published
        # a new session sees the new file ...
        assert query(published, "select count(*) from marts.trials") == [(4,)]
        # ... while the session opened before the run still reads the whole old one
        assert reader.ask("select count(*) from marts.trials") == [[5]]
        assert reader.ask("select count(*) from marts.source_documents") == [[5]]
    finally:
        reader.close()
    # nothing left beside the published file but the trial history it keeps (issue #15)
    assert sorted(p.name for p in published.parent.iterdir()) == ["warehouse.duckdb", "warehouse.history.duckdb"]


def test_a_run_failing_a_critical_check_leaves_the_published_file_untouched(
    prefect_stack: PrefectStack, daily_run: DeployedRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.pipeline as pipeline
    from flows.pipeline import RunFailed

    published = published_copy(daily_run, tmp_path)
    before = (sha256(published), published.stat().st_mtime_ns, published.stat().st_ino)
    load_batches = pipeline.load_batches

    def load_then_corrupt(con, parsed, removed_or_changed, *bulk):
        """What a parser regression looks like to the staging checks: a malformed NCT id."""
        stats = load_batches(con, parsed, removed_or_changed, *bulk)
        con.execute(
            "update raw.trials set nct_id = 'NCT-broken' where source_file = (select min(source_file) from raw.trials)"
        )
        return stats

    monkeypatch.setattr(pipeline, "load_batches", load_then_corrupt)

    state = run_flow_here(
        prefect_stack, raw_dir=str(SEED_DIR), warehouse=str(published), work_dir=str(tmp_path / "work")
    )

    assert state.is_failed(), f"expected Failed, got {state.type}: {state.message}"
    failure = state.result(raise_on_failure=False)
    assert isinstance(failure, RunFailed), repr(failure)
    assert failure.summary.published is False
    assert "critical staging checks failed" in (failure.summary.failure or "")
    assert (sha256(published), published.stat().st_mtime_ns, published.stat().st_ino) == before
    assert [p.name for p in published.parent.iterdir()] == ["warehouse.duckdb"]
