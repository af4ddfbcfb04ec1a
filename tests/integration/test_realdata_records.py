"""Every official record in shared/realdata, parsed by trialmart and checked against the source.

The expected values are read here, independently of `trialmart.sources` and
`trialmart.normalize`: JSON with `json`, XML with the standard library's ElementTree, and
the wording -> code rules written out below from the registry's own vocabularies. For each
record the parsed Trial must agree on: counts of arms, interventions, primary and
secondary outcomes; criteria present when the record has eligibility text; enrollment;
overall status, phase and study type codes; ages in years; has_results. And no document
holding valid records may be rejected.

Skips when /work/shared/realdata (``<repo>/../shared/realdata``) is absent.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from trialmart.records import ParsedDocument, ParseStatus, Trial
from trialmart.sources import parse_file

REPOSITORY = Path(__file__).resolve().parents[2]
REALDATA = (REPOSITORY / ".." / "shared" / "realdata").resolve()
MAX_BYTES = 100_000_000

pytestmark = pytest.mark.skipif(not REALDATA.is_dir(), reason=f"no real data at {REALDATA}")


# --- the registry's wording, read independently --------------------------------------------

# The contract's unit conversions: months/12, weeks/52.1775, days/365.25 (and finer units).
YEARS_PER_UNIT = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 1 / 52.1775,
    "day": 1 / 365.25,
    "hour": 1 / (365.25 * 24),
    "minute": 1 / (365.25 * 24 * 60),
}
AGE = re.compile(r"^(\d+(?:\.\d+)?) (year|month|week|day|hour|minute)s?$", re.IGNORECASE)

STATUS_WORDING = {"Unknown status": "UNKNOWN"}
STUDY_TYPE_WORDING = {
    "Interventional": "INTERVENTIONAL",
    "Observational": "OBSERVATIONAL",
    "Observational [Patient Registry]": "OBSERVATIONAL",
    "Expanded Access": "EXPANDED_ACCESS",
    "N/A": None,  # withheld records state no study type
}
PHASE_WORDING = {
    "Early Phase 1": "EARLY_PHASE1",
    "Phase 1": "PHASE1",
    "Phase 2": "PHASE2",
    "Phase 3": "PHASE3",
    "Phase 4": "PHASE4",
    "N/A": "NA",
    "Not Applicable": "NA",
}


# "Phase 1/Phase 2" is two phases; "N/A" is one value
PHASE_SEPARATOR = re.compile(r"/(?=Phase)")


def age_in_years(raw: str | None) -> float | None:
    if not raw:
        return None
    match = AGE.match(raw.strip())
    if not match:  # "N/A": no limit
        return None
    return float(match.group(1)) * YEARS_PER_UNIT[match.group(2).lower()]


def status_code(raw: str | None) -> str | None:
    if raw is None:
        return None
    return STATUS_WORDING.get(raw) or re.sub(r"[^A-Z]+", "_", raw.upper()).strip("_")


def study_type_code(raw: str | None) -> str | None:
    if raw is None:
        return None
    return STUDY_TYPE_WORDING.get(raw, raw)


def phase_code(phases: list[str]) -> str | None:
    """["Phase 1", "Phase 2"], ["PHASE1", "PHASE2"] or "Phase 1/Phase 2" -> "PHASE1/PHASE2"."""
    if not phases:
        return None
    return "/".join(PHASE_WORDING.get(phase, phase) for phase in phases)


@dataclass(frozen=True)
class Expected:
    source_file: str
    nct_id: str
    arms: int
    interventions: int
    primary_outcomes: int
    secondary_outcomes: int
    has_eligibility_text: bool
    enrollment: int | None
    overall_status: str | None
    phase: str | None
    study_type: str | None
    minimum_age_years: float | None
    maximum_age_years: float | None
    has_results: bool | None


# --- independent readers --------------------------------------------------------------------


def _get(obj: dict, *keys: str):
    for key in keys:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def expected_from_v2(study: dict, source_file: str) -> Expected:
    protocol = study["protocolSection"]
    count = _get(protocol, "designModule", "enrollmentInfo", "count")
    return Expected(
        source_file=source_file,
        nct_id=protocol["identificationModule"]["nctId"],
        arms=len(_get(protocol, "armsInterventionsModule", "armGroups") or []),
        interventions=len(_get(protocol, "armsInterventionsModule", "interventions") or []),
        primary_outcomes=len(_get(protocol, "outcomesModule", "primaryOutcomes") or []),
        secondary_outcomes=len(_get(protocol, "outcomesModule", "secondaryOutcomes") or []),
        has_eligibility_text=bool((_get(protocol, "eligibilityModule", "eligibilityCriteria") or "").strip()),
        enrollment=int(count) if count is not None else None,
        overall_status=_get(protocol, "statusModule", "overallStatus"),
        phase=phase_code(_get(protocol, "designModule", "phases") or []),
        study_type=_get(protocol, "designModule", "studyType"),
        minimum_age_years=age_in_years(_get(protocol, "eligibilityModule", "minimumAge")),
        maximum_age_years=age_in_years(_get(protocol, "eligibilityModule", "maximumAge")),
        has_results=study.get("hasResults"),
    )


def expected_from_v1(study: dict, source_file: str) -> Expected:
    protocol = study["ProtocolSection"]
    count = _get(protocol, "DesignModule", "EnrollmentInfo", "EnrollmentCount")
    return Expected(
        source_file=source_file,
        nct_id=protocol["IdentificationModule"]["NCTId"],
        arms=len(_get(protocol, "ArmsInterventionsModule", "ArmGroupList", "ArmGroup") or []),
        interventions=len(_get(protocol, "ArmsInterventionsModule", "InterventionList", "Intervention") or []),
        primary_outcomes=len(_get(protocol, "OutcomesModule", "PrimaryOutcomeList", "PrimaryOutcome") or []),
        secondary_outcomes=len(_get(protocol, "OutcomesModule", "SecondaryOutcomeList", "SecondaryOutcome") or []),
        has_eligibility_text=bool((_get(protocol, "EligibilityModule", "EligibilityCriteria") or "").strip()),
        enrollment=int(count) if count is not None else None,
        overall_status=status_code(_get(protocol, "StatusModule", "OverallStatus")),
        phase=phase_code(_get(protocol, "DesignModule", "PhaseList", "Phase") or []),
        study_type=study_type_code(_get(protocol, "DesignModule", "StudyType")),
        minimum_age_years=age_in_years(_get(protocol, "EligibilityModule", "MinimumAge")),
        maximum_age_years=age_in_years(_get(protocol, "EligibilityModule", "MaximumAge")),
        has_results="ResultsSection" in study,
    )


def expected_from_json(payload: object, source_file: str) -> Iterator[Expected]:
    if isinstance(payload, list):
        for study in payload:
            yield expected_from_v2(study, source_file)
    elif "FullStudiesResponse" in payload:
        for entry in payload["FullStudiesResponse"].get("FullStudies") or []:
            yield expected_from_v1(entry["Study"], source_file)
    elif "studies" in payload:
        for study in payload["studies"]:
            yield expected_from_v2(study, source_file)
    else:
        yield expected_from_v2(payload, source_file)


def expected_from_xml(data: bytes, source_file: str) -> Expected:
    root = ElementTree.fromstring(data)
    enrollment = root.findtext("enrollment")
    phase = root.findtext("phase")
    return Expected(
        source_file=source_file,
        nct_id=root.findtext("id_info/nct_id") or "",
        arms=len(root.findall("arm_group")),
        interventions=len(root.findall("intervention")),
        primary_outcomes=len(root.findall("primary_outcome")),
        secondary_outcomes=len(root.findall("secondary_outcome")),
        has_eligibility_text=bool((root.findtext("eligibility/criteria/textblock") or "").strip()),
        enrollment=int(enrollment) if enrollment else None,
        overall_status=status_code(root.findtext("overall_status")),
        phase=phase_code(PHASE_SEPARATOR.split(phase)) if phase else None,
        study_type=study_type_code(root.findtext("study_type")),
        minimum_age_years=age_in_years(root.findtext("eligibility/minimum_age")),
        maximum_age_years=age_in_years(root.findtext("eligibility/maximum_age")),
        has_results=root.find("clinical_results") is not None,
    )


def source_files() -> list[Path]:
    return sorted(
        path for path in REALDATA.rglob("*") if path.is_file() and path.suffix.lower() in (".json", ".xml", ".zip")
    )


def expected_records(path: Path) -> Iterator[Expected]:
    source_file = path.relative_to(REALDATA).as_posix()
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                data = archive.read(info)
                if info.filename.lower().endswith(".json"):
                    yield from expected_from_json(json.loads(data), source_file)
                elif info.filename.lower().endswith(".xml"):
                    yield expected_from_xml(data, source_file)
    elif path.suffix.lower() == ".json":
        yield from expected_from_json(json.loads(path.read_bytes()), source_file)
    else:
        yield expected_from_xml(path.read_bytes(), source_file)


# --- the checks ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parsed() -> dict[str, ParsedDocument]:
    return {path.relative_to(REALDATA).as_posix(): parse_file(REALDATA, path, MAX_BYTES) for path in source_files()}


@pytest.fixture(scope="module")
def expected() -> dict[str, list[Expected]]:
    return {path.relative_to(REALDATA).as_posix(): list(expected_records(path)) for path in source_files()}


def disagreements(record: Expected, trial: Trial) -> list[str]:
    found = []

    def check(field: str, want: object, got: object) -> None:
        if isinstance(want, float) or isinstance(got, float):
            same = want is not None and got is not None and abs(float(want) - float(got)) < 1e-5  # type: ignore[arg-type]
            same = same or (want is None and got is None)
        else:
            same = want == got
        if not same:
            found.append(f"{record.source_file} {record.nct_id}: {field}: source {want!r}, parsed {got!r}")

    check("arms", record.arms, len(trial.arms))
    check("interventions", record.interventions, len(trial.interventions))
    check("primary outcomes", record.primary_outcomes, sum(o.outcome_type == "PRIMARY" for o in trial.outcomes))
    check("secondary outcomes", record.secondary_outcomes, sum(o.outcome_type == "SECONDARY" for o in trial.outcomes))
    check("has criteria", record.has_eligibility_text, len(trial.criteria) > 0)
    check("enrollment", record.enrollment, trial.enrollment)
    check("overall_status", record.overall_status, trial.overall_status)
    check("phase", record.phase, trial.phase)
    check("study_type", record.study_type, trial.study_type)
    check("minimum_age_years", record.minimum_age_years, trial.minimum_age_years)
    check("maximum_age_years", record.maximum_age_years, trial.maximum_age_years)
    check("has_results", record.has_results, trial.has_results)
    return found


def test_realdata_has_the_documented_record_counts(expected) -> None:
    # SOURCES.md: 635 + 100 + 6,786 + 64 XML + 13 v2 JSON + 206 v1 records
    assert sum(len(records) for records in expected.values()) == 635 + 100 + 6786 + 64 + 13 + 206


def test_no_valid_record_is_rejected(parsed, expected) -> None:
    rejected = {name: doc.message for name, doc in parsed.items() if doc.parse_status == ParseStatus.REJECTED}
    assert rejected == {}
    for name, records in expected.items():
        assert [t.nct_id for t in parsed[name].trials] == [r.nct_id for r in records], name
        assert parsed[name].source_family == (
            "ctgov_xml" if name.endswith((".xml", "XML_subset.zip")) else "ctgov_json"
        )


def test_every_record_agrees_with_its_source(parsed, expected) -> None:
    problems: list[str] = []
    checked = 0
    for name, records in expected.items():
        trials = parsed[name].trials
        for record, trial in zip(records, trials, strict=False):
            assert record.nct_id == trial.nct_id, name
            problems.extend(disagreements(record, trial))
            checked += 1
    assert checked == sum(len(records) for records in expected.values())
    assert problems == [], f"{len(problems)} disagreements, first: " + "\n".join(problems[:30])


def test_only_doubtful_fields_raise_warnings(parsed) -> None:
    """The real records use only known wording: the warnings left are the documented ones."""
    fields = {issue.field for doc in parsed.values() for trial in doc.trials for issue in trial.issues}
    # criteria: prose eligibility without Inclusion/Exclusion headings;
    # nct_id: the two files the source documents as holding another trial's record
    assert fields <= {"criteria", "nct_id"}
    mismatched = sorted(
        (name, trial.nct_id)
        for name, doc in parsed.items()
        for trial in doc.trials
        if any(issue.field == "nct_id" for issue in trial.issues)
    )
    assert mismatched == [
        ("aact-fixtures/json_data/NCT02278341.json", "NCT02552212"),
        ("aact-fixtures/xml_data/NCT00980226.xml", "NCT00081588"),
    ]
