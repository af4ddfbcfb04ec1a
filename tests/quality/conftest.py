"""A small but realistic warehouse for the quality tests.

The staging tables are written by the real loader (trialmart.load) from typed records;
the marts are built from them with plain SQL following MARTS.md plus the project's
extension columns (a stand-in for the dbt project, which is written concurrently).
The clean database is built once per session; each test corrupts its own copy.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pytest

from trialmart import load
from trialmart.records import (
    Arm,
    Criterion,
    Identifier,
    Intervention,
    Location,
    Outcome,
    ParsedDocument,
    ParseIssue,
    ParseStatus,
    RelatedTrial,
    Sponsor,
    Trial,
)

FAMILIES = ("ctgov_json", "ctgov_xml", "ctgov_mirror", "bulleted_registry", "veeva", "aggregator")
STATUSES = ("RECRUITING", "COMPLETED", "ACTIVE_NOT_RECRUITING", "NOT_YET_RECRUITING", "TERMINATED")
TRIALS_PER_FAMILY = 5
TODAY = date(2026, 11, 22)


def _trial(number: int, family: str) -> Trial:
    nct_id = f"NCT{5000000 + number:08d}"
    interventional = number % 3 != 0
    status = STATUSES[number % len(STATUSES)]
    arms = (
        (
            Arm("Rituximab", "EXPERIMENTAL", "Two infusions", ("Rituximab",)),
            Arm("Placebo", "PLACEBO_COMPARATOR", None, ("Saline",)),
        )
        if interventional
        else (Arm("Pemphigus cohort"),)
    )
    interventions = (Intervention("Rituximab", "DRUG"), Intervention("Saline", "OTHER")) if interventional else ()
    issues = (ParseIssue("masking", "unlabelled design value"),) if number % 7 == 0 else ()
    return Trial(
        nct_id=nct_id,
        brief_title=f"A Study of Rituximab in Autoimmune Disease {number}",
        official_title=f"A Randomized Study of Rituximab in Autoimmune Disease {number}"
        if family.startswith("ctgov")
        else None,
        overall_status=None if family == "aggregator" else status,
        overall_status_raw="Not Recruiting" if family == "aggregator" else status.replace("_", " ").title(),
        phase=("PHASE2" if number % 2 else "PHASE1/PHASE2") if interventional else None,
        study_type="INTERVENTIONAL" if interventional else "OBSERVATIONAL",
        enrollment=20 + number * 3,
        enrollment_type="ESTIMATED" if status in ("RECRUITING", "NOT_YET_RECRUITING") else "ACTUAL",
        start_date=date(2018 + number % 6, 1 + number % 12, 1),
        start_date_precision="MONTH" if number % 2 else "DAY",
        primary_completion_date=date(2025 + number % 3, 6, 30),
        primary_completion_date_precision="DAY",
        completion_date=date(2026 + number % 3, 12, 31),
        completion_date_precision="DAY",
        last_update_date=date(2025, 4, 29),
        allocation="RANDOMIZED" if interventional else None,
        intervention_model="PARALLEL" if interventional else None,
        primary_purpose="TREATMENT" if interventional else None,
        masking="NONE" if interventional else None,
        observational_model=None if interventional else "COHORT",
        time_perspective=None if interventional else "RETROSPECTIVE",
        sex="ALL",
        minimum_age_years=18.0,
        maximum_age_years=65.0 + number % 10 if number % 4 else None,
        minimum_age_raw="18 Years",
        maximum_age_raw=f"{65 + number % 10} Years" if number % 4 else None,
        healthy_volunteers=False,
        brief_summary="The study compares two treatment strategies.\n\nPatients are followed for 18 months.",
        detailed_description=None,
        has_results=False if family.startswith("ctgov") else None,
        arms=arms,
        interventions=interventions,
        outcomes=(
            Outcome("PRIMARY", "Remission rate", "18 months"),
            Outcome("SECONDARY", "Adverse events", "18 months"),
            *((Outcome("OTHER", "Quality of life", "12 months"),) if number % 2 else ()),
        ),
        conditions=("Pemphigus", "Autoimmune Diseases") if number % 2 else ("Pemphigus",),
        criteria=(
            Criterion("INCLUSION", "Aged 18 to 65 years"),
            Criterion("INCLUSION", "Active disease"),
            Criterion("EXCLUSION", "Pregnancy"),
        ),
        sponsors=(
            Sponsor("Peking Union Medical College Hospital", "LEAD", "OTHER"),
            Sponsor("Zhejiang University", "COLLABORATOR", "OTHER"),
        ),
        locations=(Location("Peking Union Medical College Hospital", "Beijing", None, "China"),) if number % 5 else (),
        identifiers=(Identifier(f"PUMCH-{number}", "ORG_STUDY_ID"),),
        related_trials=(RelatedTrial("NCT03334058", "A Study to Evaluate ARGX-113 in Pemphigus"),)
        if family == "ctgov_mirror"
        else (),
        issues=issues,
    )


def _document(
    source_file: str,
    family: str | None,
    trials: tuple[Trial, ...],
    status: ParseStatus | None = None,
    message: str | None = None,
) -> ParsedDocument:
    issues = [issue for trial in trials for issue in trial.issues]
    if status is None:
        status = ParseStatus.PARTIAL if issues else ParseStatus.PARSED
        message = "; ".join(f"{i.field}: {i.message}" for i in issues) or None
    digest = hashlib.sha256(source_file.encode()).hexdigest()
    return ParsedDocument(source_file, digest, 1000 + len(source_file), family, status, message, trials)


def sample_documents() -> list[ParsedDocument]:
    documents: list[ParsedDocument] = []
    number = 0
    for family in FAMILIES:
        trials = []
        for _ in range(TRIALS_PER_FAMILY):
            number += 1
            trials.append(_trial(number, family))
        if family == "ctgov_json":  # one API page holding several studies
            documents.append(_document("ctgov/studies_page_1.json", family, tuple(trials)))
        else:
            documents.extend(_document(f"{family}/{t.nct_id}.txt", family, (t,)) for t in trials)
    documents.append(
        _document("misc/unknown_layout.html", None, (), ParseStatus.REJECTED, "no parser recognised this layout")
    )
    return documents


MARTS_SQL = """
create schema if not exists marts;

create table marts.trials as
with sponsors as (
    select source_file, record_index, any_value(name) as lead_sponsor from raw.sponsors where role = 'LEAD' group by all
),
child_rows as (
    select source_file, record_index, 'arms' as child from raw.arms
    union all select source_file, record_index, 'interventions' from raw.interventions
    union all select source_file, record_index, lower(outcome_type) || '_outcomes' from raw.outcomes
    union all select source_file, record_index, 'conditions' from raw.conditions
    union all select source_file, record_index, 'locations' from raw.locations
    union all select source_file, record_index, lower(criterion_type) || '_criteria' from raw.criteria
),
counts as (
    select
        t.source_file, t.record_index,
        count(c.child) filter (where c.child = 'arms') as n_arms,
        count(c.child) filter (where c.child = 'interventions') as n_interventions,
        count(c.child) filter (where c.child = 'primary_outcomes') as n_primary_outcomes,
        count(c.child) filter (where c.child = 'secondary_outcomes') as n_secondary_outcomes,
        count(c.child) filter (where c.child = 'other_outcomes') as n_other_outcomes,
        count(c.child) filter (where c.child = 'conditions') as n_conditions,
        count(c.child) filter (where c.child = 'locations') as n_locations,
        count(c.child) filter (where c.child = 'inclusion_criteria') as n_inclusion_criteria,
        count(c.child) filter (where c.child = 'exclusion_criteria') as n_exclusion_criteria
    from raw.trials t
    left join child_rows c using (source_file, record_index)
    group by all
)
select
    t.nct_id, t.brief_title, t.official_title, t.acronym, t.overall_status, t.overall_status_raw, t.phase,
    t.study_type, t.enrollment::integer as enrollment, t.enrollment_type, t.start_date, t.primary_completion_date,
    t.completion_date, t.last_update_date, t.allocation, t.intervention_model, t.primary_purpose, t.masking,
    t.observational_model, t.time_perspective, t.sex, t.minimum_age_years, t.maximum_age_years,
    t.healthy_volunteers, t.brief_summary, t.detailed_description, s.lead_sponsor, t.has_results,
    t.source_family, t.source_file,
    c.n_arms::integer as n_arms, c.n_interventions::integer as n_interventions,
    c.n_primary_outcomes::integer as n_primary_outcomes, c.n_secondary_outcomes::integer as n_secondary_outcomes,
    c.n_conditions::integer as n_conditions, c.n_locations::integer as n_locations,
    c.n_inclusion_criteria::integer as n_inclusion_criteria, c.n_exclusion_criteria::integer as n_exclusion_criteria,
    t.start_date_precision, t.primary_completion_date_precision, t.completion_date_precision,
    t.minimum_age_raw, t.maximum_age_raw, c.n_other_outcomes::integer as n_other_outcomes,
    1 as n_source_documents
from raw.trials t
left join sponsors s using (source_file, record_index)
join counts c using (source_file, record_index);

create table marts.arms as
select t.nct_id || '-arm-' || a.arm_ordinal as arm_id, t.nct_id, a.arm_ordinal::integer as arm_ordinal,
       a.label, a.arm_type, a.description
from raw.arms a join raw.trials t using (source_file, record_index);

create table marts.interventions as
select t.nct_id || '-int-' || i.intervention_ordinal as intervention_id, t.nct_id,
       i.intervention_ordinal::integer as intervention_ordinal,
       i.intervention_type, i.name, i.description
from raw.interventions i join raw.trials t using (source_file, record_index);

create table marts.arm_interventions as
select t.nct_id || '-arm-' || ai.arm_ordinal as arm_id, i.intervention_id
from raw.arm_interventions ai
join raw.trials t using (source_file, record_index)
join marts.interventions i on i.nct_id = t.nct_id and i.name = ai.intervention_name;

create table marts.outcomes as
select t.nct_id || '-out-' || o.outcome_ordinal as outcome_id, t.nct_id, o.outcome_type,
       o.outcome_ordinal::integer as outcome_ordinal,
       o.measure, o.time_frame, o.description
from raw.outcomes o join raw.trials t using (source_file, record_index);

create table marts.conditions as
select t.nct_id, c.condition from raw.conditions c join raw.trials t using (source_file, record_index);

create table marts.eligibility_criteria as
select t.nct_id, c.criterion_type, c.criterion_ordinal::integer as criterion_ordinal, c.text as criterion_text
from raw.criteria c join raw.trials t using (source_file, record_index);

create table marts.sponsors as
select t.nct_id, s.name as sponsor_name, s.role as sponsor_role, s.agency_class
from raw.sponsors s join raw.trials t using (source_file, record_index);

create table marts.locations as
select t.nct_id, l.facility, l.city, l.state, l.country
from raw.locations l join raw.trials t using (source_file, record_index);

create table marts.identifiers as
select t.nct_id, i.identifier, i.identifier_type
from raw.identifiers i join raw.trials t using (source_file, record_index);

create table marts.related_trials as
select t.nct_id, r.related_nct_id, r.related_title
from raw.related_trials r join raw.trials t using (source_file, record_index);

create table marts.contacts as
select t.nct_id, c.name, c.role, c.detail from raw.contacts c join raw.trials t using (source_file, record_index);

create table marts.source_documents as
select content_sha256 as document_id, source_file, source_family, first_nct_id as nct_id, parse_status,
       message,
       bytes, parsed_at as loaded_at, content_sha256, n_trials, true as is_selected_source
from raw.documents;

create table marts.parse_issues as
select t.nct_id, p.source_file, p.field, p.message, p.severity
from raw.parse_issues p join raw.trials t using (source_file, record_index);

create table marts.trial_source_conflicts (
    nct_id varchar, column_name varchar, selected_value varchar, other_value varchar, other_source_file varchar
);
"""


def build_warehouse(path: Path) -> list[str]:
    """Write the clean sample warehouse; returns the raw files it accounts for."""
    documents = sample_documents()
    with duckdb.connect(str(path)) as con:
        load.create_staging_tables(con)
        load.append_documents(con, documents)
        con.execute(MARTS_SQL)
    return [d.source_file for d in documents]


@pytest.fixture(scope="session")
def clean_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("warehouse") / "clean.duckdb"
    return path, build_warehouse(path)


@pytest.fixture
def warehouse_copy(clean_warehouse: tuple[Path, list[str]], tmp_path: Path) -> Callable[..., duckdb.DuckDBPyConnection]:
    """A fresh read-write copy of the clean warehouse; corrupt it with SQL."""
    source, _ = clean_warehouse
    connections: list[duckdb.DuckDBPyConnection] = []

    def open_copy(*corruptions: str) -> duckdb.DuckDBPyConnection:
        target = tmp_path / f"copy_{len(connections)}.duckdb"
        shutil.copyfile(source, target)
        con = duckdb.connect(str(target))
        for statement in corruptions:
            con.execute(statement)
        connections.append(con)
        return con

    yield open_copy
    for con in connections:
        con.close()


@pytest.fixture
def expected_files(clean_warehouse: tuple[Path, list[str]]) -> list[str]:
    return list(clean_warehouse[1])
