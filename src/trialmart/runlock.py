"""One run at a time per work folder: an exclusive `fcntl.flock` on `<work dir>/run.lock`.

The kernel holds the lock for the process that took it and drops it the moment that process
ends, however it ends (SIGKILL, OOM killer, power cut on a local disk), so a lock can never be
left held by a dead run. The lock file also records who holds it (pid, host, start time,
command line), as JSON, so that

* a second run can say which run it is waiting for or refusing to overlap with, and
* a run that takes over from a killed one can tell: the record is only cleared by a clean
  release, so a record found on acquiring names a run that ended without releasing it
  (a stale lock). That is logged, then overwritten.

The lock is re-entrant within one process (the CLI takes it before Prefect starts, so a busy
folder fails at once; the flow takes it again, which is what protects deployment runs).
The descriptor is opened close-on-exec, so dbt (a subprocess) never inherits it.
"""

from __future__ import annotations

import fcntl
import functools
import inspect
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOCK_NAME = "run.lock"
POLL_SECONDS = 0.2

Log = Callable[[str], None]


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) the lock, as recorded in the lock file."""

    pid: int | None
    host: str | None
    started_at: str | None
    command: str | None

    @classmethod
    def read(cls, path: Path) -> Holder | None:
        try:
            text = path.read_text()
        except OSError:
            return None
        if not text.strip():
            return None
        try:
            record = json.loads(text)
        except ValueError:
            return cls(None, None, None, None)  # written by a run killed mid-write
        return cls(record.get("pid"), record.get("host"), record.get("started_at"), record.get("command"))

    def describe(self) -> str:
        if self.pid is None:
            return "a run whose details were not recorded"
        text = f"pid {self.pid} on host {self.host or '?'}, started {self.started_at or '?'} UTC"
        if self.command:
            text += f" ({self.command})"
        return text

    def alive(self) -> bool | None:
        """Whether the pid still runs (None: another host, so unknown)."""
        if self.pid is None or self.host != socket.gethostname():
            return None
        return pid_alive(self.pid)


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this host (one we may not signal counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunLocked(RuntimeError):
    """Another run holds the work folder."""

    def __init__(self, work_dir: Path, holder: Holder | None, waited: float):
        self.work_dir, self.holder, self.waited = work_dir, holder, waited
        who = holder.describe() if holder else "another run (its details are being written)"
        if waited > 0:
            message = f"gave up after waiting {waited:.0f}s: another trialmart run is using {work_dir}: {who}"
        else:
            message = (
                f"another trialmart run is using {work_dir}: {who}. "
                "Wait for it to finish, or pass --wait-lock SECONDS to wait."
            )
        super().__init__(message)


@dataclass
class _Held:
    fd: int
    count: int


_HELD: dict[Path, _Held] = {}
_GUARD = threading.Lock()


def _record(fd: int) -> None:
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:300] if sys.argv else None,
    }
    data = json.dumps(record).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)
    os.fsync(fd)


def acquire(work_dir: Path, wait_seconds: float = 0.0, log: Log | None = None) -> Path:
    """Take the run lock of `work_dir`, waiting up to `wait_seconds`; raise RunLocked if busy."""
    work_dir = Path(work_dir).resolve()
    log = log or (lambda message: print(message, file=sys.stderr))
    with _GUARD:
        held = _HELD.get(work_dir)
        if held is not None:
            held.count += 1
            return work_dir
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    started = time.monotonic()
    announced = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                holder = Holder.read(path)
                if waited >= wait_seconds:
                    raise RunLocked(work_dir, holder, waited if wait_seconds > 0 else 0.0) from None
                if not announced:
                    who = holder.describe() if holder else "another run"
                    log(f"waiting up to {wait_seconds:.0f}s for the run using {work_dir}: {who}")
                    announced = True
                time.sleep(POLL_SECONDS)
        previous = Holder.read(path)
        if previous is not None:
            state = {False: "no longer running", None: "on another host", True: "pid reused by another process"}[
                previous.alive()
            ]
            log(
                f"took over a stale run lock in {work_dir}: the run {previous.describe()} ended without "
                f"releasing it (killed?); it is {state}. Recovering its work folder."
            )
        if announced:
            log(f"the other run finished after {time.monotonic() - started:.1f}s; this run starts")
        _record(fd)
    except BaseException:
        os.close(fd)
        raise
    with _GUARD:
        _HELD[work_dir] = _Held(fd, 1)
    return work_dir


def release(work_dir: Path) -> None:
    work_dir = Path(work_dir).resolve()
    with _GUARD:
        held = _HELD.get(work_dir)
        if held is None:
            return
        held.count -= 1
        if held.count > 0:
            return
        del _HELD[work_dir]
    try:
        os.ftruncate(held.fd, 0)  # a clean release: the next run finds no record, so no stale lock
    finally:
        os.close(held.fd)  # closing the descriptor drops the flock


@contextmanager
def hold(work_dir: Path, wait_seconds: float = 0.0, log: Log | None = None) -> Iterator[Path]:
    acquire(work_dir, wait_seconds, log)
    try:
        yield Path(work_dir).resolve()
    finally:
        release(work_dir)


def holder_of(work_dir: Path) -> Holder | None:
    """The run holding `work_dir` now, or None when it is free."""
    path = Path(work_dir) / LOCK_NAME
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return Holder.read(path) or Holder(None, None, None, None)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def one_run_at_a_time(function: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate the flow function: the whole run holds the lock of its work folder.

    The flow's `warehouse` and `work_dir` parameters (or TRIALMART_* settings) name the folder;
    its `wait_lock` parameter is how long to wait for another run (default: fail at once)."""
    signature = inspect.signature(function)

    @functools.wraps(function)
    def locked(*args: Any, **kwargs: Any) -> Any:
        from trialmart.recovery import recover_work_folder
        from trialmart.settings import Settings

        arguments = signature.bind(*args, **kwargs)
        arguments.apply_defaults()
        given = {key: arguments.arguments.get(key) for key in ("warehouse", "work_dir")}
        settings = Settings(**{key: value for key, value in given.items() if value is not None})
        log = _flow_log()
        wait_seconds = float(arguments.arguments.get("wait_lock") or 0)
        with hold(settings.resolved_work_dir, wait_seconds, log):
            recover_work_folder(settings, log)
            return function(*args, **kwargs)

    return locked


def _flow_log() -> Log:
    try:
        from prefect import get_run_logger

        logger = get_run_logger()
    except Exception:  # outside a flow run
        return lambda message: print(message, file=sys.stderr)
    return lambda message: logger.warning(message)
