# ruff: noqa: E501
"""Registry mode: the official bulk export at size, end to end, and its daily re-run.

For each size N (default 50,000, 200,000 and 550,000 members):

1. build a zip laid out as ClinicalTrials.gov's bulk export (one API v2 JSON per member,
   ``NCTxxxxxxxx.json``) from the real studies of ../shared/realdata (the urology zip and
   the NSCLC array), each copy under a fresh NCT id (cached under benchmarks/corpus/registry-N/);
   with ``--format xml``, the legacy AllPublicXML zip (``NCT0000xxxx/NCT00000102.xml``) from
   the 6,786 real XML records of ../shared/realdata (benchmarks/corpus/registry-xml-N/);
2. "full": `trialmart run` over it in a subprocess with a fresh work dir: wall time, stage
   times and the peak RSS of the whole process tree (benchmarks/run.py's TreeMemory);
3. "changed": 0.5% of the members rewritten (a new revision of the same study), the same
   command again over the same work dir: only those members are parsed.

    python benchmarks/registry.py --sizes 50000
    python benchmarks/registry.py --format xml --sizes 50000
    make bench BENCH_MODE=registry BENCH_SIZES=50000

Results: benchmarks/results/registry.json and registry.md (XML: registry-xml.json and .md).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import BENCHMARKS_DIR, RESULTS_DIR, machine, run_pipeline

REALDATA = BENCHMARKS_DIR.parent.parent / "shared" / "realdata"
NCT = re.compile(rb"NCT\d{8}")
CHANGED_SHARE = 0.005
CORPUS_VERSION = "1"


def real_studies(realdata: Path) -> list[bytes]:
    """The API v2 studies of the real data, one JSON document each (their original bytes when zipped)."""
    studies: list[bytes] = []
    with zipfile.ZipFile(realdata / "ctgov-v2-urology" / "ctg-studies.json.zip") as archive:
        studies += [archive.read(info) for info in archive.infolist() if info.filename.endswith(".json")]
    array = json.loads((realdata / "ctgov-v2-nsclc" / "ctg-studies.json").read_bytes())
    studies += [json.dumps(study, ensure_ascii=False).encode() for study in array]
    return studies


def real_xml_studies(realdata: Path) -> list[bytes]:
    """The legacy XML records of the real data, their original bytes."""
    with zipfile.ZipFile(realdata / "ctgov-xml-2023" / "AllPublicXML_subset.zip") as archive:
        return [archive.read(info) for info in archive.infolist() if info.filename.endswith(".xml")]


@dataclass(frozen=True)
class ExportFormat:
    name: str  # "json" | "xml"
    export_name: str
    # the corpus folder (benchmarks/corpus/<label>-N) and the results (results/<label>.json, .md)
    label: str
    studies: Callable[[Path], list[bytes]]
    # the first occurrences of the title, where a revision marks the changed members
    title_openings: tuple[bytes, ...]

    def member_name(self, nct_id: str) -> str:
        if self.name == "xml":  # AllPublicXML: NCT0000xxxx/NCT00000102.xml
            return f"{nct_id[:7]}xxxx/{nct_id}.xml"
        return f"{nct_id}.json"


FORMATS = {
    "json": ExportFormat(
        "json", "ctg-studies.json.zip", "registry", real_studies, (b'"briefTitle": "', b'"briefTitle":"')
    ),
    "xml": ExportFormat("xml", "AllPublicXML.zip", "registry-xml", real_xml_studies, (b"<brief_title>",)),
}


def fresh_id(copy: int) -> bytes:
    return f"NCT9{copy:07d}".encode()


def member(
    studies: list[bytes], copy: int, revision: int = 0, export: ExportFormat = FORMATS["json"]
) -> tuple[str, bytes]:
    """Copy `copy` of a real study under a fresh NCT id (every NCT id it names is replaced)."""
    source = studies[copy % len(studies)]
    own = NCT.search(source).group(0)  # the record's own id comes first (JSON: nctId; XML: the url)
    data = source.replace(own, fresh_id(copy))
    if revision:
        for opening in export.title_openings:
            data = data.replace(opening, opening + f"Revision {revision}: ".encode(), 1)
    return export.member_name(fresh_id(copy).decode()), data


def changed_copies(size: int) -> set[int]:
    step = max(1, round(1 / CHANGED_SHARE))
    return set(range(step // 2, size, step))


def build_zip(
    path: Path,
    studies: list[bytes],
    size: int,
    changed: set[int] = frozenset(),
    revision: int = 0,
    export: ExportFormat = FORMATS["json"],
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    # deflated as the real export is; level 1 builds the 550k corpus in minutes (the level does
    # not change what a reader sees, only the archive's size)
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for copy in range(size):
            name, data = member(studies, copy, revision if copy in changed else 0, export)
            archive.writestr(name, data)
    partial.replace(path)


def corpus(size: int, corpus_dir: Path, studies: list[bytes], export_format: ExportFormat) -> Path:
    raw = corpus_dir / f"{export_format.label}-{size}" / "raw"
    stamp = raw.parent / "version"
    export = raw / export_format.export_name
    if not export.exists() or not stamp.exists() or stamp.read_text() != CORPUS_VERSION:
        build_zip(export, studies, size, export=export_format)
        stamp.write_text(CORPUS_VERSION)
    return raw


def measure(size: int, corpus_dir: Path, studies: list[bytes], export_format: ExportFormat = FORMATS["json"]) -> dict:
    raw = corpus(size, corpus_dir, studies, export_format)
    out = raw.parent / "run"
    if out.exists():
        import shutil

        shutil.rmtree(out)
    prefect_home = corpus_dir / "prefect-home"
    full = run_pipeline(raw, out, prefect_home, "full")
    export = raw / export_format.export_name
    changed = changed_copies(size)
    original = raw.parent / "original-export.zip"  # outside the raw folder: not a raw file
    export.replace(original)  # the cached corpus stays the original export (moved back below)
    try:
        build_zip(export, studies, size, changed, revision=1, export=export_format)
        rerun = run_pipeline(raw, out, prefect_home, "changed")
    finally:
        original.replace(export)
    for result in (full, rerun):
        result["members_per_second"] = round(size / result["wall_seconds"], 1) if result["wall_seconds"] else None
    return {"members": size, "changed_members": len(changed), "full": full, "changed": rerun}


def to_markdown(report: dict) -> str:
    lines = [
        "# Registry mode: the bulk export at size"
        + (" (legacy XML zip, AllPublicXML)" if report.get("format") == "xml" else " (API v2 JSON zip)"),
        "",
        f"Machine: {report['machine'].get('logical_cores')} logical cores, {report['machine'].get('ram_gb')} GB; load average at start {report['machine'].get('load_average_at_start')}.",
        f"Settings: {', '.join(f'{name}={value}' for name, value in report.get('settings', {}).items()) or 'defaults'}.",
        "",
        "| members | run | wall s | members/s | extract+load s | dbt s | peak RSS (tree) MB | outcome |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for result in report["results"]:
        for label in ("full", "changed"):
            run = result[label]
            stages = run.get("stage_seconds", {})
            lines.append(
                f"| {result['members']:,} | {label}{' (' + str(result['changed_members']) + ' changed)' if label == 'changed' else ''} "
                f"| {run['wall_seconds']} | {run.get('members_per_second')} | {stages.get('extract+load', '')} "
                f"| {stages.get('dbt build', '')} | {run['peak_rss_mb']} | {run['outcome']} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="registry-mode benchmark (see the module docstring)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 200_000, 550_000])
    parser.add_argument("--realdata", type=Path, default=REALDATA)
    parser.add_argument(
        "--format", choices=sorted(FORMATS), default="json", help="the export: API v2 JSON or legacy XML"
    )
    parser.add_argument("--corpus-dir", type=Path, default=BENCHMARKS_DIR / "corpus")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument(
        "--history", action="store_true", help="keep trial history on (the registry-mode default is --no-history)"
    )
    args = parser.parse_args(argv)
    # registry-mode settings, as the README recommends for a full export: no trial history (its
    # snapshot holds every trial's child lists), dbt's DuckDB capped at 448 MB
    if not args.history:
        os.environ.setdefault("TRIALMART_HISTORY", "false")
    os.environ.setdefault("TRIALMART_DBT_MEMORY_LIMIT", "448MB")
    settings = {
        name: os.environ[name] for name in ("TRIALMART_HISTORY", "TRIALMART_DBT_MEMORY_LIMIT") if name in os.environ
    }
    export_format = FORMATS[args.format]
    studies = export_format.studies(args.realdata)
    report = {"machine": machine(), "settings": settings, "format": args.format, "results": []}
    for size in args.sizes:
        report["results"].append(measure(size, args.corpus_dir, studies, export_format))
        print(json.dumps(report["results"][-1], indent=2, default=str))
    args.results_dir.mkdir(parents=True, exist_ok=True)
    (args.results_dir / f"{export_format.label}.json").write_text(json.dumps(report, indent=2, default=str))
    (args.results_dir / f"{export_format.label}.md").write_text(to_markdown(report))
    print(to_markdown(report))
    return 0 if all(r[k]["returncode"] == 0 for r in report["results"] for k in ("full", "changed")) else 1


if __name__ == "__main__":
    raise SystemExit(main())
