"""How much of the mirror layout's Study Groups / Interventions any reader could tell apart.

The ClinicalTrials.gov mirror (seeds 000 and 003) prints each study group as its label, its
description paragraphs and then, verbatim, the lines of every intervention it links (name,
description paragraphs), and the Interventions block as each intervention's name and
description lines. Nothing on the page marks where a label, a name or a description ends, so
one page can allow many readings. This script prints every API v2 study of ../shared/realdata
that way (tests/roundtrip/print_ctgov_mirror.py) and, per page, enumerates the readings of the
layout's grammar (trialmart.sources.ctgov_mirror, with the search bounds lifted), then reports:

* pages by readings: 1 (the page says it all), several, none (the record breaks an assumption
  of the grammar), or more than the lifted bound;
* per field, the share of stated values that every reading agrees on (the most a faithful
  reader can claim with the grammar alone), the same with the parser's one preference
  (sentence-like lines are descriptions rather than names), and what the parser as shipped
  reads (its search bounds: MAX_READINGS, MAX_STEPS).

This is an upper bound on what the layout allows, not a measure of one parser; the round-trip
suite (benchmarks/roundtrip_report.py) measures the parser.

    .venv/bin/python benchmarks/mirror_ambiguity.py [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "roundtrip"), str(ROOT / "src")]

import roundtrip_corpus as corpus  # noqa: E402
from roundtrip_run import roundtrip  # noqa: E402

from trialmart import normalize  # noqa: E402
from trialmart.documents import read_document  # noqa: E402
from trialmart.sources import ctgov_mirror as mirror  # noqa: E402
from trialmart.sources._base import cut_off  # noqa: E402

FIELDS = (
    "arms.label",
    "arms.description",
    "arms.intervention_names",
    "interventions.name",
    "interventions.description",
)
LIFTED_READINGS = 200_000
LIFTED_STEPS = 2_000_000


@contextmanager
def bounds(readings: int, steps: int, prefer: bool = True):
    saved = mirror.MAX_READINGS, mirror.MAX_STEPS, mirror.SENTENCE_WORDS
    mirror.MAX_READINGS, mirror.MAX_STEPS = readings, steps
    if not prefer:  # no line is sentence-like: the preference never decides
        mirror.SENTENCE_WORDS = 10**9
    try:
        yield
    finally:
        mirror.MAX_READINGS, mirror.MAX_STEPS, mirror.SENTENCE_WORDS = saved


def count_readings(group_lines: list[str], intervention_lines: list[str]) -> int | None:
    """Readings of the two blocks under the grammar; None when above the lifted bound."""
    groups = [normalize.clean_text(line) or "" for line in group_lines]
    listed = [normalize.clean_text(line) or "" for line in intervention_lines]
    no_links = normalize.fold(mirror.NO_INTERVENTIONS_FOR_GROUP)
    closes = [normalize.fold(line) == no_links for line in groups]
    total = 0
    try:
        search = mirror._Search()
        for items in mirror._intervention_cuts(listed, groups, search):
            total += 1 if not groups else sum(1 for _ in mirror._group_readings(groups, closes, items, search))
            if total > LIFTED_READINGS:
                return None
    except mirror._Ambiguous:
        return None
    return total


def reading_classes(studies: list[corpus.Study], folder: Path) -> Counter:
    from print_ctgov_mirror import print_page

    classes: Counter = Counter()
    folder.mkdir(parents=True, exist_ok=True)
    with bounds(LIFTED_READINGS, LIFTED_STEPS):
        for study in studies:
            printed = print_page(study)
            if not printed.stated.arms and not printed.stated.interventions:
                continue
            path = folder / f"{study.nct_id}{printed.suffix}"
            path.write_text(printed.text, encoding="utf-8")
            document = read_document(folder, path, 64 * 1024 * 1024)
            lines, _ = cut_off(document.lines, mirror.PAGE_ENDINGS, mirror.SITE_TEXTS, "mirror", document.kind)
            page = mirror.split_blocks(lines)
            found = count_readings(page.lines("study_groups"), page.lines("interventions"))
            if found is None:
                classes["more than the lifted bound"] += 1
            elif found == 0:
                classes["none (breaks an assumption)"] += 1
            elif found == 1:
                classes["1 (determined)"] += 1
            else:
                classes["several"] += 1
    return classes


def percent(tally, field: str) -> str:
    rate = tally.rate(field)
    invented = tally.counts[field]["invented"]
    wrong = tally.counts[field]["wrong"]
    text = "–" if rate is None else f"{100 * rate:.1f}%"
    extras = [f"{wrong} wrong"] * bool(wrong) + [f"{invented} invented"] * bool(invented)
    return text + (f" ({', '.join(extras)})" if extras else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="also write the Markdown report here")
    args = parser.parse_args()
    studies = corpus.studies(None)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        classes = reading_classes(studies, folder / "pages")
        with bounds(LIFTED_READINGS, LIFTED_STEPS, prefer=False):
            grammar, _ = roundtrip("ctgov_mirror", studies, folder / "grammar", strict=False)
        with bounds(LIFTED_READINGS, LIFTED_STEPS):
            preferred, _ = roundtrip("ctgov_mirror", studies, folder / "preferred", strict=False)
        shipped, _ = roundtrip("ctgov_mirror", studies, folder / "shipped", strict=False)
    pages = sum(classes.values())
    lines = [
        "# Mirror layout: how much of Study Groups / Interventions a page determines",
        "",
        f"Corpus: the {len(studies)} API v2 studies of ../shared/realdata printed by "
        f"tests/roundtrip/print_ctgov_mirror.py; {pages} of them have groups or interventions.",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}.",
        "",
        "| readings of the page | pages |",
        "|---|---:|",
        *(f"| {name} | {count} |" for name, count in sorted(classes.items())),
        "",
        "Share of stated values read (agreeing with the record), by reader:",
        "",
        "| field | stated | every reading agrees | + preference | parser as shipped |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {field} | {shipped.stated(field):,} | {percent(grammar, field)} | "
            f"{percent(preferred, field)} | {percent(shipped, field)} |"
            for field in FIELDS
        ),
        "",
        f"Bounds: lifted {LIFTED_READINGS:,} readings / {LIFTED_STEPS:,} search steps; shipped "
        f"{mirror.MAX_READINGS:,} / {mirror.MAX_STEPS:,}.",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
