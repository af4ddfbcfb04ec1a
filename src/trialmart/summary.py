"""The run summary: what a run read, loaded and checked, for the terminal and the artifact."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import duckdb


@dataclass
class RunSummary:
    run_id: str
    started_at: str
    raw_dir: str
    warehouse: str
    documents_by_status: dict[str, int] = field(default_factory=dict)
    documents_by_family: dict[str, dict[str, int]] = field(default_factory=dict)
    parsed_this_run: int = 0
    unchanged: int = 0
    removed: int = 0
    rows_per_mart: dict[str, int] = field(default_factory=dict)
    checks: dict[str, dict[str, int]] = field(
        default_factory=dict
    )  # checkpoint -> passed/critical_failed/warning_failed
    failed_checks: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    # how dbt built the marts: "full refresh", or "incremental" with the trials it rebuilt
    marts_build: str | None = None
    trials_rebuilt: int | None = None
    report_path: str | None = None
    published: bool = False
    # how the published file was built: "full" copy, or "incremental (N trials rewritten)"
    publish_mode: str | None = None
    outcome: str = "RUNNING"  # SUCCEEDED, FAILED
    failure: str | None = None

    @property
    def rejected(self) -> int:
        return self.documents_by_status.get("REJECTED", 0)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    def to_markdown(self) -> str:
        lines = [f"# trialmart run {self.run_id}: {self.outcome}", ""]
        if self.failure:
            lines += ["**Failure:**", "", "```", self.failure, "```", ""]
        lines += [
            f"Raw folder `{self.raw_dir}` -> warehouse `{self.warehouse}` "
            f"({'published' if self.published else 'NOT published: the previous file is untouched'}).",
            "",
            f"Documents parsed this run: {self.parsed_this_run}; "
            f"unchanged (skipped): {self.unchanged}; removed: {self.removed}.",
            "",
            "## Documents by status and layout",
            "",
            "| layout | " + " | ".join(STATUSES) + " |",
            "|---|" + "---:|" * len(STATUSES),
        ]
        for family, counts in sorted(self.documents_by_family.items()):
            lines.append(f"| {family} | " + " | ".join(str(counts.get(s, 0)) for s in STATUSES) + " |")
        lines.append("| **all** | " + " | ".join(str(self.documents_by_status.get(s, 0)) for s in STATUSES) + " |")
        lines += ["", "## Rows per mart", "", "| mart | rows |", "|---|---:|"]
        lines += [f"| marts.{name} | {count} |" for name, count in sorted(self.rows_per_mart.items())]
        lines += [
            "",
            "## Data quality",
            "",
            "| checkpoint | passed | critical failed | warnings |",
            "|---|---:|---:|---:|",
        ]
        for checkpoint, counts in self.checks.items():
            cells = [counts.get(key, 0) for key in ("passed", "critical_failed", "warning_failed")]
            lines.append(f"| {checkpoint} | " + " | ".join(map(str, cells)) + " |")
        if self.failed_checks:
            lines += ["", *[f"- {line}" for line in self.failed_checks]]
        if self.report_path:
            lines += ["", f"Report: `{self.report_path}`"]
        lines += ["", "## Duration per stage", "", "| stage | seconds |", "|---|---:|"]
        lines += [f"| {stage} | {seconds:.2f} |" for stage, seconds in self.stage_seconds.items()]
        return "\n".join(lines) + "\n"

    def _build_text(self) -> str:
        if self.trials_rebuilt is None:
            return str(self.marts_build)
        return f"{self.marts_build} ({self.trials_rebuilt} trials rebuilt)"

    def _published_text(self) -> str:
        if not self.published:
            return "not published"
        return f"published: {self.publish_mode}" if self.publish_mode else "published"

    def to_text(self) -> str:
        status = ", ".join(f"{self.documents_by_status.get(s, 0)} {s.lower()}" for s in STATUSES)
        marts = ", ".join(f"{name} {count}" for name, count in sorted(self.rows_per_mart.items()))
        checks = "; ".join(
            f"{cp}: {c.get('passed', 0)} passed, {c.get('critical_failed', 0)} critical failed, "
            f"{c.get('warning_failed', 0)} warnings"
            for cp, c in self.checks.items()
        )
        timing = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in self.stage_seconds.items())
        lines = [
            f"trialmart run {self.run_id}: {self.outcome}",
            f"  documents: {status} "
            f"(parsed this run {self.parsed_this_run}, unchanged {self.unchanged}, removed {self.removed})",
            f"  rows per mart: {marts}",
            f"  checks: {checks}",
            f"  stages: {timing}",
            *([f"  marts: {self._build_text()}"] if self.marts_build else []),
            f"  warehouse: {self.warehouse} ({self._published_text()})",
        ]
        if self.report_path:
            lines.append(f"  data-quality report: {self.report_path}")
        if self.failure:
            lines.append(f"  failure: {self.failure}")
        return "\n".join(lines)


STATUSES = ("PARSED", "PARTIAL", "REJECTED")


def document_counts(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    by_status: dict[str, int] = {}
    by_family: dict[str, dict[str, int]] = {}
    rows = con.execute(
        "select coalesce(source_family, '(none)'), parse_status, count(*) from raw.documents group by all"
    ).fetchall()
    for family, status, count in rows:
        by_status[status] = by_status.get(status, 0) + count
        by_family.setdefault(family, {})[status] = count
    return by_status, by_family


def mart_row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
        ).fetchall()
    ]
    return {name: con.execute(f'select count(*) from marts."{name}"').fetchone()[0] for name in tables}
