"""Round-trip fidelity report: real studies printed in each page layout, read back, compared.

Prints (and with --out writes) Markdown: per layout the pages, stated values, agreement and
invented values; then per field and layout the agreement. The printers, the corpus and the
comparison rules live in tests/roundtrip/ (see its README.md).

    python benchmarks/roundtrip_report.py                 # parsers, 300-study sample
    python benchmarks/roundtrip_report.py --all           # every API v2 study in realdata
    python benchmarks/roundtrip_report.py --marts         # through `trialmart run` into the marts
    python benchmarks/roundtrip_report.py --show 5 --layout veeva   # examples of disagreements

Exit status 1 when a layout has a field below --threshold (default 99.5%) or an invented value.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPOSITORY / "tests" / "roundtrip"), str(REPOSITORY / "src"), str(REPOSITORY)]

import roundtrip_corpus as corpus  # noqa: E402
from roundtrip_compare import Tally, compare  # noqa: E402
from roundtrip_run import LAYOUTS, printer, roundtrip  # noqa: E402


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()}"


def parser_tallies(studies: list[corpus.Study], layouts: list[str], folder: Path) -> dict[str, Tally]:
    return {layout: roundtrip(layout, studies, folder / layout, strict=False)[0] for layout in layouts}


def marts_tallies(studies: list[corpus.Study], layouts: list[str], folder: Path) -> dict[str, Tally]:
    from roundtrip_marts import layout_id, marts_stated, trials_from_warehouse, write_pages

    from tests.pipeline_runner import run_pipeline

    stated = write_pages(studies, folder / "raw", tuple(layouts))
    run = run_pipeline(folder / "raw", folder / "out")
    if run.returncode != 0:
        raise SystemExit(f"the pipeline failed:\n{run.output[-4000:]}")
    marts, scalar = trials_from_warehouse(run.warehouse)
    tallies = {layout: Tally() for layout in layouts}
    for layout in layouts:
        for study in studies:
            printed = stated.get(layout_id(study.nct_id, layout))
            if printed is not None:
                want = marts_stated(printed.stated, scalar)
                tallies[layout].add(compare(want, marts.get(want.nct_id), ordered=False))
    return tallies


def percent(rate: float | None) -> str:
    if rate is None:
        return "–"
    return "100%" if rate == 1 else f"{100 * rate:.2f}%"


def render(tallies: dict[str, Tally], title: str, corpus_line: str, threshold: float) -> str:
    lines = [f"# {title}", "", corpus_line, f"Machine: {machine()}.", ""]
    lines += [
        "| layout | pages | stated values | agree | invented | fields below target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for layout, tally in tallies.items():
        stated = sum(tally.stated(field) for field in tally.fields())
        below = ", ".join(f"{field} {percent(tally.rate(field))}" for field in tally.below(threshold)) or "none"
        lines.append(
            f"| {layout} | {tally.pages} | {stated:,} | {percent(tally.total_rate())} | {tally.invented()} | {below} |"
        )
    fields = sorted({field for tally in tallies.values() for field in tally.fields()})
    lines += ["", "Agreement per field (stated values in brackets; – = the layout does not show it):", ""]
    lines += ["| field | " + " | ".join(tallies) + " |", "|---|" + "---:|" * len(tallies)]
    for field in fields:
        cells = []
        for tally in tallies.values():
            stated = tally.stated(field)
            invented = tally.counts[field]["invented"] if field in tally.counts else 0
            cell = "–" if not stated else f"{percent(tally.rate(field))} ({stated:,})"
            cells.append(cell + (f", {invented} invented" if invented else ""))
        lines.append(f"| {field} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, default=corpus.DEFAULT_SAMPLE, help="studies in the varied sample")
    parser.add_argument("--all", action="store_true", help="every API v2 study in ../shared/realdata")
    parser.add_argument("--layout", action="append", choices=LAYOUTS, help="only this layout (repeatable)")
    parser.add_argument("--marts", action="store_true", help="through the whole pipeline into the marts")
    parser.add_argument("--threshold", type=float, default=99.5, help="target agreement per field, percent")
    parser.add_argument("--show", type=int, default=0, help="examples of disagreement per field")
    parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    args = parser.parse_args(argv)
    if not corpus.available():
        print(f"no real data under {corpus.REALDATA}", file=sys.stderr)
        return 2
    studies = corpus.studies(None if args.all else args.sample)
    layouts = [layout for layout in (args.layout or LAYOUTS) if printer(layout) is not None]
    with tempfile.TemporaryDirectory(prefix="trialmart-roundtrip-") as folder:
        if args.marts:
            tallies = marts_tallies(studies, layouts, Path(folder))
        else:
            tallies = parser_tallies(studies, layouts, Path(folder))
    pool = len(corpus.all_studies())
    which = f"all {pool}" if len(studies) == pool else f"a varied sample of {len(studies)} of the {pool}"
    corpus_line = (
        f"Corpus: {which} API v2 studies in ../shared/realdata (urology and NSCLC exports), each printed "
        f"as one page per layout by tests/roundtrip/print_<layout>.py."
    )
    title = "Round trip through the marts (trialmart run)" if args.marts else "Round trip through the page parsers"
    report = render(tallies, title, corpus_line, args.threshold / 100)
    print(report)
    if args.show:
        for layout, tally in tallies.items():
            for field in tally.below(1.0):
                tally_examples = Tally(counts=tally.counts, examples={field: tally.examples[field][: args.show]})
                print(f"[{layout}] {tally_examples.describe(field)}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, encoding="utf-8")
    failing = any(tally.below(args.threshold / 100) for tally in tallies.values())
    return 1 if failing else 0


if __name__ == "__main__":
    raise SystemExit(main())
