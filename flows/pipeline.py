"""The trialmart run, top to bottom: plan -> extract & load -> validate staging -> dbt
-> validate marts -> publish. Logic lives in `trialmart`; this file tells the story.

A failed critical check ends the run Failed, stores its results, and leaves the
published warehouse as it was.
"""

from __future__ import annotations

import errno
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from trialmart.environment import apply_offline_defaults

apply_offline_defaults()

import duckdb  # noqa: E402
from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.tasks import exponential_backoff  # noqa: E402

from trialmart import dbt_worker, faults, quality, runlock  # noqa: E402
from trialmart.extract import (  # noqa: E402
    LoadStats,
    ParseBatch,
    Plan,
    WorkItem,
    load_batches,
    parse_locally,
    parse_work,
    plan_run,
    work_items,
)
from trialmart.history import prepare_history, save_history  # noqa: E402
from trialmart.load import create_staging_tables, known_documents, known_members  # noqa: E402
from trialmart.publish import publish  # noqa: E402
from trialmart.publish_format import limit_memory, lower_memory_limit  # noqa: E402
from trialmart.settings import Settings  # noqa: E402
from trialmart.summary import RunSummary, document_counts, mart_row_counts  # noqa: E402
from trialmart.transform import DbtOutcome, TransformError, build_marts  # noqa: E402


class RunFailed(RuntimeError):
    """The run stopped before publishing; `summary` tells what happened."""

    def __init__(self, message: str, summary: RunSummary):
        super().__init__(message)
        self.summary = summary


@contextmanager
def work_connection(
    settings: Settings, read_only: bool = False, memory_limit: str | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    settings.resolved_work_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.work_database), read_only=read_only)
    try:
        limit_memory(con, memory_limit or settings.memory_limit)
        yield con
    finally:
        con.close()


@task(name="plan", retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=1), cache_policy=NO_CACHE)
def plan_task(settings: Settings) -> Plan:
    if not settings.raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder not found: {settings.raw_dir}")
    with work_connection(settings) as con:
        create_staging_tables(con)
        known = known_documents(con)
        # a bulk file's members are planned inside this connection (only for the changed bulk files)
        plan = plan_run(
            settings.raw_dir.resolve(),
            known,
            trust_file_times=settings.trust_file_times,
            known_members=lambda source_file: known_members(con, source_file),
            stream_json_bytes=settings.stream_json_bytes,
        )
        faults.fault_point("discover")  # test-only (trialmart.faults)
        return plan


@task(name="parse-batch", cache_policy=NO_CACHE)
def parse_batch_task(raw_dir: str, item: WorkItem, max_bytes: int) -> ParseBatch:
    """A batch of whole documents, or one part (a range of members) of a bulk file."""
    return parse_work(raw_dir, item, max_bytes)


def _parse_on_dask(settings: Settings, plan: Plan) -> Iterator[ParseBatch]:
    from prefect_dask import DaskTaskRunner

    raw_dir = settings.raw_dir.resolve()
    items = list(
        work_items(raw_dir, plan, batch_size=settings.batch_size, member_batch_size=settings.member_batch_size)
    )

    @flow(name="trialmart-parse-on-dask", task_runner=DaskTaskRunner(address=settings.dask_address))
    def parse_on_dask() -> list[ParseBatch]:
        futures = parse_batch_task.map(str(raw_dir), items, settings.max_document_bytes)
        return [future.result() for future in futures]

    yield from parse_on_dask()


@dataclass
class Extracted:
    plan: Plan
    stats: LoadStats
    plan_seconds: float


# a dbt process waits from the start of a run (trialmart.dbt_worker) so dbt need not start after
# the load; when the parse takes minutes (a registry export) it would hold ~110 MB idle all along
# (a tenth of the run's memory bound): it is stopped and starts again once the load is done
DBT_WORKER_PARKED_FROM = 20_000  # records to parse (~10 s of parsing on 2 cores at least)


def park_dbt_worker(plan: Plan) -> bool:
    """Stop the waiting dbt process when this run's parse is long; True when it was stopped."""
    if plan.parse_units < DBT_WORKER_PARKED_FROM or dbt_worker.pending() is None:
        return False
    dbt_worker.discard()
    return True


@flow(name="trialmart-extract-load")
def extract_and_load(settings: Settings) -> Extracted:
    """Plan against the staging tables, parse new and changed documents concurrently, and load
    them as the single writer. (The plan is made here, not passed in: a flow's parameters go to
    the Prefect API, which refuses them over 512 KB, and 100,000 file names are more.)"""
    logger = get_run_logger()
    started = time.perf_counter()
    plan = plan_task(settings)
    plan_seconds = time.perf_counter() - started
    total = len(plan.to_parse)
    logger.info("%d documents to parse, %d unchanged, %d removed", total, len(plan.unchanged), len(plan.removed))
    if park_dbt_worker(plan):
        logger.info("%d records to parse: the waiting dbt process is stopped until the load is done", plan.parse_units)
    if settings.dask_address:
        parsed = _parse_on_dask(settings, plan)
    else:
        parsed = parse_locally(
            settings.raw_dir.resolve(),
            plan,
            max_bytes=settings.max_document_bytes,
            workers=settings.workers,
            batch_size=settings.batch_size,
            parallel_threshold=settings.parallel_threshold,
            member_batch_size=settings.member_batch_size,
        )

    def with_progress(stream: Iterator[ParseBatch]) -> Iterator[ParseBatch]:
        done, started, last = 0, time.perf_counter(), 0.0
        members = 0
        for batch in stream:
            done += batch.documents
            members += batch.members
            elapsed = time.perf_counter() - started
            if done == total or elapsed - last >= 2:
                last = elapsed
                logger.info(
                    "parsed %d/%d documents (%.0f documents/s), %d members of bulk files (%.0f members/s)",
                    done, total, done / max(elapsed, 1e-9), members, members / max(elapsed, 1e-9),
                )  # fmt: skip
            faults.fault_point("parse")  # test-only (trialmart.faults): a batch parsed, not loaded
            # the files of a vanished raw folder read as "vanished": loading them would empty the
            # marts, so the batch and the uncommitted load are dropped and the run fails
            if not settings.raw_dir.is_dir():
                raise FileNotFoundError(
                    f"the raw folder {settings.raw_dir} disappeared during the run: what was read after it "
                    "went was not loaded, nothing was published; run again once it is back"
                )
            yield batch

    if plan.bulk:
        logger.info(
            "bulk files streamed member by member: %s",
            "; ".join(
                f"{bulk.source_file}: "
                + (f"{len(bulk.changed)} new or changed of {bulk.members} members, {len(bulk.removed_ordinals)} "
                   "members' rows replaced or removed" if bulk.incremental else "every member")
                for bulk in plan.bulk
            ),
        )  # fmt: skip
    with work_connection(settings) as con:
        stats = load_batches(con, with_progress(parsed), plan.to_parse + plan.removed, plan.bulk)
    return Extracted(plan, stats, plan_seconds)


VALIDATION_MEMORY_LIMIT = "256MB"


@task(name="validate", cache_policy=NO_CACHE)
def validate_task(
    settings: Settings, checkpoint: str, expected_source_files: tuple[str, ...]
) -> quality.CheckpointResult:
    # the checks scan whole tables once: what DuckDB caches of them up to its cap is never read
    # again (550,000 studies: the same 8 s at 256 MB as at 512 MB, 0.25 GB less memory)
    memory_limit = lower_memory_limit(settings.memory_limit, VALIDATION_MEMORY_LIMIT)
    with work_connection(settings, memory_limit=memory_limit) as con:
        result = quality.run_checkpoint(con, checkpoint, expected_source_files=expected_source_files)
    if checkpoint == "marts":
        faults.fault_point("validate")  # test-only (trialmart.faults)
    return result


@task(name="transform", retries=1, retry_delay_seconds=3, cache_policy=NO_CACHE)
def transform_task(settings: Settings) -> DbtOutcome:
    outcome = build_marts(settings)
    get_run_logger().info(
        "dbt build (%s): %d models, %d tests in %.1fs",
        "full refresh" if outcome.full_refresh else "incremental",
        outcome.models,
        outcome.tests,
        outcome.seconds,
    )
    return outcome


@task(name="store-results", retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=1), cache_policy=NO_CACHE)
def store_results_task(settings: Settings, results: list[quality.CheckpointResult], summary: RunSummary) -> str:
    run_at = datetime.fromisoformat(summary.started_at)
    with work_connection(settings) as con:
        quality.store_results(con, results, summary.run_id, run_at)
        # marts.dq_results is rebuilt from raw.dq_results by every dbt build; rows of checks
        # that ran after this run's build are appended so the published history is complete
        if con.execute(
            "select count(*) from information_schema.tables where table_schema='marts' and table_name='dq_results'"
        ).fetchone()[0]:
            con.execute(
                "insert into marts.dq_results by name select * from raw.dq_results where run_id = ?",
                [summary.run_id],
            )
        summary.documents_by_status, summary.documents_by_family = document_counts(con)
        summary.rows_per_mart = mart_row_counts(con)
    return str(quality.write_report(results, settings.report_dir, summary.run_id))


def _worth_retrying(task, task_run, state) -> bool:
    """A read-only or forbidden folder stays so: fail at once (a full disk may be freed: retry)."""
    error = state.data
    return not (isinstance(error, OSError) and error.errno in (errno.EROFS, errno.EACCES, errno.EPERM))


@task(
    name="publish",
    retries=3,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_condition_fn=_worth_retrying,
    cache_policy=NO_CACHE,
)
def publish_task(settings: Settings) -> str:
    published = publish(settings.work_database, settings.warehouse, settings.storage_version, settings.memory_limit)
    if published.trials_rewritten is None:
        return published.mode
    return f"{published.mode} ({published.trials_rewritten} trials rewritten)"


@task(
    name="prepare-history", retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=1), cache_policy=NO_CACHE
)
def prepare_history_task(settings: Settings, run_id: str, started_at: str) -> None:
    """Read the trial history back from the history file before dbt snapshots (trialmart.history)."""
    state = prepare_history(settings, run_id, datetime.fromisoformat(started_at))
    get_run_logger().info(
        "trial history: %s (%d versions, %d earlier runs)",
        f"restored from {state.path}" if state.restored else f"starts at {state.path}", state.versions, state.runs,
    )  # fmt: skip


@task(name="save-history", retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=1), cache_policy=NO_CACHE)
def save_history_task(settings: Settings) -> str:
    return str(save_history(settings))


def _record_checks(summary: RunSummary, result: quality.CheckpointResult) -> None:
    failed_critical, failed_warning = result.critical_failures, result.warning_failures
    summary.checks[result.checkpoint] = {
        "passed": sum(1 for outcome in result.outcomes if outcome.success),
        "critical_failed": len(failed_critical),
        "warning_failed": len(failed_warning),
    }
    summary.failed_checks += [
        f"[{o.severity}] {result.checkpoint}: {o.expectation} on {o.table_name}"
        + (f".{o.column_name}" if o.column_name else "")
        + (f" (e.g. {o.unexpected_examples})" if o.unexpected_examples else "")
        for o in failed_critical + failed_warning
    ]


@flow(name="trialmart", log_prints=True)
@runlock.one_run_at_a_time  # the run holds <work dir>/run.lock; a killed run's leftovers are recovered first
@dbt_worker.started_ahead  # dbt starts while the run extracts and validates (trialmart.dbt_worker)
def trialmart(
    raw_dir: str | None = None,
    warehouse: str | None = None,
    work_dir: str | None = None,
    strict: bool | None = None,
    workers: int | None = None,
    dask_address: str | None = None,
    max_document_bytes: int | None = None,
    wait_lock: float | None = None,
    history: bool | None = None,
    full_refresh: bool | None = None,
) -> RunSummary:
    """Parse every document under `raw_dir` and publish validated marts to `warehouse`.

    `wait_lock`: seconds to wait for another run using the same work folder (default: fail at once).
    `history`: record trial history (default on; off for registry-sized loads).
    `full_refresh`: rebuild every mart from scratch (default: only the trials whose inputs changed)."""
    overrides = {
        "history": history,
        "full_refresh": full_refresh,
        "raw_dir": raw_dir,
        "warehouse": warehouse,
        "work_dir": work_dir,
        "strict": strict,
        "workers": workers,
        "dask_address": dask_address,
        "max_document_bytes": max_document_bytes,
    }
    settings = Settings(**{key: value for key, value in overrides.items() if value is not None})
    logger = get_run_logger()
    summary = RunSummary(
        run_id=uuid.uuid4().hex[:12],
        started_at=datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        raw_dir=str(settings.raw_dir),
        warehouse=str(settings.warehouse),
    )
    results: list[quality.CheckpointResult] = []

    def stage(name: str, started: float) -> None:
        summary.stage_seconds[name] = round(time.perf_counter() - started, 3)

    def finish(failure: str | None) -> RunSummary:
        summary.outcome = "FAILED" if failure else "SUCCEEDED"
        summary.failure = failure
        create_markdown_artifact(
            key="trialmart-run-summary", markdown=summary.to_markdown(), description="trialmart run summary"
        )
        logger.info("\n%s", summary.to_text())
        if failure:
            raise RunFailed(failure, summary)
        return summary

    started = time.perf_counter()
    extracted = extract_and_load(settings)
    plan, stats = extracted.plan, extracted.stats
    summary.unchanged, summary.removed = len(plan.unchanged), len(plan.removed)
    summary.parsed_this_run = stats.documents
    summary.stage_seconds["discover"] = round(extracted.plan_seconds, 3)
    summary.stage_seconds["parse (cpu, summed)"] = round(stats.parse_seconds, 3)
    summary.stage_seconds["load"] = round(stats.load_seconds, 3)
    stage("extract+load", started)
    dbt_worker.prestart()  # again, if the long parse stopped it (park_dbt_worker); it starts during the checks

    started = time.perf_counter()
    staging_check = validate_task(settings, "staging", plan.all_files)
    results.append(staging_check)
    _record_checks(summary, staging_check)
    stage("validate staging", started)

    failure = None
    if staging_check.critical_failures:
        failure = "critical staging checks failed:\n" + staging_check.failure_message()
    else:
        started = time.perf_counter()
        try:
            if settings.history:
                prepare_history_task(settings, summary.run_id, summary.started_at)
            built = transform_task(settings)
            summary.marts_build = "full refresh" if built.full_refresh else "incremental"
            summary.trials_rebuilt = built.trials_rebuilt
        except TransformError as error:  # a failed dbt test or model: report it like a failed check
            failure = str(error)
        stage("dbt build", started)
    if failure is None:
        started = time.perf_counter()
        marts_check = validate_task(settings, "marts", plan.all_files)
        results.append(marts_check)
        _record_checks(summary, marts_check)
        stage("validate marts", started)
        if marts_check.critical_failures:
            failure = "critical mart checks failed:\n" + marts_check.failure_message()

    started = time.perf_counter()
    summary.report_path = store_results_task(settings, results, summary)
    stage("store results", started)

    if failure is None and settings.strict and summary.rejected:
        failure = f"--strict: {summary.rejected} document(s) rejected (see marts.source_documents)"
    if failure is None:
        started = time.perf_counter()
        summary.publish_mode = publish_task(settings)
        summary.published = True
        stage("publish", started)
        # then the history file (trialmart.history): it only ever holds published versions
        if settings.history:
            started = time.perf_counter()
            try:
                save_history_task(settings)
            except Exception as error:  # published, but the history file is still the previous one
                failure = f"published, but the trial history was not saved ({error}); the next run records its changes"
            stage("save history", started)
    return finish(failure)


if __name__ == "__main__":
    trialmart()
