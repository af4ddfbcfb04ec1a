"""What a run does first, holding the run lock: clean up after a run that was killed.

* Temporary publication files (`.<warehouse name>.<pid>.tmp`, normally in the work folder,
  beside the warehouse only when the work folder is on another file system) left by a run
  killed while publishing are removed, and each removal is logged.
* The work database is opened once; if it cannot be (a file broken by a crash or by hand), it
  is removed and rebuilt: it holds nothing but what the raw folder, dbt and the checks derive,
  so the run re-parses every document. Logged as a warning. DuckDB itself replays or discards
  the write-ahead log of a run killed mid-transaction (an uncommitted load leaves no row).
* dbt's target folder is left to dbt (a half-written partial-parse file makes dbt re-parse the
  project); it is removed with a broken work database, whose state it describes.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb

from trialmart.runlock import pid_alive
from trialmart.settings import Settings

Log = Callable[[str], None]

# a problem of the place, not of the file: never a reason to throw the work database away
NOT_CORRUPTION = ("lock", "permission denied", "read-only file system", "no space left", "too large")


class WorkFolderUnusable(RuntimeError):
    """The work database cannot be opened for a reason that removing it would not cure."""


def temporary_pattern(warehouse: Path) -> re.Pattern[str]:
    return re.compile(re.escape(f".{warehouse.name}.") + r"(\d+)\.tmp(\.wal)?")


def remove_stale_temporaries(settings: Settings, log: Log) -> list[Path]:
    warehouse = settings.warehouse.resolve()
    pattern = temporary_pattern(warehouse)
    removed = []
    for folder, only_dead in ((settings.resolved_work_dir, False), (warehouse.parent, True)):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            match = pattern.fullmatch(path.name)
            if not match:
                continue
            pid = int(match.group(1))
            # in the work folder, under the run lock, any other run's temporary is stale; beside
            # the warehouse another work folder may be publishing: only a dead pid's file goes
            if pid == os.getpid() or (only_dead and pid_alive(pid)):
                continue
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            removed.append(path)
            log(f"removed {path}: a temporary publication file left by run pid {pid}, which was killed")
    return removed


def recover_work_database(settings: Settings, log: Log) -> bool:
    """Open the work database once; remove it when it is broken. True when it was recovered."""
    database = settings.work_database
    if not database.exists():
        return False
    try:
        duckdb.connect(str(database)).close()
        return False
    except duckdb.Error as error:
        message = str(error)
        if any(marker in message.lower() for marker in NOT_CORRUPTION):
            raise WorkFolderUnusable(f"cannot open the work database {database}: {message}") from error
        wal = database.with_name(database.name + ".wal")
        for path in (database, wal):
            path.unlink(missing_ok=True)
        shutil.rmtree(settings.resolved_work_dir / "dbt" / "target", ignore_errors=True)
        log(
            f"the work database {database} could not be opened ({message.splitlines()[0][:200]}); "
            "it holds only derived data, so it was removed and is rebuilt: this run re-parses every document"
        )
        return True


def recover_work_folder(settings: Settings, log: Log) -> None:
    remove_stale_temporaries(settings, log)
    recover_work_database(settings, log)
