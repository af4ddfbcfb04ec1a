"""The run lock (trialmart.runlock) between real processes: busy, waiting, stale, re-entrant."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from trialmart import runlock

# holds the lock of argv[1] until its stdin closes (or it is killed)
HOLDER = r"""
import sys
from trialmart import runlock
runlock.acquire(sys.argv[1], log=lambda message: None)
print("held", flush=True)
sys.stdin.read()
runlock.release(sys.argv[1])
"""


def start_holder(work_dir: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(work_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def stop_holder(holder: subprocess.Popen) -> None:
    holder.stdin.close()
    holder.wait(10)


def test_a_busy_folder_fails_at_once_naming_the_other_run(tmp_path):
    holder = start_holder(tmp_path)
    try:
        started = time.monotonic()
        with pytest.raises(runlock.RunLocked) as raised:
            runlock.acquire(tmp_path)
        assert time.monotonic() - started < 1.0
        message = str(raised.value)
        assert f"pid {holder.pid} on host {socket.gethostname()}, started 20" in message
        assert "--wait-lock" in message
        assert runlock.holder_of(tmp_path).pid == holder.pid
    finally:
        stop_holder(holder)
    assert runlock.holder_of(tmp_path) is None


def test_waiting_gives_up_after_the_timeout(tmp_path):
    holder = start_holder(tmp_path)
    try:
        started = time.monotonic()
        with pytest.raises(runlock.RunLocked, match=r"gave up after waiting 1s.*pid \d+"):
            runlock.acquire(tmp_path, wait_seconds=1.0, log=lambda message: None)
        assert 1.0 <= time.monotonic() - started < 3.0
    finally:
        stop_holder(holder)


def test_a_waiting_run_starts_when_the_other_releases(tmp_path):
    holder = start_holder(tmp_path)
    messages: list[str] = []
    threading.Timer(1.0, holder.stdin.close).start()  # the other run finishes in a second
    try:
        started = time.monotonic()
        runlock.acquire(tmp_path, wait_seconds=30, log=messages.append)
        try:
            assert time.monotonic() - started >= 0.9
            assert messages[0].startswith(f"waiting up to 30s for the run using {tmp_path.resolve()}: pid {holder.pid}")
            assert "finished" in messages[-1]
            assert not any("stale" in message for message in messages)  # a clean release is not stale
            assert runlock.holder_of(tmp_path).pid == os.getpid()
        finally:
            runlock.release(tmp_path)
    finally:
        holder.wait(10)


def test_a_killed_run_leaves_a_stale_lock_that_is_taken_over_and_logged(tmp_path):
    holder = start_holder(tmp_path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(10)
    record = json.loads((tmp_path / runlock.LOCK_NAME).read_text())
    assert record["pid"] == holder.pid  # the killed run never cleared it
    messages: list[str] = []
    with runlock.hold(tmp_path, log=messages.append):
        assert json.loads((tmp_path / runlock.LOCK_NAME).read_text())["pid"] == os.getpid()
    assert len(messages) == 1
    assert f"took over a stale run lock in {tmp_path.resolve()}: the run pid {holder.pid}" in messages[0]
    assert "no longer running" in messages[0]
    assert (tmp_path / runlock.LOCK_NAME).read_text() == ""  # released cleanly: nothing stale next time


def test_the_lock_is_reentrant_in_one_process_and_not_inherited_by_children(tmp_path):
    with runlock.hold(tmp_path, log=lambda message: None), runlock.hold(tmp_path, log=lambda message: None):
        # a child (dbt) started while the lock is held must not keep it once this process lets go
        child = subprocess.Popen(["sleep", "30"])
    try:
        assert runlock.holder_of(tmp_path) is None
    finally:
        child.kill()
        child.wait()
