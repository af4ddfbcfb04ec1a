"""Typed records that every source parser returns.

Parsers never return loose dicts: a document becomes zero or more `Trial` records,
each carrying its child rows. Field names follow the public warehouse contract
(`shared/MARTS.md`); codes are the ClinicalTrials.gov API v2 upper-case codes.
A value the source does not state is ``None`` (or an empty tuple), never a guess.

The loader derives the DuckDB staging tables from these dataclasses (see
`trialmart.load`), so adding a field here adds a staging column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class ParseStatus(StrEnum):
    PARSED = "PARSED"
    PARTIAL = "PARTIAL"  # loaded, but the parser recorded warnings
    REJECTED = "REJECTED"  # not loaded into the trial marts; `message` says why


class Severity(StrEnum):
    WARNING = "WARNING"
    ERROR = "ERROR"


class DatePrecision(StrEnum):
    DAY = "DAY"
    MONTH = "MONTH"  # stored as the first day of the month
    YEAR = "YEAR"  # stored as January 1st


@dataclass(frozen=True, slots=True)
class ParseIssue:
    """A doubtful or unreadable field, recorded next to the data instead of a silent None."""

    field: str
    message: str
    severity: Severity = Severity.WARNING


@dataclass(frozen=True, slots=True)
class Arm:
    label: str
    arm_type: str | None = None
    description: str | None = None
    # names of the interventions this arm receives, as the source spells them;
    # dbt links them to `Trial.interventions` by name
    intervention_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Intervention:
    name: str
    intervention_type: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    outcome_type: str  # PRIMARY, SECONDARY, OTHER
    measure: str
    time_frame: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Criterion:
    criterion_type: str  # INCLUSION, EXCLUSION
    text: str


@dataclass(frozen=True, slots=True)
class Sponsor:
    name: str
    role: str  # LEAD, COLLABORATOR
    agency_class: str | None = None


@dataclass(frozen=True, slots=True)
class Location:
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Identifier:
    identifier: str
    identifier_type: str | None = None  # ORG_STUDY_ID, SECONDARY_ID, or the registry's type


@dataclass(frozen=True, slots=True)
class RelatedTrial:
    related_nct_id: str
    related_title: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    role: str | None = None  # CENTRAL_CONTACT, RESPONSIBLE_PARTY, PRINCIPAL_INVESTIGATOR, ...
    detail: str | None = None  # affiliation, title, phone or e-mail as the source gives it


@dataclass(frozen=True, slots=True)
class Trial:
    nct_id: str
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    overall_status: str | None = None
    overall_status_raw: str | None = None
    phase: str | None = None
    study_type: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None
    start_date: date | None = None
    start_date_precision: str | None = None
    primary_completion_date: date | None = None
    primary_completion_date_precision: str | None = None
    completion_date: date | None = None
    completion_date_precision: str | None = None
    last_update_date: date | None = None
    allocation: str | None = None
    intervention_model: str | None = None
    primary_purpose: str | None = None
    masking: str | None = None
    observational_model: str | None = None
    time_perspective: str | None = None
    sex: str | None = None
    minimum_age_years: float | None = None
    maximum_age_years: float | None = None
    minimum_age_raw: str | None = None
    maximum_age_raw: str | None = None
    healthy_volunteers: bool | None = None
    brief_summary: str | None = None
    detailed_description: str | None = None
    has_results: bool | None = None
    arms: tuple[Arm, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    conditions: tuple[str, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    # the lead sponsor is the sponsor with role LEAD; marts.trials.lead_sponsor derives from it
    sponsors: tuple[Sponsor, ...] = ()
    locations: tuple[Location, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    related_trials: tuple[RelatedTrial, ...] = ()
    contacts: tuple[Contact, ...] = ()
    issues: tuple[ParseIssue, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """What happened to one raw file: its identity, its outcome and the trials it held."""

    source_file: str  # path relative to the raw folder, POSIX separators
    content_sha256: str
    bytes: int
    source_family: str | None
    parse_status: ParseStatus
    message: str | None = None
    trials: tuple[Trial, ...] = ()
