# ruff: noqa: E501  (markdown table rows read best on one line)
"""The fixed cost of a run (issue #14): the five seed pages end to end, where the seconds go.

`trialmart run --raw-dir data/raw` N times (default 3), each in a fresh process, into one temp
folder per mode (so run 1 parses the five pages and later runs find them unchanged, as a
re-run does; `--fresh-each-run` gives every run a new folder instead):

* "cold": no PREFECT_API_URL, so each run starts (and stops) Prefect's temporary server;
* "server": with a running Prefect server, either `--api-url URL` or `--with-server` (this
  script starts `prefect server start` on a free loopback port with its own Prefect home,
  waits for /api/health, and stops it at the end: SIGINT, then SIGKILL).

Per run: wall time, the stage seconds of the run summary (`trialmart run --summary-json`) and
"outside stages" (wall time minus the top-level stages: imports, Prefect start and stop).
Results: benchmarks/results/fixed_cost.md and fixed_cost.json.

    python benchmarks/fixed_cost.py                      # cold only, 3 runs
    python benchmarks/fixed_cost.py --with-server        # cold and with a server it starts
    python benchmarks/fixed_cost.py --api-url http://127.0.0.1:4300/api --no-cold --runs 5
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import REPOSITORY, RESULTS_DIR, SEEDS_DIR, machine, trialmart_command

# the stages of the run summary that follow one another (discover, parse and load are inside extract+load)
TOP_STAGES = (
    "extract+load", "validate staging", "dbt build", "validate marts", "store results", "publish", "save history",
)  # fmt: skip
INNER_STAGES = ("discover", "parse (cpu, summed)", "load")
SERVER_START_LIMIT_SECONDS = 180.0
SERVER_STOP_GRACE_SECONDS = 20.0


def run_env(prefect_home: Path, api_url: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_VERSION_CHECK": "false",
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    }
    env.pop("PREFECT_API_URL", None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def one_run(raw_dir: Path, out_dir: Path, prefect_home: Path, api_url: str | None, label: str) -> dict:
    """`trialmart run` in a fresh process: wall time and the stage seconds of its summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    summary_path = out_dir / f"{label}.summary.json"
    log_path = out_dir / f"{label}.log"
    command = [
        *trialmart_command(), "run", "--raw-dir", str(raw_dir), "--warehouse", str(out_dir / "w.duckdb"),
        "--summary-json", str(summary_path),
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with log_path.open("w") as log:
        returncode = subprocess.run(
            command, stdout=log, stderr=subprocess.STDOUT, env=run_env(prefect_home, api_url), cwd=REPOSITORY
        ).returncode
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU of the run's process tree (dbt, a temporary server): less swayed by other work than wall time
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    stages = summary.get("stage_seconds", {})
    result = {
        "returncode": returncode,
        "outcome": summary.get("outcome", "NO SUMMARY"),
        "wall_seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "stage_seconds": stages,
        "outside_stages_seconds": round(wall - sum(stages.get(s, 0.0) for s in TOP_STAGES), 2),
        "parsed_this_run": summary.get("parsed_this_run"),
        "rows_per_mart": summary.get("rows_per_mart", {}),
        "checks": summary.get("checks", {}),
        "log": str(log_path),
    }
    if returncode != 0:
        result["log_tail"] = log_path.read_text()[-3000:]
    return result


# --- a Prefect server of our own -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class PrefectServer:
    """`prefect server start` on a free loopback port, its own Prefect home; stopped on exit."""

    def __init__(self, home: Path, log_path: Path):
        self.home, self.log_path = home, log_path
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> PrefectServer:
        prefect = Path(sys.executable).parent / "prefect"
        env = run_env(self.home, None)
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=REPOSITORY, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + SERVER_START_LIMIT_SECONDS
        while not healthy(self.api_url):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"prefect server did not start, see {self.log_path}")
            time.sleep(0.5)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired, ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)
                self.process.wait(SERVER_STOP_GRACE_SECONDS)
        with contextlib.suppress(ProcessLookupError):  # whatever is left of its process group
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()
        self.process = None


# --- report ----------------------------------------------------------------------------------


def median_of(runs: list[dict], pick) -> float | None:
    values = [pick(run) for run in runs if run["returncode"] == 0]
    values = [value for value in values if value is not None]
    return round(statistics.median(values), 2) if values else None


def stage_names(runs: list[dict]) -> list[str]:
    seen = [name for run in runs for name in run["stage_seconds"]]
    ordered = [s for s in (*INNER_STAGES, *TOP_STAGES) if s in seen]
    return ordered + [s for s in dict.fromkeys(seen) if s not in ordered]


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def to_markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        "# Fixed cost of a run: the five seed pages (issue #14)",
        "",
        f"{report['started_at']} UTC, {m['platform']}, {m['logical_cores']} logical cores ({m['cpu_model']}), "
        f"Python {m['python']}, load average at start {m['load_average_at_start']}. "
        f"{report['config']['runs']} runs per mode, each a fresh `trialmart run` process "
        + (
            "in a fresh folder."
            if report["config"]["fresh_each_run"]
            else "into one folder per mode (run 1 parses the pages, later runs find them unchanged)."
        ),
        "",
        'Produced by `benchmarks/fixed_cost.py`. "outside stages": wall time minus the top-level stages '
        '(imports, Prefect client and server start/stop, flow bookkeeping). "CPU s": CPU seconds of the run\'s '
        "process tree; wall times also depend on what else the machine runs.",
    ]
    for mode in report["modes"]:
        runs = mode["runs"]
        stages = stage_names(runs)
        lines += ["", f"## {mode['mode']}" + (f" ({mode['api_url']})" if mode.get("api_url") else ""), ""]
        lines.append("| run | outcome | parsed | wall s | CPU s | outside stages s | " + " | ".join(stages) + " |")
        lines.append("|---|---|---:|---:|---:|---:|" + "---:|" * len(stages))
        for number, run in enumerate(runs, 1):
            lines.append(
                f"| {number} | {run['outcome']} | {run['parsed_this_run']} | {run['wall_seconds']:.2f} | {run['cpu_seconds']:.1f} | {run['outside_stages_seconds']:.2f} | "
                + " | ".join(_cell(run["stage_seconds"].get(s)) for s in stages)
                + " |"
            )
        lines.append(
            f"| **median** | | | {_cell(median_of(runs, lambda r: r['wall_seconds']))} | {_cell(median_of(runs, lambda r: r['cpu_seconds']))} | {_cell(median_of(runs, lambda r: r['outside_stages_seconds']))} | "
            + " | ".join(_cell(median_of(runs, lambda r, s=s: r["stage_seconds"].get(s))) for s in stages)
            + " |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="fixed cost of a trialmart run on the seed pages (module docstring)")
    parser.add_argument("--runs", type=int, default=3, help="runs per mode (default 3)")
    parser.add_argument("--raw-dir", type=Path, default=SEEDS_DIR)
    parser.add_argument(
        "--api-url", help="also measure with this running Prefect server, e.g. http://127.0.0.1:4300/api"
    )
    parser.add_argument(
        "--with-server", action="store_true", help="also measure with a Prefect server this script starts"
    )
    parser.add_argument("--no-cold", action="store_true", help="skip the runs with a temporary server")
    parser.add_argument(
        "--fresh-each-run", action="store_true", help="a new folder for every run (each parses the pages)"
    )
    parser.add_argument(
        "--prefect-home", type=Path, default=Path(os.environ.get("PREFECT_HOME", REPOSITORY / ".prefect")),
        help="Prefect home of the runs (the temporary server's database); default $PREFECT_HOME or .prefect",
    )  # fmt: skip
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs, work folders)")
    args = parser.parse_args(argv)
    if args.api_url and args.with_server:
        parser.error("--api-url and --with-server: choose one")

    temp = Path(tempfile.mkdtemp(prefix="trialmart-fixed-cost-"))
    report: dict = {
        "machine": machine(),
        "started_at": datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        "config": {"runs": args.runs, "raw_dir": str(args.raw_dir), "fresh_each_run": args.fresh_each_run},
        "modes": [],
    }

    def say(message: str) -> None:
        print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)

    def measure(mode: str, api_url: str | None) -> None:
        runs = []
        for number in range(1, args.runs + 1):
            folder = temp / mode / (f"run-{number}" if args.fresh_each_run else "runs")
            result = one_run(args.raw_dir.resolve(), folder, args.prefect_home, api_url, f"run-{number}")
            say(f"{mode} run {number}: {result['outcome']} in {result['wall_seconds']:.1f} s")
            runs.append(result)
        report["modes"].append({"mode": mode, "api_url": api_url, "runs": runs})

    try:
        if not args.no_cold:
            measure("cold (temporary server)", None)
        if args.api_url:
            measure("running server", args.api_url)
        elif args.with_server:
            say("starting a Prefect server")
            with PrefectServer(temp / "server-home", temp / "server.log") as server:
                say(f"  at {server.api_url}")
                measure("running server", server.api_url)
    finally:
        if not args.keep:
            import shutil

            shutil.rmtree(temp, ignore_errors=True)
        else:
            say(f"kept {temp}")

    args.results_dir.mkdir(parents=True, exist_ok=True)
    (args.results_dir / "fixed_cost.json").write_text(json.dumps(report, indent=2) + "\n")
    markdown = to_markdown(report)
    (args.results_dir / "fixed_cost.md").write_text(markdown)
    print(markdown)
    return 0 if all(run["returncode"] == 0 for mode in report["modes"] for run in mode["runs"]) else 1


if __name__ == "__main__":
    sys.exit(main())
