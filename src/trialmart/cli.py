"""`trialmart` command line: run the pipeline, parse one file, export the marts."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Optional

import typer

from trialmart.environment import apply_offline_defaults

apply_offline_defaults()

app = typer.Typer(
    help="trialmart: clinical-trial registry pages -> an analyst-ready DuckDB warehouse.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def run(
    raw_dir: Annotated[
        Optional[Path],
        typer.Option(help="Folder of raw documents (read recursively). [env TRIALMART_RAW_DIR; default data/raw]"),
    ] = None,
    warehouse: Annotated[
        Optional[Path],
        typer.Option(
            help="Published DuckDB file analysts open. [env TRIALMART_WAREHOUSE; default data/warehouse.duckdb]"
        ),
    ] = None,
    work_dir: Annotated[
        Optional[Path],
        typer.Option(help="Build area: work database, dbt target, reports. [default <warehouse dir>/.trialmart]"),
    ] = None,
    strict: Annotated[
        Optional[bool],
        typer.Option("--strict/--no-strict", help="Fail (exit 2, nothing published) when any document is rejected."),
    ] = None,
    history: Annotated[
        Optional[bool],
        typer.Option(
            "--history/--no-history",
            help="Record trial history (marts.trial_history, trial_changes). [env TRIALMART_HISTORY; default on]",
        ),
    ] = None,
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh",
            help="Rebuild every mart from scratch instead of only the trials whose inputs changed "
            "(done by itself when the dbt project changed).",
        ),
    ] = False,
    workers: Annotated[
        Optional[int], typer.Option(help="Parser processes for large corpora. [default: CPU count]")
    ] = None,
    dask_address: Annotated[
        Optional[str], typer.Option(help="Run the parse stage on this Dask scheduler, e.g. tcp://127.0.0.1:8786.")
    ] = None,
    max_document_bytes: Annotated[
        Optional[int], typer.Option(help="Reject text/HTML/JSON/XML files larger than this. [default 32 MiB]")
    ] = None,
    summary_json: Annotated[
        Optional[Path], typer.Option(help="Also write the run summary as JSON to this file.")
    ] = None,
    wait_lock: Annotated[
        float,
        typer.Option(
            help="Seconds to wait for another run using the same work folder; 0: exit at once (code 3) naming it."
        ),
    ] = 0.0,
) -> None:
    """Run the whole pipeline: parse, load, dbt, validate, publish."""
    import threading

    global _EXIT_WITHOUT_TEARDOWN
    _EXIT_WITHOUT_TEARDOWN = True

    from trialmart import runlock
    from trialmart.settings import Settings

    # one run per work folder, checked before Prefect starts so a busy folder fails at once
    locations = {"warehouse": warehouse, "work_dir": work_dir}
    where = Settings(**{key: value for key, value in locations.items() if value is not None})
    folder = where.resolved_work_dir
    try:
        runlock.acquire(folder, wait_lock, log=lambda message: typer.echo(message, err=True))
    except runlock.RunLocked as locked:
        typer.echo(f"trialmart run: {locked}", err=True)
        raise typer.Exit(3) from None
    except OSError as error:
        typer.echo(f"trialmart run: cannot use the work folder {folder}: {error}", err=True)
        raise typer.Exit(1) from None

    from trialmart import dbt_worker

    # dbt starts in its own process now, while Prefect starts and the run extracts and validates;
    # the transform task hands it its command; stopped below if unused (trialmart.dbt_worker)
    dbt_worker.prestart()
    from flows.pipeline import RunFailed, trialmart
    from trialmart import quality

    # the flow first waits for Prefect's temporary server to start: import GX meanwhile
    threading.Thread(target=quality.warm_up, name="gx-warm-up", daemon=True).start()

    try:
        summary = trialmart(
            raw_dir=str(raw_dir) if raw_dir else None,
            warehouse=str(warehouse) if warehouse else None,
            work_dir=str(work_dir) if work_dir else None,
            strict=strict,
            workers=workers,
            dask_address=dask_address,
            max_document_bytes=max_document_bytes,
            wait_lock=wait_lock,
            history=history,
            full_refresh=full_refresh or None,
        )
    except RunFailed as failed:
        _write_summary(summary_json, failed.summary)
        typer.echo(failed.summary.to_text(), err=True)
        strict_failure = (failed.summary.failure or "").startswith("--strict")
        raise typer.Exit(2 if strict_failure else 1) from None
    except Exception as error:  # a fault (full disk, unwritable or vanished folder): one clear line
        typer.echo(
            f"trialmart run failed: {type(error).__name__}: {error}\n"
            f"the published warehouse {where.warehouse} was not replaced",
            err=True,
        )
        raise typer.Exit(1) from None
    finally:
        dbt_worker.discard()
        runlock.release(folder)
    _write_summary(summary_json, summary)
    typer.echo(summary.to_text())


def _write_summary(path: Path | None, summary) -> None:
    if path:
        path.write_text(summary.to_json())


@app.command()
def parse(
    files: Annotated[list[Path], typer.Argument(help="Files to parse (printed as JSON records; nothing is loaded).")],
    max_document_bytes: Annotated[int, typer.Option(help="Size limit for one document.")] = 32 * 1024 * 1024,
) -> None:
    """Parse documents and print what the pipeline would load, as JSON."""
    from trialmart.sources import parse_file

    for file in files:
        document = parse_file(file.resolve().parent, file.resolve(), max_document_bytes)
        typer.echo(json.dumps(asdict(document), default=str, indent=2, ensure_ascii=False))


@app.command()
def export(
    warehouse: Annotated[Path, typer.Option(help="DuckDB file to export.")] = Path("data/warehouse.duckdb"),
    out_dir: Annotated[Path, typer.Option(help="Folder for one file per mart.")] = Path("data/export"),
    csv: Annotated[bool, typer.Option("--csv", help="Also write CSV next to Parquet.")] = False,
) -> None:
    """Export every mart to Parquet (and CSV on request) for tools that cannot open DuckDB files."""
    from trialmart.export import export_marts

    formats = ("parquet", "csv") if csv else ("parquet",)
    for path in export_marts(warehouse, out_dir, formats):
        typer.echo(str(path))


@app.command()
def docs(
    warehouse: Annotated[
        Path, typer.Option(help="Published warehouse whose build area holds the work database.")
    ] = Path("data/warehouse.duckdb"),
    work_dir: Annotated[
        Optional[Path], typer.Option(help="Build area of that warehouse. [default <warehouse dir>/.trialmart]")
    ] = None,
    out: Annotated[Path, typer.Option(help="Where to write the self-contained docs page.")] = Path(
        "build/docs/index.html"
    ),
) -> None:
    """Write the dbt docs of the marts as one self-contained HTML page (offline)."""
    import shutil

    from trialmart.settings import Settings
    from trialmart.transform import run_dbt

    settings = Settings(warehouse=warehouse, work_dir=work_dir)
    if not settings.work_database.exists():
        typer.echo(f"no work database at {settings.work_database}: run `trialmart run` first", err=True)
        raise typer.Exit(1)
    run_dbt(settings, "docs", "generate", "--static")
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(settings.resolved_work_dir / "dbt" / "target" / "static_index.html", out)
    typer.echo(str(out.resolve()))


# set by `run` once it started: its process then exits without the interpreter's teardown
_EXIT_WITHOUT_TEARDOWN = False


def main() -> None:  # pragma: no cover - console entry point
    try:
        app()
    except SystemExit as stop:
        if _EXIT_WITHOUT_TEARDOWN:
            from trialmart.fast_exit import exit_without_teardown

            exit_without_teardown(stop.code)
        raise


if __name__ == "__main__":  # pragma: no cover
    main()
