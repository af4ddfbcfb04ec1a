"""Test-only fault points: stop a real run at a chosen stage, deterministically.

Nothing happens unless TRIALMART_FAULT_STAGE names a stage; production never sets it. It exists
so that `tests/integration/test_faults.py` can SIGKILL (or pause) a real `trialmart run` at
each stage boundary, with real processes and signals, and check what the run promises:

    TRIALMART_FAULT_STAGE   discover | parse | load | dbt | validate | publish
    TRIALMART_FAULT_ACTION  kill (default: the process SIGKILLs itself)
                            pause (create TRIALMART_FAULT_FILE, wait until it is deleted)
    TRIALMART_FAULT_FILE    the handshake file of `pause`

Where each stage stops:
    discover  the plan is made, the work database open (flows/pipeline.py, plan task)
    parse     the first batch is parsed, not yet loaded (flows/pipeline.py, extract-load)
    load      a group of parsed rows is appended, not yet committed (extract.py, flush)
    dbt       dbt has built its first model and is still running (transform.py)
    validate  the marts checkpoint has run (flows/pipeline.py, validate task)
    publish   the new file is complete beside its target, not yet renamed (publish_format.py)
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

STAGE_VARIABLE = "TRIALMART_FAULT_STAGE"
ACTION_VARIABLE = "TRIALMART_FAULT_ACTION"
FILE_VARIABLE = "TRIALMART_FAULT_FILE"
PAUSE_LIMIT_SECONDS = 300.0


def armed(stage: str) -> bool:
    return os.environ.get(STAGE_VARIABLE) == stage


def fault_point(stage: str) -> None:
    """Kill or pause this process here when TRIALMART_FAULT_STAGE names `stage`."""
    if not armed(stage):
        return
    if os.environ.get(ACTION_VARIABLE, "kill") == "pause":
        marker = Path(os.environ[FILE_VARIABLE])
        marker.write_text(str(os.getpid()))
        deadline = time.monotonic() + PAUSE_LIMIT_SECONDS
        while marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return
    os.kill(os.getpid(), signal.SIGKILL)


def fault_when(stage: str, ready: Callable[[], bool], limit_seconds: float = 120.0) -> None:
    """For a stage run by a subprocess (dbt): apply the fault from a thread once `ready()`."""
    if not armed(stage):
        return

    def watch() -> None:
        deadline = time.monotonic() + limit_seconds
        while not ready() and time.monotonic() < deadline:
            time.sleep(0.05)
        fault_point(stage)

    threading.Thread(target=watch, name=f"fault-{stage}", daemon=True).start()
