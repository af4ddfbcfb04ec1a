"""A dbt process started ahead of time, so a run does not wait for dbt to start (issue #14).

Starting dbt costs ~3 s before it does anything (Python, dbt-core, the DuckDB adapter). A run
starts this worker at its beginning (`prestart`); it imports dbt and the adapter, then blocks
reading one request line from stdin, while the run extracts, loads and validates. When the
transform task runs, `trialmart.transform.run_dbt` hands it the dbt arguments, environment and
folder (`run_prestarted`): the worker runs `dbtRunner().invoke(arguments)` once, exactly as the
`dbt` command would, and exits, which releases the DuckDB file lock as the plain subprocess did.

Guarantees:

* it never opens the work database before the request: while it waits it holds no lock;
* one request per worker, one dbt invocation per process, as before;
* it dies with the run (PR_SET_PDEATHSIG, as the plain dbt subprocess) and an unused worker is
  stopped when the run ends (`discard`, also at exit);
* whatever goes wrong before dbt starts (the worker died, could not import dbt, refused the
  request) makes `run_prestarted` return None and the caller runs the plain `dbt` subprocess.

Its argv[0] is the virtualenv's `dbt` script, so process listings (and the tests that look for
a dbt outliving its run) see it as the dbt process it is; `sys.executable` is set back in it.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

PROTOCOL = 1
# the first line the worker writes to stdout once it accepted a request: dbt runs after it
ACCEPTED = "trialmart-dbt-worker: accepted\n"
# the request was unreadable: dbt did not run (the caller falls back to the plain subprocess)
REFUSED_EXIT = 97

_lock = threading.Lock()
_pending: subprocess.Popen | None = None


def dbt_script() -> Path:
    return Path(sys.executable).parent / "dbt"


def prestart(preexec_fn: Callable[[], None] | None = None) -> bool:
    """Start a worker if none is waiting; False when there is no dbt beside this Python.

    Call it from a thread that lives as long as the run (the main thread): the worker is
    killed when the thread that started it ends (PR_SET_PDEATHSIG)."""
    global _pending
    script = dbt_script()
    if not script.exists():
        return False
    with _lock:
        if _pending is not None and _pending.poll() is None:
            return True
        if preexec_fn is None:
            from trialmart.transform import _die_with_parent as preexec_fn
        _pending = subprocess.Popen(
            [str(script), "-m", "trialmart.dbt_worker", sys.executable],
            executable=sys.executable,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=preexec_fn,
        )
        return True


def started_ahead(function: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a run (the flow function): a worker waits from its start, none outlives it."""

    @functools.wraps(function)
    def with_worker(*args: Any, **kwargs: Any) -> Any:
        prestart()  # none yet when the flow is not run by `trialmart run` (a deployment, a test)
        try:
            return function(*args, **kwargs)
        finally:
            discard()

    return with_worker


def pending() -> subprocess.Popen | None:
    """The waiting worker, if any (for tests)."""
    return _pending


def _claim() -> subprocess.Popen | None:
    global _pending
    with _lock:
        worker, _pending = _pending, None
    if worker is not None and worker.poll() is not None:  # it died while waiting
        _reap(worker)
        return None
    return worker


def run_prestarted(
    command: Sequence[str], *, env: Mapping[str, str], cwd: Path | str
) -> subprocess.CompletedProcess | None:
    """Run `command` (the `dbt` executable and its arguments) in the waiting worker.

    Returns what `subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)`
    would, or None when there is no usable worker (nothing has run: run the plain subprocess)."""
    if not command or Path(command[0]) != dbt_script():
        return None  # another dbt than the one the worker imports
    worker = _claim()
    if worker is None:
        return None
    request = {"protocol": PROTOCOL, "args": list(command[1:]), "env": dict(env), "cwd": str(cwd)}
    try:
        stdout, stderr = worker.communicate(json.dumps(request) + "\n")
    except BaseException:
        _reap(worker)
        raise
    if not stdout.startswith(ACCEPTED):  # it died or refused before dbt started
        return None
    return subprocess.CompletedProcess(list(command), worker.returncode, stdout[len(ACCEPTED) :], stderr)


def discard() -> None:
    """Stop the waiting worker, if any (the run ends without needing it)."""
    global _pending
    with _lock:
        worker, _pending = _pending, None
    if worker is not None:
        _reap(worker)


def _reap(worker: subprocess.Popen) -> None:
    """Kill it and collect it: a worker that has not been handed a request never opened the
    work database, so there is nothing to finish."""
    worker.kill()
    worker.communicate()


atexit.register(discard)


# --- in the worker process -------------------------------------------------------------------


def _read_request(line: str) -> dict:
    request = json.loads(line)
    if request.get("protocol") != PROTOCOL:
        raise ValueError(f"protocol {request.get('protocol')!r}, expected {PROTOCOL}")
    args, env, cwd = request.get("args"), request.get("env"), request.get("cwd")
    if not (isinstance(args, list) and all(isinstance(a, str) for a in args)):
        raise ValueError("args must be a list of strings")
    if not (isinstance(env, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in env.items())):
        raise ValueError("env must map strings to strings")
    if not isinstance(cwd, str):
        raise ValueError("cwd must be a string")
    return request


def main(argv: Sequence[str]) -> int:
    if argv:  # the real interpreter (argv[0] of this process is the dbt script)
        sys.executable = argv[0]
        import multiprocessing

        multiprocessing.set_executable(argv[0])
    import dbt.adapters.duckdb  # noqa: F401  (the adapter's import is part of the start-up cost)
    from dbt.cli.main import cli, dbtRunner

    line = sys.stdin.readline()
    if not line.strip():  # stdin closed: the run did not need dbt
        return 0
    try:
        request = _read_request(line)
        os.chdir(request["cwd"])
    except (ValueError, OSError) as error:
        print(f"trialmart dbt worker: request refused: {error}", file=sys.stderr)
        return REFUSED_EXIT
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = [str(dbt_script()), *request["args"]]
    sys.stdout.write(ACCEPTED)
    sys.stdout.flush()
    cli.name = "dbt"  # as the `dbt` command names itself in its log ("Command `dbt build` succeeded")
    result = dbtRunner().invoke(request["args"])
    if result.success:
        _exit_now(0)
    if result.exception is not None:  # as the dbt command: 2 when dbt itself failed
        print(f"dbt: {type(result.exception).__name__}: {result.exception}", file=sys.stderr)
        _exit_now(2)
    _exit_now(1)  # a model or test failed
    return 1  # not reached


def _exit_now(code: int) -> None:
    """Exit without the interpreter's teardown (~0.6 s freeing dbt's modules and objects, see
    trialmart.fast_exit) once the work database is closed (checkpointed, its lock released)."""
    from trialmart.fast_exit import exit_without_teardown

    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        DuckDBConnectionManager.env().close()
    except Exception:  # no database was opened (dbt failed early)
        pass
    exit_without_teardown(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
