"""A local two-worker Dask cluster in its own process: prints the scheduler address, then
serves until interrupted (the test stops it like every other process it starts)."""

from __future__ import annotations

import signal
import sys
import threading

from distributed import LocalCluster


def main() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        print(cluster.scheduler_address, flush=True)
        stop.wait()
    sys.exit(0)


if __name__ == "__main__":
    main()
