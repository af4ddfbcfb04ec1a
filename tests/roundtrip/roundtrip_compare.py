"""Compare what a page states with what trialmart read from it, value by value.

A *stated* `Trial` (from a printer) holds exactly the values its page shows; everything
else is NULL / empty. Each non-empty stated value is one check:

- ``agree``    the read value equals it (floats within 1e-6, text exactly);
- ``missing``  the reader gave NULL / nothing;
- ``wrong``    the reader gave another value.

Each value the reader gave where the page states nothing is ``invented`` (a stated-empty
field filled in, or a child row the page does not have). Child rows are compared by
position (arms, interventions, outcomes, criteria, conditions in page order); for tables
the marts keep without an order (sponsors, locations, identifiers, contacts) both sides
are sorted first when ``ordered=False``. Parse issues and the *_precision / *_raw
bookkeeping are compared like any other field when the stated record fills them.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from trialmart.records import Trial

CHILDREN = (
    "arms",
    "interventions",
    "outcomes",
    "conditions",
    "criteria",
    "sponsors",
    "locations",
    "identifiers",
    "related_trials",
    "contacts",
)
UNORDERED = ("sponsors", "locations", "identifiers", "contacts", "related_trials", "conditions")
IGNORED = ("issues",)
OUTCOMES = ("agree", "missing", "wrong", "invented")


@dataclass(frozen=True)
class Check:
    nct_id: str
    field: str  # "phase", "arms.label", "conditions", ...
    outcome: str  # agree | missing | wrong | invented
    expected: Any = None
    got: Any = None


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == ()


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, float) or isinstance(got, float):
        return (
            isinstance(expected, (int, float))
            and isinstance(got, (int, float))
            and math.isclose(expected, got, rel_tol=0, abs_tol=1e-6)
        )
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(expected) is type(got) and expected == got
    return expected == got


def _value(nct_id: str, field: str, expected: Any, got: Any) -> Check | None:
    if _empty(expected):
        return None if _empty(got) else Check(nct_id, field, "invented", None, got)
    if _empty(got):
        return Check(nct_id, field, "missing", expected, None)
    return Check(nct_id, field, "agree" if _same(expected, got) else "wrong", expected, got)


def _row_fields(row: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(row):
        return {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}
    return {"": row}  # conditions: plain strings


def _sort_key(row: Any) -> tuple:
    return tuple("" if value is None else str(value) for value in _row_fields(row).values())


def compare(stated: Trial, parsed: Trial | None, *, ordered: bool = True) -> list[Check]:
    """Every check of one page: stated values against the values read from it."""
    nct_id = stated.nct_id
    checks: list[Check] = []
    empty = Trial(nct_id=nct_id)
    got_trial = parsed if parsed is not None else empty
    for f in dataclasses.fields(Trial):
        if f.name in IGNORED:
            continue
        expected, got = getattr(stated, f.name), getattr(got_trial, f.name)
        if f.name not in CHILDREN:
            if parsed is None and not _empty(expected):
                checks.append(Check(nct_id, f.name, "missing", expected, None))
                continue
            check = _value(nct_id, f.name, expected, got)
            if check:
                checks.append(check)
            continue
        if not ordered and f.name in UNORDERED:
            expected, got = sorted(expected, key=_sort_key), sorted(got, key=_sort_key)
        for index in range(max(len(expected), len(got))):
            want = _row_fields(expected[index]) if index < len(expected) else None
            have = _row_fields(got[index]) if index < len(got) else None
            for key in want or have or {}:
                name = f"{f.name}.{key}" if key else f.name
                check = _value(nct_id, name, want.get(key) if want else None, have.get(key) if have else None)
                if check:
                    checks.append(check)
    return checks


@dataclass
class Tally:
    """Counts per field: how many stated values agree, and how many values were invented."""

    counts: dict[str, Counter] = dataclasses.field(default_factory=lambda: defaultdict(Counter))
    examples: dict[str, list[Check]] = dataclasses.field(default_factory=lambda: defaultdict(list))
    pages: int = 0

    def add(self, checks: Iterable[Check], keep: int = 5) -> None:
        self.pages += 1
        for check in checks:
            self.counts[check.field][check.outcome] += 1
            if check.outcome != "agree" and len(self.examples[check.field]) < keep:
                self.examples[check.field].append(check)

    def stated(self, field: str) -> int:
        counter = self.counts[field]
        return counter["agree"] + counter["missing"] + counter["wrong"]

    def rate(self, field: str) -> float | None:
        stated = self.stated(field)
        return None if stated == 0 else self.counts[field]["agree"] / stated

    def total_rate(self) -> float | None:
        stated = sum(self.stated(field) for field in self.counts)
        agree = sum(counter["agree"] for counter in self.counts.values())
        return None if stated == 0 else agree / stated

    def invented(self) -> int:
        return sum(counter["invented"] for counter in self.counts.values())

    def fields(self) -> list[str]:
        return sorted(self.counts)

    def below(self, threshold: float) -> list[str]:
        """Fields whose agreement is under `threshold` (0..1), or that have invented values."""
        return [
            field
            for field in self.fields()
            if (self.rate(field) is not None and self.rate(field) < threshold) or self.counts[field]["invented"]
        ]

    def describe(self, field: str) -> str:
        counter = self.counts[field]
        lines = [
            f"{field}: {counter['agree']}/{self.stated(field)} agree, {counter['missing']} missing, "
            f"{counter['wrong']} wrong, {counter['invented']} invented"
        ]
        for check in self.examples[field]:
            lines.append(f"    {check.nct_id} {check.outcome}: expected {check.expected!r} got {check.got!r}"[:400])
        return "\n".join(lines)
