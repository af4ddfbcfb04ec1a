"""Compare a built warehouse with the official records it was loaded from, field by field.

An independent check of the whole pipeline (parsers, staging, dbt) on real
ClinicalTrials.gov data: the source JSON/XML is read here with the standard library and
this script's own wording -> code tables; `trialmart.sources` and `trialmart.normalize`
are deliberately not imported. Every compared value either agrees or is listed.

    python benchmarks/compare_realdata.py --warehouse data/warehouse.duckdb \\
        --realdata ../shared/realdata [--threshold 99.5] [--show 50]

Records are matched on nct_id (marts.trials has one row per trial). When the real data
holds the same trial more than once (different downloads), a warehouse value agrees if
it equals the value of any of those copies. A record missing from the warehouse counts
as a disagreement on every field. Exit status 1 when the agreement rate is below the
threshold, 2 when the warehouse cannot be read.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ElementTree
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

# --- the registry's wording, written out independently ------------------------------------------

YEARS_PER_UNIT = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 1 / 52.1775,
    "day": 1 / 365.25,
    "hour": 1 / (365.25 * 24),
    "minute": 1 / (365.25 * 24 * 60),
}
AGE = re.compile(r"^(\d+(?:\.\d+)?) (year|month|week|day|hour|minute)s?$", re.IGNORECASE)
MONTHS = {
    name: number
    for number, name in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
WORD_DATE = re.compile(r"^([A-Za-z]+)(?: (\d{1,2}),)? (\d{4})$")  # "July 2020", "June 15, 2010"

# Display wording (legacy XML, classic API v1) -> API v2 codes, where upper-casing is not enough.
SPECIAL_CODES = {
    "overall_status": {"Unknown status": "UNKNOWN"},
    "phase": {"N/A": "NA", "Not Applicable": "NA", "Early Phase 1": "EARLY_PHASE1"},
    "study_type": {"Observational [Patient Registry]": "OBSERVATIONAL", "N/A": None},
    "enrollment_type": {"Anticipated": "ESTIMATED", "Estimate": "ESTIMATED"},
    "allocation": {"N/A": "NA"},
    "primary_purpose": {"Educational/Counseling/Training": "ECT"},
    "sex": {"Both": "ALL"},
    "agency_class": {"U.S. Fed": "FED", "INDIV": "OTHER", "AMBIG": "UNKNOWN"},
}
VOLUNTEERS = {"yes": True, "accepts healthy volunteers": True, "no": False, "true": True, "false": False}


def code(field: str, raw: Any) -> Any:
    """The API v2 code for a value as the source wrote it ("Active, not recruiting")."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    raw = raw.strip()
    special = SPECIAL_CODES.get(field, {})
    if raw in special:
        return special[raw]
    if field == "intervention_model":
        raw = raw.removesuffix(" Assignment")
    if field == "masking":
        raw = raw.split(" (")[0]  # "Double (Participant, Investigator)"
    if field == "phase":
        raw = raw.replace("Phase ", "PHASE")
    return re.sub(r"[^A-Z0-9/]+", "_", raw.upper()).strip("_")


def phase_code(phases: list[str]) -> str | None:
    return "/".join(code("phase", phase) for phase in phases) if phases else None


def age_years(raw: str | None) -> float | None:
    match = AGE.match(raw.strip()) if raw else None
    return float(match.group(1)) * YEARS_PER_UNIT[match.group(2).lower()] if match else None


def first_day(raw: str | None) -> date | None:
    """The date, or the first day of the month/year a partial date names."""
    if not raw:
        return None
    raw = raw.strip()
    if match := ISO_DATE.match(raw):
        year, month, day = match.groups()
        return date(int(year), int(month or 1), int(day or 1))
    if (match := WORD_DATE.match(raw)) and match.group(1).lower() in MONTHS:
        return date(int(match.group(3)), MONTHS[match.group(1).lower()], int(match.group(2) or 1))
    return None


def volunteers(raw: Any) -> bool | None:
    if isinstance(raw, bool) or raw is None:
        return raw
    return VOLUNTEERS.get(str(raw).strip().lower())


def one_line(raw: str | None) -> str | None:
    return " ".join(raw.split()) or None if isinstance(raw, str) else None


def distinct_count(values: list[Any]) -> int:
    return len({text for value in values if (text := one_line(value))})


# --- reading the sources --------------------------------------------------------------------------


def dig(obj: Any, *keys: str) -> Any:
    for key in keys:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def from_v2(study: dict[str, Any]) -> dict[str, Any]:
    protocol = study.get("protocolSection") or {}
    status = protocol.get("statusModule") or {}
    design = protocol.get("designModule") or {}
    info = design.get("designInfo") or {}
    eligibility = protocol.get("eligibilityModule") or {}
    arms = protocol.get("armsInterventionsModule") or {}
    outcomes = protocol.get("outcomesModule") or {}
    lead = dig(protocol, "sponsorCollaboratorsModule", "leadSponsor") or {}
    return {
        "nct_id": dig(protocol, "identificationModule", "nctId"),
        "brief_title": one_line(dig(protocol, "identificationModule", "briefTitle")),
        "overall_status": code("overall_status", status.get("overallStatus")),
        "phase": phase_code(design.get("phases") or []),
        "study_type": code("study_type", design.get("studyType")),
        "enrollment": dig(design, "enrollmentInfo", "count"),
        "enrollment_type": code("enrollment_type", dig(design, "enrollmentInfo", "type")),
        "start_date": first_day(dig(status, "startDateStruct", "date")),
        "primary_completion_date": first_day(dig(status, "primaryCompletionDateStruct", "date")),
        "completion_date": first_day(dig(status, "completionDateStruct", "date")),
        "last_update_date": first_day(dig(status, "lastUpdatePostDateStruct", "date")),
        "allocation": code("allocation", info.get("allocation")),
        "intervention_model": code("intervention_model", info.get("interventionModel")),
        "primary_purpose": code("primary_purpose", info.get("primaryPurpose")),
        "masking": code("masking", dig(info, "maskingInfo", "masking")),
        "observational_model": code("observational_model", info.get("observationalModel")),
        "time_perspective": code("time_perspective", info.get("timePerspective")),
        "sex": code("sex", eligibility.get("sex")),
        "minimum_age_years": age_years(eligibility.get("minimumAge")),
        "maximum_age_years": age_years(eligibility.get("maximumAge")),
        "healthy_volunteers": volunteers(eligibility.get("healthyVolunteers")),
        "has_results": study.get("hasResults"),
        "lead_sponsor": one_line(lead.get("name")),
        "n_arms": len(arms.get("armGroups") or []),
        "n_interventions": len(arms.get("interventions") or []),
        "n_primary_outcomes": len(outcomes.get("primaryOutcomes") or []),
        "n_secondary_outcomes": len(outcomes.get("secondaryOutcomes") or []),
        "n_conditions": distinct_count(dig(protocol, "conditionsModule", "conditions") or []),
        "n_locations": len(dig(protocol, "contactsLocationsModule", "locations") or []),
        "has_criteria": bool((eligibility.get("eligibilityCriteria") or "").strip()),
    }


def v1_list(obj: Any, list_key: str, item_key: str) -> list[Any]:
    return dig(obj, list_key, item_key) or []


def from_v1(study: dict[str, Any]) -> dict[str, Any]:
    protocol = study.get("ProtocolSection") or {}
    status = protocol.get("StatusModule") or {}
    design = protocol.get("DesignModule") or {}
    info = design.get("DesignInfo") or {}
    eligibility = protocol.get("EligibilityModule") or {}
    arms = protocol.get("ArmsInterventionsModule") or {}
    outcomes = protocol.get("OutcomesModule") or {}
    count = dig(design, "EnrollmentInfo", "EnrollmentCount")
    observational = v1_list(info, "DesignObservationalModelList", "DesignObservationalModel")
    perspective = v1_list(info, "DesignTimePerspectiveList", "DesignTimePerspective")
    return {
        "nct_id": dig(protocol, "IdentificationModule", "NCTId"),
        "brief_title": one_line(dig(protocol, "IdentificationModule", "BriefTitle")),
        "overall_status": code("overall_status", status.get("OverallStatus")),
        "phase": phase_code(v1_list(design, "PhaseList", "Phase")),
        "study_type": code("study_type", design.get("StudyType")),
        "enrollment": int(count) if count else None,
        "enrollment_type": code("enrollment_type", dig(design, "EnrollmentInfo", "EnrollmentType")),
        "start_date": first_day(dig(status, "StartDateStruct", "StartDate")),
        "primary_completion_date": first_day(dig(status, "PrimaryCompletionDateStruct", "PrimaryCompletionDate")),
        "completion_date": first_day(dig(status, "CompletionDateStruct", "CompletionDate")),
        "last_update_date": first_day(dig(status, "LastUpdatePostDateStruct", "LastUpdatePostDate")),
        "allocation": code("allocation", info.get("DesignAllocation")),
        "intervention_model": code("intervention_model", info.get("DesignInterventionModel")),
        "primary_purpose": code("primary_purpose", info.get("DesignPrimaryPurpose")),
        "masking": code("masking", dig(info, "DesignMaskingInfo", "DesignMasking")),
        "observational_model": code("observational_model", observational[0]) if len(observational) == 1 else None,
        "time_perspective": code("time_perspective", perspective[0]) if len(perspective) == 1 else None,
        "sex": code("sex", eligibility.get("Gender")),
        "minimum_age_years": age_years(eligibility.get("MinimumAge")),
        "maximum_age_years": age_years(eligibility.get("MaximumAge")),
        "healthy_volunteers": volunteers(eligibility.get("HealthyVolunteers")),
        "has_results": "ResultsSection" in study,
        "lead_sponsor": one_line(dig(protocol, "SponsorCollaboratorsModule", "LeadSponsor", "LeadSponsorName")),
        "n_arms": len(v1_list(arms, "ArmGroupList", "ArmGroup")),
        "n_interventions": len(v1_list(arms, "InterventionList", "Intervention")),
        "n_primary_outcomes": len(v1_list(outcomes, "PrimaryOutcomeList", "PrimaryOutcome")),
        "n_secondary_outcomes": len(v1_list(outcomes, "SecondaryOutcomeList", "SecondaryOutcome")),
        "n_conditions": distinct_count(v1_list(protocol.get("ConditionsModule"), "ConditionList", "Condition")),
        "n_locations": len(v1_list(protocol.get("ContactsLocationsModule"), "LocationList", "Location")),
        "has_criteria": bool((eligibility.get("EligibilityCriteria") or "").strip()),
    }


def from_xml(data: bytes) -> dict[str, Any]:
    root = ElementTree.fromstring(data)
    enrollment = root.find("enrollment")
    phase = root.findtext("phase")
    return {
        "nct_id": root.findtext("id_info/nct_id"),
        "brief_title": one_line(root.findtext("brief_title")),
        "overall_status": code("overall_status", root.findtext("overall_status")),
        "phase": phase_code(re.split(r"/(?=Phase)", phase)) if phase else None,
        "study_type": code("study_type", root.findtext("study_type")),
        "enrollment": int(enrollment.text) if enrollment is not None and enrollment.text else None,
        "enrollment_type": code("enrollment_type", enrollment.get("type")) if enrollment is not None else None,
        "start_date": first_day(root.findtext("start_date")),
        "primary_completion_date": first_day(root.findtext("primary_completion_date")),
        "completion_date": first_day(root.findtext("completion_date")),
        "last_update_date": first_day(root.findtext("last_update_posted") or root.findtext("lastchanged_date")),
        "allocation": code("allocation", root.findtext("study_design_info/allocation")),
        "intervention_model": code("intervention_model", root.findtext("study_design_info/intervention_model")),
        "primary_purpose": code("primary_purpose", root.findtext("study_design_info/primary_purpose")),
        "masking": code("masking", root.findtext("study_design_info/masking")),
        "observational_model": code("observational_model", root.findtext("study_design_info/observational_model")),
        "time_perspective": code("time_perspective", root.findtext("study_design_info/time_perspective")),
        "sex": code("sex", root.findtext("eligibility/gender")),
        "minimum_age_years": age_years(root.findtext("eligibility/minimum_age")),
        "maximum_age_years": age_years(root.findtext("eligibility/maximum_age")),
        "healthy_volunteers": volunteers(root.findtext("eligibility/healthy_volunteers")),
        "has_results": root.find("clinical_results") is not None,
        "lead_sponsor": one_line(root.findtext("sponsors/lead_sponsor/agency")),
        "n_arms": len(root.findall("arm_group")),
        "n_interventions": len(root.findall("intervention")),
        "n_primary_outcomes": len(root.findall("primary_outcome")),
        "n_secondary_outcomes": len(root.findall("secondary_outcome")),
        "n_conditions": distinct_count([node.text for node in root.findall("condition")]),
        "n_locations": len(root.findall("location")),
        "has_criteria": bool((root.findtext("eligibility/criteria/textblock") or "").strip()),
    }


def from_json(payload: Any) -> Iterator[dict[str, Any]]:
    if isinstance(payload, list):
        for study in payload:
            yield from_v2(study)
    elif isinstance(payload, dict) and "FullStudiesResponse" in payload:
        for entry in payload["FullStudiesResponse"].get("FullStudies") or []:
            yield from_v1(entry.get("Study") or {})
    elif isinstance(payload, dict) and isinstance(payload.get("studies"), list):
        for study in payload["studies"]:
            yield from_v2(study)
    elif isinstance(payload, dict):
        yield from_v2(payload)


def source_records(realdata: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(source file relative to the realdata folder, record) for every official record."""
    for path in sorted(realdata.rglob("*")):
        suffix = path.suffix.lower()
        if not path.is_file() or suffix not in (".json", ".xml", ".zip"):
            continue
        name = path.relative_to(realdata).as_posix()
        if suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    member = info.filename.lower()
                    if member.endswith(".json"):
                        for record in from_json(json.loads(archive.read(info))):
                            yield name, record
                    elif member.endswith(".xml"):
                        yield name, from_xml(archive.read(info))
        elif suffix == ".json":
            for record in from_json(json.loads(path.read_bytes())):
                yield name, record
        else:
            yield name, from_xml(path.read_bytes())


# --- comparing ------------------------------------------------------------------------------------

FIELDS = (
    "brief_title",
    "overall_status",
    "phase",
    "study_type",
    "enrollment",
    "enrollment_type",
    "start_date",
    "primary_completion_date",
    "completion_date",
    "last_update_date",
    "allocation",
    "intervention_model",
    "primary_purpose",
    "masking",
    "observational_model",
    "time_perspective",
    "sex",
    "minimum_age_years",
    "maximum_age_years",
    "healthy_volunteers",
    "has_results",
    "lead_sponsor",
    "n_arms",
    "n_interventions",
    "n_primary_outcomes",
    "n_secondary_outcomes",
    "n_conditions",
    "n_locations",
    "has_criteria",
)


def same(want: Any, got: Any) -> bool:
    if isinstance(want, float) or isinstance(got, float):
        if want is None or got is None:
            return want is None and got is None
        return abs(float(want) - float(got)) < 1e-4
    if isinstance(got, str) and isinstance(want, str):
        return one_line(got) == want
    return want == got


def warehouse_rows(warehouse: Path) -> dict[str, dict[str, Any]]:
    import duckdb  # imported here so --help works without it

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        columns = {row[0] for row in connection.execute("describe marts.trials").fetchall()}
        wanted = [field for field in FIELDS if field in columns and field != "has_criteria"]
        missing = [field for field in FIELDS if field not in columns and field != "has_criteria"]
        if missing:
            print(f"warning: marts.trials lacks {', '.join(missing)}; those fields are not compared")
        has_criteria = (
            "(coalesce(n_inclusion_criteria, 0) + coalesce(n_exclusion_criteria, 0)) > 0"
            if {"n_inclusion_criteria", "n_exclusion_criteria"} <= columns
            else "null"
        )
        query = f"select nct_id, {', '.join(wanted)}, {has_criteria} as has_criteria from marts.trials"
        cursor = connection.execute(query)
        names = [description[0] for description in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    repository = Path(__file__).resolve().parents[1]
    parser.add_argument("--warehouse", type=Path, default=repository / "data" / "warehouse.duckdb")
    parser.add_argument("--realdata", type=Path, default=(repository / ".." / "shared" / "realdata").resolve())
    parser.add_argument("--threshold", type=float, default=99.5, help="minimum agreement, percent")
    parser.add_argument("--show", type=int, default=50, help="disagreements to list (0: all)")
    arguments = parser.parse_args(argv)

    try:
        rows = warehouse_rows(arguments.warehouse)
    except Exception as error:
        print(f"cannot read {arguments.warehouse}: {type(error).__name__}: {error}", file=sys.stderr)
        return 2

    copies: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for source_file, record in source_records(arguments.realdata):
        if record.get("nct_id"):
            copies[record["nct_id"]].append((source_file, record))

    compared = agreed = 0
    per_field: Counter[str] = Counter()
    per_field_agreed: Counter[str] = Counter()
    disagreements: list[str] = []
    missing_trials = []
    fields = [field for field in FIELDS if not rows or field in next(iter(rows.values()))]
    for nct_id, records in sorted(copies.items()):
        row = rows.get(nct_id)
        if row is None:
            missing_trials.append(nct_id)
        for field in fields:
            compared += 1
            per_field[field] += 1
            if row is not None and any(same(record[field], row[field]) for _, record in records):
                agreed += 1
                per_field_agreed[field] += 1
            elif row is not None:
                source_file, record = records[0]
                disagreements.append(
                    f"{nct_id} {field}: source {record[field]!r} ({source_file}), warehouse {row[field]!r}"
                )

    rate = 100.0 * agreed / compared if compared else 0.0
    print(f"trials in the real data: {len(copies)} ({sum(len(r) for r in copies.values())} records)")
    print(f"trials missing from the warehouse: {len(missing_trials)}")
    if missing_trials:
        print("  " + ", ".join(missing_trials[:20]) + (" ..." if len(missing_trials) > 20 else ""))
    print(f"field comparisons: {compared}, agreeing: {agreed}, agreement: {rate:.3f}%")
    print("per field:")
    for field in fields:
        field_rate = 100.0 * per_field_agreed[field] / per_field[field] if per_field[field] else 0.0
        print(f"  {field:<26} {field_rate:8.3f}%  ({per_field[field] - per_field_agreed[field]} disagree)")
    if disagreements:
        shown = disagreements if arguments.show == 0 else disagreements[: arguments.show]
        print(f"disagreements ({len(disagreements)}):")
        for line in shown:
            print(f"  {line}")
    passed = rate >= arguments.threshold
    print(f"{'PASS' if passed else 'FAIL'}: {rate:.3f}% {'>=' if passed else '<'} {arguments.threshold}%")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
