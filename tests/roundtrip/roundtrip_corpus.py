"""The round-trip corpus: real ClinicalTrials.gov studies to print in each page layout.

The studies are the API v2 records under ``../shared/realdata`` (the urology export, 635
studies, and the NSCLC export, 100 studies). Each comes with the `Trial` that
`trialmart.sources.ctgov_json` reads from it; that reading is checked independently at
100% by `benchmarks/compare_realdata.py` and `tests/integration/test_realdata_records.py`,
so it is the truth a printer prints from.

`studies()` returns a deterministic, varied sample: first the studies of each class the
page parsers must handle (observational, combined phases, no arms, many sites, missing or
single ages, long criteria lists with and without punctuation, arm labels of every shape,
comma-bearing countries, OTHER design values, results), then the rest in a fixed
pseudo-random order until the sample is full. Nothing is copied into the repository.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from trialmart.records import Trial
from trialmart.sources.ctgov_json import trial_from_v2

REPOSITORY = Path(__file__).resolve().parents[2]
REALDATA = (REPOSITORY / ".." / "shared" / "realdata").resolve()
V2_ZIP = REALDATA / "ctgov-v2-urology" / "ctg-studies.json.zip"
V2_ARRAY = REALDATA / "ctgov-v2-nsclc" / "ctg-studies.json"
DEFAULT_SAMPLE = 300
PER_CLASS = 25


# ClinicalTrials.gov's own display wording of the contract codes, for printers whose seed
# never shows a value (a site may override an entry, as Veeva does for UNKNOWN).
STATUS_WORDING = {
    "NOT_YET_RECRUITING": "Not yet recruiting",
    "RECRUITING": "Recruiting",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation",
    "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
    "SUSPENDED": "Suspended",
    "TERMINATED": "Terminated",
    "COMPLETED": "Completed",
    "WITHDRAWN": "Withdrawn",
    "UNKNOWN": "Unknown status",
    "AVAILABLE": "Available",
    "NO_LONGER_AVAILABLE": "No longer available",
    "TEMPORARILY_NOT_AVAILABLE": "Temporarily not available",
    "APPROVED_FOR_MARKETING": "Approved for marketing",
    "WITHHELD": "Withheld",
}
PHASE_WORDING = {
    "EARLY_PHASE1": "Early Phase 1",
    "PHASE1": "Phase 1",
    "PHASE1/PHASE2": "Phase 1/Phase 2",
    "PHASE2": "Phase 2",
    "PHASE2/PHASE3": "Phase 2/Phase 3",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
    "NA": "Not Applicable",
}


@dataclass(frozen=True)
class Study:
    """One official record: the API v2 study object and what trialmart reads from it."""

    raw: dict[str, Any]
    trial: Trial

    @property
    def nct_id(self) -> str:
        return self.trial.nct_id

    @property
    def protocol(self) -> dict[str, Any]:
        return self.raw.get("protocolSection") or {}

    def module(self, name: str) -> dict[str, Any]:
        return self.protocol.get(name) or {}


@dataclass(frozen=True)
class Printed:
    """A page a printer wrote, and exactly what that page states (NULL / empty = not stated)."""

    text: str
    stated: Trial
    suffix: str = ".txt"


def available() -> bool:
    return V2_ZIP.is_file() and V2_ARRAY.is_file()


def _raw_studies() -> Iterator[dict[str, Any]]:
    with zipfile.ZipFile(V2_ZIP) as archive:
        for name in sorted(archive.namelist()):
            if name.lower().endswith(".json"):
                yield json.loads(archive.read(name))
    yield from json.loads(V2_ARRAY.read_text(encoding="utf-8"))


@cache
def all_studies() -> tuple[Study, ...]:
    """Every API v2 study in the real data, once per NCT id, in NCT id order."""
    seen: dict[str, Study] = {}
    for raw in _raw_studies():
        trial = trial_from_v2(raw)
        if trial is not None and trial.nct_id not in seen:
            seen[trial.nct_id] = Study(raw, trial)
    return tuple(seen[key] for key in sorted(seen))


_ARM_NUMERAL = re.compile(r"^(group|arm|cohort)\s+([ivx]+|\d+|[a-z])\b", re.IGNORECASE)
_COMMA_COUNTRIES = {"Korea, Republic of", "Iran, Islamic Republic of", "Taiwan, Province of China"}


def _unpunctuated(trial: Trial) -> bool:
    texts = [criterion.text for criterion in trial.criteria]
    return len(texts) >= 5 and sum(not text.rstrip().endswith((".", ";")) for text in texts) >= len(texts) / 2


CLASSES: dict[str, Callable[[Trial], bool]] = {
    "observational": lambda t: t.study_type == "OBSERVATIONAL",
    "combined_phase": lambda t: t.phase in ("PHASE1/PHASE2", "PHASE2/PHASE3"),
    "no_arms": lambda t: not t.arms,
    "many_sites": lambda t: len(t.locations) >= 10,
    "no_ages": lambda t: t.minimum_age_years is None and t.maximum_age_years is None,
    "single_age": lambda t: (t.minimum_age_years is None) != (t.maximum_age_years is None),
    "long_criteria": lambda t: len(t.criteria) >= 15,
    "unpunctuated_criteria": _unpunctuated,
    "arm_label_numeral": lambda t: any(_ARM_NUMERAL.match(arm.label) for arm in t.arms),
    "arm_label_other": lambda t: bool(t.arms) and not any(_ARM_NUMERAL.match(arm.label) for arm in t.arms),
    "arm_label_is_intervention": lambda t: any(
        arm.label == intervention.name for arm in t.arms for intervention in t.interventions
    ),
    "comma_country": lambda t: any(location.country in _COMMA_COUNTRIES for location in t.locations),
    "design_other": lambda t: "OTHER" in (t.primary_purpose, t.observational_model, t.time_perspective),
    "has_results": lambda t: bool(t.has_results),
    "no_locations": lambda t: not t.locations,
}


def _order(study: Study) -> str:
    return hashlib.sha256(study.nct_id.encode()).hexdigest()


def studies(sample: int | None = DEFAULT_SAMPLE) -> list[Study]:
    """A deterministic varied sample (every study when `sample` is None), in NCT id order."""
    pool = all_studies()
    if sample is None or sample >= len(pool):
        return list(pool)
    shuffled = sorted(pool, key=_order)
    chosen: dict[str, Study] = {}
    per_class = max(1, min(PER_CLASS, sample // 12))
    for predicate in CLASSES.values():
        for study in [s for s in shuffled if predicate(s.trial)][:per_class]:
            chosen.setdefault(study.nct_id, study)
    for study in shuffled:
        if len(chosen) >= sample:
            break
        chosen.setdefault(study.nct_id, study)
    return sorted(chosen.values(), key=lambda s: s.nct_id)


def class_counts(selection: list[Study]) -> dict[str, int]:
    """How many studies of each class a selection holds (for the report)."""
    return {name: sum(predicate(s.trial) for s in selection) for name, predicate in CLASSES.items()}
