"""How much of the dash-bulleted registry's flattened tables any reader could split, even one
that knew every value the registry uses.

Seed 001 prints its arms table as one line ("Group Intervention Description" then, per arm
and linked intervention, "label name description" run together) and each outcome row as
"measure time_frame description" on one line. This script prints every API v2 study in
../shared/realdata that way (tests/roundtrip/print_bulleted_registry.py) and counts, per
table, the splits of the printed words that an *oracle* reader would accept: one that knows
every arm label, intervention name and time frame of the whole corpus (exact word sequences)
and only has to place the free-text descriptions. A row (outcomes) or a table (arms) with
more than one accepted split cannot be read faithfully from the text by any parser; this is an
upper bound on what the layout allows, not a measure of trialmart's parser.

    .venv/bin/python benchmarks/bulleted_ambiguity.py [--out FILE]
"""

from __future__ import annotations

import argparse
import platform
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "roundtrip"))

from roundtrip_corpus import studies  # noqa: E402


def words(text: str | None) -> tuple[str, ...]:
    return tuple((text or "").split())


def outcome_splits(row: tuple[str, ...], frames: set[tuple[str, ...]], longest: int) -> int:
    """Splits measure | time frame | description of one row with the time frame a known one."""
    found = 0
    for start in range(1, len(row)):
        for stop in range(start + 1, min(len(row), start + longest) + 1):
            if row[start:stop] in frames:
                found += 1
    return found


def arm_table_readings(cells: tuple[str, ...], labels: set, names: set, longest: int, cap: int = 3) -> int:
    """Readings of the run-together rows "label [name] description ..." with known labels and names."""

    @cache
    def from_row(at: int) -> int:
        if at == len(cells):
            return 1
        total = 0
        for label_end in range(at + 1, min(len(cells), at + longest) + 1):
            if cells[at:label_end] not in labels:
                continue
            name_ends = [label_end] + [
                stop
                for stop in range(label_end + 1, min(len(cells), label_end + longest) + 1)
                if cells[label_end:stop] in names
            ]
            for name_end in name_ends:
                # the description is free text: any run of words up to the next row (arms
                # without a description print none)
                for next_row in range(name_end, len(cells) + 1):
                    if next_row == at:
                        continue
                    total += from_row(next_row)
                    if total >= cap:
                        return cap
        return total

    return from_row(0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    corpus = studies(None)
    frames = {words(o.time_frame) for s in corpus for o in s.trial.outcomes if o.time_frame}
    labels = {words(a.label) for s in corpus for a in s.trial.arms}
    names = {words(i.name) for s in corpus for i in s.trial.interventions}
    longest = max(len(item) for item in frames | labels | names)

    rows = decided = 0
    for study in corpus:
        for o in study.trial.outcomes:
            if not o.measure:
                continue
            row = words(o.measure) + words(o.time_frame) + words(o.description)
            rows += 1
            decided += outcome_splits(row, frames, longest) == 1

    tables = tables_decided = 0
    for study in corpus:
        t = study.trial
        if not t.arms:
            continue
        by_name = {i.name for i in t.interventions}
        cells: tuple[str, ...] = ()
        for arm in t.arms:
            for name in [n for n in arm.intervention_names if n in by_name] or [None]:
                cells += words(arm.label) + words(name) + words(arm.description)
        tables += 1
        tables_decided += arm_table_readings(cells, labels, names, longest) == 1

    lines = [
        "# Dash-bulleted registry: what the flattened tables allow",
        "",
        f"Corpus: {len(corpus)} API v2 studies from ../shared/realdata, printed as seed 001 prints them. "
        f"Machine: {platform.machine()}, Python {platform.python_version()}.",
        "Oracle reader: knows every time frame, arm label and intervention name of the corpus.",
        "",
        "| table | count | one reading | share |",
        "|---|---:|---:|---:|",
        f"| outcome rows | {rows:,} | {decided:,} | {decided / rows:.1%} |",
        f"| arms tables | {tables:,} | {tables_decided:,} | {tables_decided / tables:.1%} |",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
