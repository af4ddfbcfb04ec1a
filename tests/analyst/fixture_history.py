"""Trial history for the fixture warehouse (marts.trial_history, marts.trial_changes; issue #15).

The tables are created from the dbt contracts (dbt_project/models/marts/trial_history.yml and
trial_changes.yml), so the fixture has exactly the published columns and types. The story, over
the two fixture runs of marts.dq_results:

* run-2026-11-21 publishes the five seed trials and NCT09999999 (a trial whose page was later
  removed from the raw folder);
* run-2026-11-22 sees seed 000 (NCT06949241) move from RECRUITING to ACTIVE_NOT_RECRUITING, its
  enrollment revised from 70 to 76 and its primary outcome replaced (after its start date,
  2019-12-01), and NCT09999999 gone.

Every current version equals the trial's row in marts.trials.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import yaml

MARTS_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts"
FIRST_RUN = ("run-2026-11-21", datetime(2026, 11, 21, 8, 0))
SECOND_RUN = ("run-2026-11-22", datetime(2026, 11, 22, 8, 31))
CHANGED_TRIAL = "NCT06949241"
REMOVED_TRIAL = "NCT09999999"
OLD_PRIMARY_OUTCOME = "Disease control [12 weeks]"
NEW_PRIMARY_OUTCOME = "Complete remission [48 weeks]"


def contract_columns(model: str) -> list[tuple[str, str]]:
    spec = yaml.safe_load((MARTS_DIR / f"{model}.yml").read_text())["models"][0]
    return [(column["name"], column["data_type"]) for column in spec["columns"]]


def history_ddl() -> str:
    return "\n".join(
        f"create table marts.{model} ("
        + ", ".join(f"{name} {data_type}" for name, data_type in contract_columns(model))
        + ");"
        for model in ("trial_history", "trial_changes")
    )


def _version_id(nct_id: str, valid_from: datetime) -> str:
    return hashlib.md5(f"{nct_id}|{valid_from.isoformat()}".encode()).hexdigest()


def insert_history(con: duckdb.DuckDBPyConnection) -> None:
    """Fill marts.trial_history and marts.trial_changes from marts.trials (already loaded)."""
    trial_columns = [row[0] for row in con.execute("describe marts.trials").fetchall()]
    trials = {
        row[0]: dict(zip(trial_columns, row, strict=True))
        for row in con.execute("select * from marts.trials order by nct_id").fetchall()
    }
    (first_run, first_at), (second_run, second_at) = FIRST_RUN, SECOND_RUN
    versions: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []

    def version(trial: dict[str, Any], number: int, run: tuple[str, datetime], closed: tuple | None, by: str | None):
        row = dict(trial)
        row.update(
            valid_from=run[1],
            valid_to=closed[1] if closed else None,
            is_current=closed is None,
            run_id=run[0],
            version_id=_version_id(trial["nct_id"], run[1]),
            version_number=number,
            closed_by=by,
            closed_by_run_id=closed[0] if closed else None,
        )
        versions.append(row)
        return row

    def change(row: dict[str, Any], change_type: str, field: str, old: Any, new: Any, detected: datetime) -> None:
        changes.append(
            dict(
                nct_id=row["nct_id"],
                field_name=field,
                old_value=old,
                new_value=new,
                changed_at=detected,
                run_id=first_run if detected == first_at else second_run,
                source_file=row["source_file"],
                change_type=change_type,
                detected_at=detected,
                changed_at_source="RUN",
                version_id=row["version_id"],
            )
        )

    removed = dict(next(iter(trials.values())))
    removed.update(
        nct_id=REMOVED_TRIAL,
        brief_title="A Trial Whose Page Was Removed From the Raw Folder",
        overall_status="WITHDRAWN",
        source_file="005_removed.txt",
    )
    for nct_id, trial in [*trials.items(), (REMOVED_TRIAL, removed)]:
        if nct_id == CHANGED_TRIAL:
            earlier = dict(trial, overall_status="RECRUITING", enrollment=70)
            first = version(earlier, 1, FIRST_RUN, SECOND_RUN, "NEW_VERSION")
            second = version(trial, 2, SECOND_RUN, None, None)
            change(first, "ADDED", "trial", None, "ADDED", first_at)
            change(second, "CHANGED", "overall_status", "RECRUITING", "ACTIVE_NOT_RECRUITING", second_at)
            change(second, "CHANGED", "enrollment", "70", "76", second_at)
            change(second, "ROW_REMOVED", "primary_outcomes", OLD_PRIMARY_OUTCOME, None, second_at)
            change(second, "ROW_ADDED", "primary_outcomes", None, NEW_PRIMARY_OUTCOME, second_at)
        elif nct_id == REMOVED_TRIAL:
            only = version(trial, 1, FIRST_RUN, SECOND_RUN, "REMOVED")
            change(only, "ADDED", "trial", None, "ADDED", first_at)
            change(only, "REMOVED", "trial", None, "REMOVED", second_at)
        else:
            only = version(trial, 1, FIRST_RUN, None, None)
            change(only, "ADDED", "trial", None, "ADDED", first_at)

    for model, rows in (("trial_history", versions), ("trial_changes", changes)):
        names = [name for name, _ in contract_columns(model)]
        con.executemany(
            f"insert into marts.{model} ({', '.join(names)}) values ({', '.join('?' for _ in names)})",
            [tuple(row.get(name) for name in names) for row in rows],
        )
