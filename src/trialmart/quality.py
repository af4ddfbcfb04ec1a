"""Data-quality checkpoints: the committed suites in ``expectations/`` run with GX Core.

The validation sandwich: the ``staging`` checkpoint runs over the staging tables (schema
``raw``) before dbt, the ``marts`` checkpoint over schema ``marts`` after it.

How a suite runs (see ``expectations/README.md`` for the file format):

* each suite file names *frames*: a SQL query over DuckDB plus the expectations that judge
  its result. The SQL does the heavy lifting (anti-joins, counts, fill rates, grouping by
  distinct value), so the frames GX receives stay small even at 100k trials;
* GX (ephemeral context, pandas) validates each frame against a suite built from the file;
* every expectation carries a severity: ``critical`` failures fail the run, ``warning``
  failures are reported and stored.

A frame may declare ``weight_column``: each of its rows then stands for that many rows of
the table (``select overall_status, count(*) as n_rows ... group by all``), and the
unexpected count reported is the sum of the weights of the unexpected rows.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import yaml

EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"
CHECKPOINTS_FILE = "checkpoints.yml"
SEVERITIES = ("critical", "warning")
RESULTS_TABLE = "raw.dq_results"
# relation name under which the caller's expected source files are visible to the suites' SQL
EXPECTED_SOURCE_FILES_VIEW = "expected_source_files"
MAX_EXAMPLES = 5
# expectations whose result is a whole-frame verdict: a failure's examples are the frame's rows
_FRAME_IS_THE_FINDING = {"expect_table_row_count_to_equal"}
# expectations that judge each row on its own: a frame of only these (no `mostly`, no weights)
# is fetched and judged CHUNK_VECTORS x 2,048 rows at a time, with the result of judging it whole
_ROW_BY_ROW = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_null",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_value_lengths_to_be_between",
    }
)
CHUNK_VECTORS = 32  # 65,536 rows
_RELATIVE_DATE = re.compile(r"^today(?:\s*([+-])\s*(\d+)\s*(y|years?|d|days?))?$")

RESULTS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run_id", "VARCHAR"),
    ("run_at", "TIMESTAMP"),
    ("checkpoint", "VARCHAR"),
    ("suite", "VARCHAR"),
    ("expectation", "VARCHAR"),
    ("table_name", "VARCHAR"),
    ("column_name", "VARCHAR"),
    ("severity", "VARCHAR"),
    ("success", "BOOLEAN"),
    ("observed_value", "VARCHAR"),
    ("unexpected_count", "BIGINT"),
    ("unexpected_examples", "VARCHAR"),
    ("expectation_kwargs", "VARCHAR"),
)


# --- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectationOutcome:
    """One judged expectation: one row of raw.dq_results."""

    checkpoint: str
    suite: str
    expectation: str  # "<frame>: <GX expectation type>"
    table_name: str
    column_name: str | None
    severity: str  # "critical" | "warning"
    success: bool
    observed_value: str | None
    unexpected_count: int | None
    unexpected_examples: str | None  # JSON list of the offending rows (at most MAX_EXAMPLES)
    expectation_kwargs: str  # JSON

    def describe(self) -> str:
        where = f"{self.table_name}.{self.column_name}" if self.column_name else self.table_name
        text = f"[{self.severity}] {self.checkpoint}/{self.suite}: {self.expectation} on {where}"
        if self.observed_value:
            text += f" — observed {self.observed_value}"
        if self.unexpected_count is not None:
            text += f"; unexpected rows: {self.unexpected_count}"
        if self.unexpected_examples:
            text += f"; examples: {self.unexpected_examples}"
        return text


@dataclass(frozen=True)
class CheckpointResult:
    checkpoint: str  # "staging" | "marts"
    outcomes: tuple[ExpectationOutcome, ...]

    @property
    def critical_failures(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.success and o.severity == "critical")

    @property
    def warning_failures(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.success and o.severity == "warning")

    @property
    def success(self) -> bool:
        """True when no critical expectation failed (warnings never fail a run)."""
        return not self.critical_failures

    def failure_message(self) -> str:
        """Every failed expectation with its table, column and example offending values."""
        passed = sum(o.success for o in self.outcomes)
        lines = [
            f"checkpoint {self.checkpoint}: {passed}/{len(self.outcomes)} expectations passed, "
            f"{len(self.critical_failures)} critical and {len(self.warning_failures)} warning failures"
        ]
        lines += [f"  {o.describe()}" for o in self.critical_failures + self.warning_failures]
        return "\n".join(lines)


# --- suite definitions -----------------------------------------------------------------


@dataclass(frozen=True)
class ExpectationSpec:
    type: str
    kwargs: Mapping[str, Any]
    severity: str
    table: str  # reported table (defaults to the frame's)
    column: str | None  # reported column (defaults to the kwargs' column(s))
    notes: str | None


@dataclass(frozen=True)
class FrameSpec:
    suite: str
    name: str
    table: str
    sql: str
    expectations: tuple[ExpectationSpec, ...]
    weight_column: str | None = None
    example_columns: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()  # inputs the caller must give, e.g. expected_source_files


def _templated(value: Any, variables: Mapping[str, str]) -> Any:
    """Fill ``{name}`` placeholders of a ``for_each`` frame, recursively."""
    if isinstance(value, str):
        for name, replacement in variables.items():
            value = value.replace("{" + name + "}", replacement)
        return value
    if isinstance(value, list):
        return [_templated(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: _templated(item, variables) for key, item in value.items()}
    return value


def _expanded_frames(raw_frames: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for frame in raw_frames:
        for_each = frame.get("for_each")
        if not for_each:
            yield frame
            continue
        names = list(for_each)
        for values in zip(*(for_each[name] for name in names), strict=True):
            variables = dict(zip(names, (str(v) for v in values), strict=True))
            yield _templated({k: v for k, v in frame.items() if k != "for_each"}, variables)


def _default_column(kwargs: Mapping[str, Any]) -> str | None:
    if "column" in kwargs:
        return str(kwargs["column"])
    if "column_A" in kwargs:
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    if "column_list" in kwargs:
        return ", ".join(kwargs["column_list"])
    return None


def load_suite(path: Path) -> list[FrameSpec]:
    """Parse one suite file into frames with their expectations (validated, not yet run)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    suite = document["suite"]
    frames = []
    for raw in _expanded_frames(document["frames"]):
        expectations = []
        for item in raw["expectations"]:
            severity = item["severity"]
            if severity not in SEVERITIES:
                raise ValueError(f"{path.name}: {raw['name']}: severity must be one of {SEVERITIES}, got {severity!r}")
            kwargs = dict(item.get("kwargs") or {})
            expectations.append(
                ExpectationSpec(
                    type=item["type"],
                    kwargs=kwargs,
                    severity=severity,
                    table=item.get("table", raw["table"]),
                    column=item.get("column", _default_column(kwargs)),
                    notes=item.get("notes"),
                )
            )
        frames.append(
            FrameSpec(
                suite=suite,
                name=raw["name"],
                table=raw["table"],
                sql=raw["sql"],
                expectations=tuple(expectations),
                weight_column=raw.get("weight_column"),
                example_columns=tuple(raw.get("example_columns", ())),
                requires=tuple(raw.get("requires", ())),
            )
        )
    return frames


def checkpoint_suites(checkpoint: str, expectations_dir: Path = EXPECTATIONS_DIR) -> list[str]:
    definitions = yaml.safe_load((expectations_dir / CHECKPOINTS_FILE).read_text(encoding="utf-8"))["checkpoints"]
    if checkpoint not in definitions:
        raise ValueError(f"unknown checkpoint {checkpoint!r}; defined: {sorted(definitions)}")
    return list(definitions[checkpoint]["suites"])


def _resolved_kwargs(kwargs: Mapping[str, Any], today: date) -> dict[str, Any]:
    """``"today+15y"`` -> an ISO date, so plausibility windows move with the calendar."""
    resolved: dict[str, Any] = {}
    for key, value in kwargs.items():
        match = _RELATIVE_DATE.match(value.strip()) if isinstance(value, str) else None
        if match:
            sign, amount, unit = match.groups()
            shifted = today
            if amount:
                delta = int(amount) * (1 if sign == "+" else -1)
                if unit.startswith("y"):
                    shifted = today.replace(year=today.year + delta, day=min(today.day, 28))
                else:
                    shifted = date.fromordinal(today.toordinal() + delta)
            # a timestamp string: GX compares it with the datetime64 columns DuckDB dates become
            value = f"{shifted.isoformat()}T00:00:00"
        resolved[key] = value
    return resolved


# --- running with GX -----------------------------------------------------------------------


def warm_up() -> None:
    """Import GX ahead of time (several seconds of CPU), e.g. in a thread while the run waits
    for Prefect's server; a later import in another thread waits for this one to finish."""
    import great_expectations  # noqa: F401
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration  # noqa: F401


@cache
def _batch_definition() -> Any:
    """One ephemeral GX context per process (creating it is the slow part), progress bars off."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("trialmart_frames").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


_DOMAIN_KWARGS = ("column", "column_A", "column_B", "column_list", "row_condition", "condition_parser")


def _gx_suites(frame: FrameSpec, kwargs_list: Sequence[Mapping[str, Any]]) -> list[Any]:
    """The frame's expectations as GX suites; ``meta.position`` maps results back.

    GX keeps only one expectation per type and domain (column, row condition) in a suite,
    so a warning threshold and a critical threshold on the same column go into separate
    suites, validated one after the other on the same batch.
    """
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    groups: list[tuple[set[str], Any]] = []
    for position, (spec, kwargs) in enumerate(zip(frame.expectations, kwargs_list, strict=True)):
        domain = json.dumps([spec.type, *(_json_value(kwargs.get(k)) for k in _DOMAIN_KWARGS)])
        group = next((g for g in groups if domain not in g[0]), None)
        if group is None:
            group = (set(), gx.ExpectationSuite(name=f"{frame.suite}.{frame.name}.{len(groups)}"))
            groups.append(group)
        group[0].add(domain)
        group[1].add_expectation_configuration(
            ExpectationConfiguration(type=spec.type, kwargs=dict(kwargs), meta={"position": position})
        )
    return [suite for _, suite in groups]


def _json_value(value: Any) -> Any:
    """A JSON-ready version of a frame cell or a kwarg (dates as ISO text, NaN/NaT as null)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if value != value else value  # NaN -> null
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if pd.isna(value):
        return None
    if isinstance(value, datetime):  # includes pd.Timestamp; DuckDB dates arrive as midnight timestamps
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        return _json_value(value.item())
    return str(value)


def _examples(frame: pd.DataFrame, indices: Sequence[Any], columns: Sequence[str]) -> str | None:
    if not len(indices):
        return None
    shown = [c for c in dict.fromkeys(columns) if c in frame.columns] or list(frame.columns)
    rows = frame.loc[list(indices)[:MAX_EXAMPLES], shown]
    return json.dumps([{k: _json_value(v) for k, v in row.items()} for row in rows.to_dict("records")])


def _checked_columns(kwargs: Mapping[str, Any]) -> list[str]:
    columns = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return columns + list(kwargs.get("column_list", []))


def _outcome(
    checkpoint: str,
    frame: FrameSpec,
    spec: ExpectationSpec,
    kwargs: Mapping[str, Any],
    success: bool,
    observed: str | None,
    unexpected_count: int | None = None,
    examples: str | None = None,
) -> ExpectationOutcome:
    return ExpectationOutcome(
        checkpoint=checkpoint,
        suite=frame.suite,
        expectation=f"{frame.name}: {spec.type}",
        table_name=spec.table,
        column_name=spec.column,
        severity=spec.severity,
        success=success,
        observed_value=observed,
        unexpected_count=unexpected_count,
        unexpected_examples=examples,
        expectation_kwargs=json.dumps({k: _json_value(v) for k, v in kwargs.items()}, sort_keys=True),
    )


def _exception_message(info: Mapping[str, Any] | None) -> str | None:
    """GX reports an exception either at the top level or keyed by the metric that raised it."""
    if not info:
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    nested = [value for value in info.values() if isinstance(value, Mapping) and value.get("raised_exception")]
    return "; ".join(str(value.get("exception_message")) for value in nested) or None


def _judge(
    checkpoint: str, frame: FrameSpec, spec: ExpectationSpec, kwargs: Mapping[str, Any], result: Any, data: pd.DataFrame
) -> ExpectationOutcome:
    """Turn one GX validation result into an outcome, with examples taken from the frame."""
    details = dict(result.result or {})
    error = _exception_message(result.exception_info)
    if error:
        return _outcome(checkpoint, frame, spec, kwargs, False, f"error: {error}")
    example_columns = [*frame.example_columns, *_checked_columns(kwargs)]
    if spec.type in _FRAME_IS_THE_FINDING:
        count = int(data[frame.weight_column].sum()) if frame.weight_column else len(data)
        examples = (
            None
            if result.success
            else _examples(data, data.index[:MAX_EXAMPLES], [*frame.example_columns, *data.columns])
        )
        return _outcome(checkpoint, frame, spec, kwargs, bool(result.success), f"{len(data)} rows", count, examples)
    if "unexpected_index_list" in details or "unexpected_count" in details:
        indices = details.get("unexpected_index_list") or []
        if frame.weight_column:
            unexpected = int(data.loc[indices, frame.weight_column].sum()) if indices else 0
            total = int(data[frame.weight_column].sum())
        else:
            unexpected = int(details.get("unexpected_count") or 0)
            total = int(details.get("element_count") or len(data))
        observed = f"{unexpected} of {total} rows unexpected"
        return _outcome(
            checkpoint,
            frame,
            spec,
            kwargs,
            bool(result.success),
            observed,
            unexpected,
            _examples(data, indices, example_columns),
        )
    observed_value = details.get("observed_value")
    observed = None if observed_value is None else json.dumps(_json_value(observed_value))
    return _outcome(checkpoint, frame, spec, kwargs, bool(result.success), observed)


def _row_by_row(frame: FrameSpec) -> bool:
    """Whether every expectation of the frame judges each row on its own (see _ROW_BY_ROW)."""
    return frame.weight_column is None and all(
        spec.type in _ROW_BY_ROW and spec.kwargs.get("mostly", 1) == 1 for spec in frame.expectations
    )


def _judged_batch(
    checkpoint: str,
    frame: FrameSpec,
    kwargs_list: Sequence[Mapping[str, Any]],
    suites: Sequence[Any],
    data: pd.DataFrame,
) -> list[ExpectationOutcome]:
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": data})
    by_position = {}
    for suite in suites:
        validation = batch.validate(suite, result_format={"result_format": "COMPLETE"})
        by_position.update({result.expectation_config.meta["position"]: result for result in validation.results})
    outcomes = []
    for position, (spec, kwargs) in enumerate(zip(frame.expectations, kwargs_list, strict=True)):
        result = by_position.get(position)
        if result is None:  # GX drops an exact duplicate configuration
            outcomes.append(
                _outcome(
                    checkpoint,
                    frame,
                    spec,
                    kwargs,
                    False,
                    "error: GX returned no result (an identical expectation is listed twice?)",
                )
            )
        else:
            outcomes.append(_judge(checkpoint, frame, spec, kwargs, result, data))
    return outcomes


def _merged(parts: Sequence[ExpectationOutcome], rows: int) -> ExpectationOutcome:
    """One row-by-row expectation judged chunk by chunk, as if judged on all ``rows`` at once."""
    errors = [part for part in parts if (part.observed_value or "").startswith("error:")]
    if errors:
        return errors[0]
    examples: list[Any] = []
    for part in parts:
        examples += json.loads(part.unexpected_examples) if part.unexpected_examples else []
    unexpected = sum(part.unexpected_count or 0 for part in parts)
    return dataclasses.replace(
        parts[0],
        success=all(part.success for part in parts),
        observed_value=f"{unexpected} of {rows} rows unexpected",
        unexpected_count=unexpected,
        unexpected_examples=json.dumps(examples[:MAX_EXAMPLES]) if examples else None,
    )


def _run_frame(
    checkpoint: str, frame: FrameSpec, con: duckdb.DuckDBPyConnection, today: date
) -> list[ExpectationOutcome]:
    kwargs_list = [_resolved_kwargs(spec.kwargs, today) for spec in frame.expectations]
    chunked = _row_by_row(frame)
    suites = _gx_suites(frame, kwargs_list)
    judged: list[list[ExpectationOutcome]] = []
    rows = 0
    try:
        if not chunked:
            return _judged_batch(checkpoint, frame, kwargs_list, suites, con.execute(frame.sql).df())
        # one chunk in pandas at a time: the frame of every staged trial held 0.8 GB at 550,000
        con.execute(frame.sql)
        while True:
            data = con.fetch_df_chunk(CHUNK_VECTORS)  # the last fetch, empty, completes the result
            if len(data) or not judged:  # an empty frame is judged once, as a whole frame would be
                judged.append(_judged_batch(checkpoint, frame, kwargs_list, suites, data))
                rows += len(data)
            if not len(data):
                break
    except duckdb.Error as error:
        # a missing table or column is a finding in its own right, judged at each expectation's severity
        message = f"error: SQL failed: {str(error).splitlines()[0]}"
        return [
            _outcome(checkpoint, frame, spec, kwargs, False, message)
            for spec, kwargs in zip(frame.expectations, kwargs_list, strict=True)
        ]
    return [_merged(parts, rows) for parts in zip(*judged, strict=True)]


def run_checkpoint(
    con: duckdb.DuckDBPyConnection,
    checkpoint: str,
    *,
    expected_source_files: Sequence[str] | None = None,
    expectations_dir: Path = EXPECTATIONS_DIR,
    today: date | None = None,
) -> CheckpointResult:
    """Run every suite of a checkpoint ("staging" or "marts") against the open database.

    ``expected_source_files`` (paths relative to the raw folder) enables the "every raw
    document is accounted for" expectations; without it those frames are not run.
    """
    today = today or datetime.now(UTC).date()
    inputs: set[str] = set()
    if expected_source_files is not None:
        files = pa.table({"source_file": pa.array(sorted(set(expected_source_files)), type=pa.string())})
        con.register(EXPECTED_SOURCE_FILES_VIEW, files)
        inputs.add("expected_source_files")
    try:
        outcomes: list[ExpectationOutcome] = []
        for suite_name in checkpoint_suites(checkpoint, expectations_dir):
            for frame in load_suite(expectations_dir / "suites" / f"{suite_name}.yml"):
                if set(frame.requires) <= inputs:
                    outcomes.extend(_run_frame(checkpoint, frame, con, today))
    finally:
        if expected_source_files is not None:
            con.unregister(EXPECTED_SOURCE_FILES_VIEW)
    return CheckpointResult(checkpoint, tuple(outcomes))


# --- storing and reporting ---------------------------------------------------------------------


def store_results(
    con: duckdb.DuckDBPyConnection, results: Sequence[CheckpointResult], run_id: str, run_at: datetime
) -> None:
    """Append every outcome to raw.dq_results, so dashboards can show quality over time."""
    schema, _ = RESULTS_TABLE.split(".")
    con.execute(f"create schema if not exists {schema}")
    ddl = ", ".join(f"{name} {kind}" for name, kind in RESULTS_COLUMNS)
    con.execute(f"create table if not exists {RESULTS_TABLE} ({ddl})")
    if run_at.tzinfo is not None:
        run_at = run_at.astimezone(UTC).replace(tzinfo=None)
    rows = [
        (
            run_id,
            run_at,
            o.checkpoint,
            o.suite,
            o.expectation,
            o.table_name,
            o.column_name,
            o.severity,
            o.success,
            o.observed_value,
            o.unexpected_count,
            o.unexpected_examples,
            o.expectation_kwargs,
        )
        for result in results
        for o in result.outcomes
    ]
    if not rows:
        return
    columns = ", ".join(name for name, _ in RESULTS_COLUMNS)
    placeholders = ", ".join("?" for _ in RESULTS_COLUMNS)
    con.executemany(f"insert into {RESULTS_TABLE} ({columns}) values ({placeholders})", rows)


_REPORT_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2433;background:#fafbfc}
h1{font-size:1.5rem}h2{margin-top:2rem;border-bottom:2px solid #d0d7de;padding-bottom:.3rem}h3{margin-top:1.5rem}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0;background:#fff}
th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f3f6}td.examples,td.kwargs{font-family:ui-monospace,Menlo,monospace;font-size:.78rem;word-break:break-word;max-width:32rem}
.pass{color:#116329;font-weight:600}.fail-critical{color:#fff;background:#cf222e;font-weight:600}
.fail-warning{color:#1d2433;background:#f5c451;font-weight:600}.badge{padding:.1rem .4rem;border-radius:.3rem}
.summary td{font-size:1rem}.ok{background:#dafbe1}.bad{background:#ffebe9}.warn{background:#fff8c5}
details summary{cursor:pointer}
"""


def _status_cell(outcome: ExpectationOutcome) -> str:
    if outcome.success:
        return '<span class="pass">pass</span>'
    return f'<span class="badge fail-{outcome.severity}">FAIL</span>'


def write_report(results: Sequence[CheckpointResult], out_dir: Path, run_id: str) -> Path:
    """A self-contained HTML page (inline CSS, no external assets) viewable from a file path."""
    escape = html.escape
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"dq-report-{re.sub(r'[^A-Za-z0-9_.-]+', '_', run_id)}.html"
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>trialmart data quality — {escape(run_id)}</title><style>{_REPORT_CSS}</style></head><body>",
        f"<h1>trialmart data quality — run {escape(run_id)}</h1>",
        "<table class='summary'><tr><th>checkpoint</th><th>verdict</th><th>expectations</th><th>passed</th>"
        "<th>critical failures</th><th>warning failures</th></tr>",
    ]
    for result in results:
        verdict_class = "bad" if result.critical_failures else "warn" if result.warning_failures else "ok"
        verdict = (
            "FAILED" if result.critical_failures else "passed with warnings" if result.warning_failures else "passed"
        )
        parts.append(
            f"<tr class='{verdict_class}'>"
            f"<td><a href='#cp-{escape(result.checkpoint)}'>{escape(result.checkpoint)}</a></td>"
            f"<td>{verdict}</td><td>{len(result.outcomes)}</td><td>{sum(o.success for o in result.outcomes)}</td>"
            f"<td>{len(result.critical_failures)}</td><td>{len(result.warning_failures)}</td></tr>"
        )
    parts.append("</table>")
    failures = [o for r in results for o in r.critical_failures + r.warning_failures]
    if failures:
        parts.append("<h2>Failures</h2><ul>" + "".join(f"<li>{escape(o.describe())}</li>" for o in failures) + "</ul>")
    for result in results:
        parts.append(f"<h2 id='cp-{escape(result.checkpoint)}'>Checkpoint {escape(result.checkpoint)}</h2>")
        suites: dict[str, list[ExpectationOutcome]] = {}
        for outcome in result.outcomes:
            suites.setdefault(outcome.suite, []).append(outcome)
        for suite, outcomes in suites.items():
            failed = sum(not o.success for o in outcomes)
            parts.append(f"<h3>{escape(suite)} <small>({len(outcomes) - failed}/{len(outcomes)} passed)</small></h3>")
            parts.append(
                "<table><tr><th>status</th><th>severity</th><th>expectation</th><th>table</th><th>column</th>"
                "<th>observed</th><th>unexpected</th><th>examples</th><th>arguments</th></tr>"
            )
            for o in sorted(outcomes, key=lambda o: (o.success, o.severity != "critical")):
                parts.append(
                    f"<tr><td>{_status_cell(o)}</td><td>{escape(o.severity)}</td><td>{escape(o.expectation)}</td>"
                    f"<td>{escape(o.table_name)}</td><td>{escape(o.column_name or '')}</td>"
                    f"<td>{escape(o.observed_value or '')}</td>"
                    f"<td>{'' if o.unexpected_count is None else o.unexpected_count}</td>"
                    f"<td class='examples'>{escape(o.unexpected_examples or '')}</td>"
                    "<td class='kwargs'><details><summary>kwargs</summary>"
                    f"{escape(o.expectation_kwargs)}</details></td></tr>"
                )
            parts.append("</table>")
    parts.append(f"<p><small>generated {datetime.now(UTC).isoformat(timespec='seconds')}</small></p></body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
