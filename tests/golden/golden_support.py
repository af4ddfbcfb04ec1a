"""Golden-pair machinery: discover `<family>/<case>.(txt|html|json|xml)` + `<case>.json` pairs
and compare a parsed document with its expected JSON, field by field.

The format is described in tests/golden/README.md. The comparison is strict on purpose:
a Trial field (or child-row field) that the expected JSON does not list must be NULL /
empty in the parsed record, so NULL-ness is tested as well as values.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from trialmart.records import (
    Arm,
    Contact,
    Criterion,
    Identifier,
    Intervention,
    Location,
    Outcome,
    ParseIssue,
    RelatedTrial,
    Sponsor,
    Trial,
)

GOLDEN_DIR = Path(__file__).resolve().parent
# Expected files end in .json; the input is the other file with the same stem.
INPUT_SUFFIXES = (".txt", ".html", ".htm", ".xml", ".json", ".zip")
EXPECTED_SUFFIX = ".json"
# Page formats whose input is itself a .json file name the expected file <case>.expected.json.
EXPECTED_SUFFIX_FOR_JSON_INPUT = ".expected.json"

CHILD_TYPES: dict[str, type | None] = {
    "arms": Arm,
    "interventions": Intervention,
    "outcomes": Outcome,
    "criteria": Criterion,
    "sponsors": Sponsor,
    "locations": Location,
    "identifiers": Identifier,
    "related_trials": RelatedTrial,
    "contacts": Contact,
    "issues": ParseIssue,
    "conditions": None,  # a tuple of plain strings
}
FLOAT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class GoldenCase:
    family: str
    name: str
    input_path: Path
    expected_path: Path

    @property
    def id(self) -> str:
        return f"{self.family}/{self.name}"


def discover_cases(root: Path = GOLDEN_DIR) -> list[GoldenCase]:
    """Every <family>/<case>.<input> that has an expected JSON beside it."""
    cases = []
    for family_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))):
        for path in sorted(family_dir.iterdir()):
            if path.name.endswith(EXPECTED_SUFFIX_FOR_JSON_INPUT) or path.suffix.lower() not in INPUT_SUFFIXES:
                continue
            if path.suffix.lower() == ".json":
                expected = path.with_name(path.stem + EXPECTED_SUFFIX_FOR_JSON_INPUT)
            else:
                expected = path.with_suffix(EXPECTED_SUFFIX)
            if expected.exists():
                cases.append(GoldenCase(family_dir.name, path.stem, path, expected))
    return cases


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_jsonable(item) for item in value]
    if dataclasses.is_dataclass(value):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "value") and isinstance(value.value, str):  # StrEnum
        return value.value
    return value


def _empty(value: Any) -> bool:
    return value is None or value == () or value == [] or value == ""


def _equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, float) or isinstance(actual, float):
        if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
            return math.isclose(expected, actual, rel_tol=0, abs_tol=FLOAT_TOLERANCE)
        return False
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    return expected == actual


def _compare_record(where: str, record: Any, expected: dict[str, Any], problems: list[str]) -> None:
    """Compare one dataclass instance with its expected dict (absent fields must be empty)."""
    names = {f.name for f in dataclasses.fields(record)}
    for key in expected:
        if not key.startswith("_") and key not in names:
            problems.append(f"{where}: unknown field {key!r} in expected JSON")
    for name in sorted(names):
        actual = getattr(record, name)
        if name in CHILD_TYPES:
            _compare_children(f"{where}.{name}", name, actual, expected.get(name, []), problems)
            continue
        actual_json = _jsonable(actual)
        if name not in expected:
            if not _empty(actual_json):
                problems.append(f"{where}.{name}: expected NULL/empty (not in JSON), got {actual_json!r}")
        elif not _equal(expected[name], actual_json):
            problems.append(f"{where}.{name}: expected {expected[name]!r}, got {actual_json!r}")


def _compare_children(where: str, name: str, actual: tuple, expected: list, problems: list[str]) -> None:
    if name == "issues":
        # issues are listed by field name only: messages are prose and may be reworded
        expected_fields = [item["field"] if isinstance(item, dict) else item for item in expected]
        actual_fields = [issue.field for issue in actual]
        if expected_fields != actual_fields:
            problems.append(f"{where}: expected issues on {expected_fields!r}, got {_jsonable(actual)!r}")
        return
    if len(actual) != len(expected):
        problems.append(f"{where}: expected {len(expected)} rows, got {len(actual)}")
    for index, (row, expected_row) in enumerate(zip(actual, expected, strict=False)):
        if CHILD_TYPES[name] is None:
            if row != expected_row:
                problems.append(f"{where}[{index}]: expected {expected_row!r}, got {row!r}")
        else:
            _compare_record(f"{where}[{index}]", row, expected_row, problems)
    for index in range(len(expected), len(actual)):
        problems.append(f"{where}[{index}]: unexpected extra row {_jsonable(actual[index])!r}")
    for index in range(len(actual), len(expected)):
        problems.append(f"{where}[{index}]: missing row {expected[index]!r}")


def compare_trials(trials: list[Trial], expected: dict[str, Any]) -> list[str]:
    """All differences between parsed trials and the expected JSON, as readable lines."""
    if "trials" in expected:
        expected_trials = expected["trials"]
    else:  # shorthand: the file is one trial (plus the optional "family" key)
        expected_trials = [{key: value for key, value in expected.items() if key != "family"}]
    problems: list[str] = []
    if len(trials) != len(expected_trials):
        problems.append(f"expected {len(expected_trials)} trial(s), got {len(trials)}: {[t.nct_id for t in trials]}")
    for index, (trial, expected_trial) in enumerate(zip(trials, expected_trials, strict=False)):
        _compare_record(f"trials[{index}]({trial.nct_id})", trial, expected_trial, problems)
    return problems


def load_expected(case: GoldenCase) -> dict[str, Any]:
    return json.loads(case.expected_path.read_text(encoding="utf-8"))
