"""Read what the dashboard shows from the published warehouse, without holding it open.

Every function opens its own read-only connection and closes it before returning, so a
page never keeps the file locked: the pipeline publishes by atomic rename, and a reader
that lingers would otherwise pin the old file (and, on some platforms, block a writer).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

DEFAULT_WAREHOUSE = Path("data/warehouse.duckdb")
NOT_STATED = "(not stated)"  # label for NULL codes: the source did not say
NO_LAYOUT = "(no layout matched)"  # a document no parser family recognised


def warehouse_path() -> Path:
    return Path(os.environ.get("TRIALMART_WAREHOUSE", str(DEFAULT_WAREHOUSE)))


@contextmanager
def read_only_connection(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


@dataclass(frozen=True)
class Overview:
    published_at: datetime
    last_loaded_at: datetime | None
    counts: dict[str, int]
    by_status: pd.DataFrame
    by_phase: pd.DataFrame
    by_study_type: pd.DataFrame
    by_sponsor: pd.DataFrame
    by_country: pd.DataFrame
    enrollment: pd.DataFrame
    criteria_and_arms: pd.DataFrame
    documents: pd.DataFrame
    dq_runs: pd.DataFrame
    dq_latest_failures: pd.DataFrame
    nct_ids: list[str]


def _count_by(con: duckdb.DuckDBPyConnection, expression: str, source: str = "marts.trials") -> pd.DataFrame:
    return con.execute(
        f"""
        select coalesce({expression}, '{NOT_STATED}') as value, count(distinct nct_id) as trials
        from {source} group by all order by trials desc, value
        """
    ).df()


def load_overview(path: Path, top: int = 15) -> Overview:
    """Everything the overview sections need, read in one short-lived connection."""
    published_at = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    with read_only_connection(path) as con:
        counts = dict(
            zip(
                ("trials", "documents", "rejected_documents", "conditions", "countries"),
                con.execute(
                    """
                    select
                        (select count(*) from marts.trials),
                        (select count(*) from marts.source_documents),
                        (select count(*) from marts.source_documents where parse_status = 'REJECTED'),
                        (select count(distinct condition) from marts.conditions),
                        (select count(distinct country) from marts.locations)
                    """
                ).fetchone()
                or (),
                strict=True,
            )
        )
        last_loaded_at = con.execute("select max(loaded_at) from marts.source_documents").fetchone()[0]  # type: ignore[index]
        by_sponsor = _count_by(con, "lead_sponsor").head(top)
        by_country = _count_by(
            con,
            "locations.country",
            "marts.trials left join marts.locations using (nct_id)",
        ).head(top)
        criteria_and_arms = con.execute(
            """
            select nct_id, measure, n from (
                select nct_id, n_inclusion_criteria, n_exclusion_criteria, n_arms, n_interventions,
                       n_inclusion_criteria + n_exclusion_criteria as n_criteria
                from marts.trials order by n_criteria desc, nct_id limit ?
            ) unpivot (n for measure in (
                n_inclusion_criteria as 'inclusion criteria',
                n_exclusion_criteria as 'exclusion criteria',
                n_arms as 'arms',
                n_interventions as 'interventions'))
            """,
            [top * 2],
        ).df()
        return Overview(
            published_at=published_at,
            last_loaded_at=last_loaded_at,
            counts={name: int(value) for name, value in counts.items()},
            by_status=_count_by(con, "overall_status"),
            by_phase=_count_by(con, "phase"),
            by_study_type=_count_by(con, "study_type"),
            by_sponsor=by_sponsor,
            by_country=by_country,
            enrollment=con.execute(
                "select nct_id, enrollment, coalesce(enrollment_type, ?) as enrollment_type "
                "from marts.trials where enrollment is not null",
                [NOT_STATED],
            ).df(),
            criteria_and_arms=criteria_and_arms,
            documents=con.execute(
                f"""
                select coalesce(source_family, '{NO_LAYOUT}') as layout, parse_status, count(*) as documents
                from marts.source_documents group by all order by layout, parse_status
                """
            ).df(),
            dq_runs=con.execute(
                """
                select run_id, max(run_at) as run_at, upper(severity) as severity,
                       count(*) as expectations,
                       count(*) filter (where not success) as failed
                from marts.dq_results group by run_id, severity order by run_at, severity
                """
            ).df(),
            dq_latest_failures=con.execute(
                """
                select checkpoint, suite, expectation, table_name, column_name, upper(severity) as severity,
                       unexpected_count, observed_value
                from marts.dq_results
                where not success and run_id = (select arg_max(run_id, run_at) from marts.dq_results)
                order by severity, table_name, column_name
                """
            ).df(),
            nct_ids=[row[0] for row in con.execute("select nct_id from marts.trials order by nct_id").fetchall()],
        )


@dataclass(frozen=True)
class TrialDetail:
    facts: pd.DataFrame  # two columns: field, value
    arms: pd.DataFrame
    interventions: pd.DataFrame
    outcomes: pd.DataFrame
    criteria: pd.DataFrame
    conditions: list[str]
    brief_title: str


TRIAL_FACT_COLUMNS = (
    "overall_status",
    "overall_status_raw",
    "phase",
    "study_type",
    "enrollment",
    "enrollment_type",
    "start_date",
    "primary_completion_date",
    "completion_date",
    "last_update_date",
    "allocation",
    "intervention_model",
    "primary_purpose",
    "masking",
    "observational_model",
    "time_perspective",
    "sex",
    "minimum_age_years",
    "maximum_age_years",
    "healthy_volunteers",
    "lead_sponsor",
    "has_results",
    "source_family",
    "source_file",
)


def load_trial(path: Path, nct_id: str) -> TrialDetail | None:
    """One trial with its arms (and the interventions each receives), outcomes and criteria."""
    with read_only_connection(path) as con:
        trial = con.execute("select * from marts.trials where nct_id = ?", [nct_id]).df()
        if trial.empty:
            return None
        row = trial.iloc[0]
        facts = pd.DataFrame(
            {
                "field": list(TRIAL_FACT_COLUMNS),
                "value": ["—" if pd.isna(row[c]) else str(row[c]) for c in TRIAL_FACT_COLUMNS],
            }
        )
        arms = con.execute(
            """
            select arms.arm_ordinal as "no.", arms.label as arm, arms.arm_type as type,
                   string_agg(interventions.name, '; ' order by interventions.intervention_ordinal)
                       as interventions,
                   arms.description
            from marts.arms
            left join marts.arm_interventions using (arm_id)
            left join marts.interventions using (intervention_id)
            where arms.nct_id = ?
            group by all order by arms.arm_ordinal
            """,
            [nct_id],
        ).df()
        interventions = con.execute(
            """
            select intervention_ordinal as "no.", intervention_type as type, name, description
            from marts.interventions where nct_id = ? order by intervention_ordinal
            """,
            [nct_id],
        ).df()
        outcomes = con.execute(
            """
            select outcome_type as type, outcome_ordinal as "no.", measure, time_frame
            from marts.outcomes where nct_id = ?
            order by case outcome_type when 'PRIMARY' then 1 when 'SECONDARY' then 2 else 3 end, outcome_ordinal
            """,
            [nct_id],
        ).df()
        criteria = con.execute(
            """
            select criterion_type as type, criterion_ordinal as "no.", criterion_text as criterion
            from marts.eligibility_criteria where nct_id = ?
            order by criterion_type desc, criterion_ordinal
            """,
            [nct_id],
        ).df()
        conditions = [
            r[0]
            for r in con.execute(
                "select condition from marts.conditions where nct_id = ? order by condition", [nct_id]
            ).fetchall()
        ]
        return TrialDetail(
            facts=facts,
            arms=arms,
            interventions=interventions,
            outcomes=outcomes,
            criteria=criteria,
            conditions=conditions,
            brief_title=str(row["brief_title"]),
        )


HISTORY_TABLES = ("trial_history", "trial_changes")


@dataclass(frozen=True)
class RecentChanges:
    available: bool  # the warehouse has the history marts (published by a pipeline that keeps history)
    latest: pd.DataFrame  # the most recent change rows, newest first
    per_run: pd.DataFrame  # run_id, detected_at, change_type, changes
    runs_with_changes: int
    trials_changed: int  # trials with a change other than their first appearance


def _has_history(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' and table_name in (?, ?)",
        list(HISTORY_TABLES),
    ).fetchone()[0]  # type: ignore[index]
    return int(found) == len(HISTORY_TABLES)


def load_recent_changes(path: Path, limit: int = 25) -> RecentChanges:
    """What changed in the trials, run by run (marts.trial_changes), in one short-lived connection."""
    with read_only_connection(path) as con:
        if not _has_history(con):
            empty = pd.DataFrame()
            return RecentChanges(False, empty, empty, 0, 0)
        latest = con.execute(
            """
            select detected_at, nct_id, change_type, field_name,
                   coalesce(old_value, '—') as old_value, coalesce(new_value, '—') as new_value,
                   changed_at, run_id
            from marts.trial_changes
            order by detected_at desc, nct_id, change_type, field_name, old_value, new_value
            limit ?
            """,
            [limit],
        ).df()
        per_run = con.execute(
            """
            select run_id, min(detected_at) as detected_at, change_type, count(*) as changes
            from marts.trial_changes group by run_id, change_type order by detected_at, change_type
            """
        ).df()
        runs_with_changes, trials_changed = con.execute(
            """
            select count(distinct run_id),
                   count(distinct nct_id) filter (where change_type <> 'ADDED')
            from marts.trial_changes
            """
        ).fetchone()  # type: ignore[misc]
        return RecentChanges(True, latest, per_run, int(runs_with_changes), int(trials_changed))


def load_trial_changes(path: Path, nct_id: str) -> pd.DataFrame:
    """One trial's changes across runs, newest first (empty when the warehouse keeps no history)."""
    with read_only_connection(path) as con:
        if not _has_history(con):
            return pd.DataFrame()
        return con.execute(
            """
            select detected_at, change_type, field_name, old_value, new_value, changed_at, run_id
            from marts.trial_changes where nct_id = ?
            order by detected_at desc, change_type, field_name, old_value, new_value
            """,
            [nct_id],
        ).df()
