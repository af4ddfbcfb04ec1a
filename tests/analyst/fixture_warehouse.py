"""A small warehouse that follows the marts contract, for the analyst tests.

The rows are read off the five seed pages in /work/shared/seeds (000 .. 004) by hand
(criteria lists and long texts abbreviated to a few items; counts match the rows kept):
only what each page states, NULL otherwise. It stands in for the warehouse the real
pipeline publishes until the tests are pointed at that one (see conftest.py).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
from fixture_history import history_ddl, insert_history

# Contract tables (shared/MARTS.md) plus the project's documented extensions.
MARTS_DDL = """
create schema if not exists marts;

create table marts.trials (
    nct_id varchar primary key,
    brief_title varchar not null,
    official_title varchar,
    acronym varchar,
    overall_status varchar,
    overall_status_raw varchar,
    phase varchar,
    study_type varchar,
    enrollment integer,
    enrollment_type varchar,
    start_date date,
    start_date_precision varchar,
    primary_completion_date date,
    primary_completion_date_precision varchar,
    completion_date date,
    completion_date_precision varchar,
    last_update_date date,
    allocation varchar,
    intervention_model varchar,
    primary_purpose varchar,
    masking varchar,
    observational_model varchar,
    time_perspective varchar,
    sex varchar,
    minimum_age_years double,
    maximum_age_years double,
    minimum_age_raw varchar,
    maximum_age_raw varchar,
    healthy_volunteers boolean,
    brief_summary varchar,
    detailed_description varchar,
    lead_sponsor varchar,
    has_results boolean,
    source_family varchar,
    source_file varchar,
    n_arms integer,
    n_interventions integer,
    n_primary_outcomes integer,
    n_secondary_outcomes integer,
    n_other_outcomes integer,
    n_conditions integer,
    n_locations integer,
    n_inclusion_criteria integer,
    n_exclusion_criteria integer,
    n_source_documents integer
);

create table marts.arms (
    arm_id varchar primary key, nct_id varchar, arm_ordinal integer,
    label varchar not null, arm_type varchar, description varchar
);
create table marts.interventions (
    intervention_id varchar primary key, nct_id varchar, intervention_ordinal integer,
    intervention_type varchar, name varchar not null, description varchar
);
create table marts.arm_interventions (arm_id varchar, intervention_id varchar);
create table marts.outcomes (
    outcome_id varchar primary key, nct_id varchar, outcome_type varchar, outcome_ordinal integer,
    measure varchar not null, time_frame varchar, description varchar
);
create table marts.conditions (nct_id varchar, condition varchar);
create table marts.eligibility_criteria (
    nct_id varchar, criterion_type varchar, criterion_ordinal integer, criterion_text varchar
);
create table marts.sponsors (nct_id varchar, sponsor_name varchar, sponsor_role varchar, agency_class varchar);
create table marts.locations (nct_id varchar, facility varchar, city varchar, state varchar, country varchar);
create table marts.identifiers (nct_id varchar, identifier varchar, identifier_type varchar);
create table marts.related_trials (nct_id varchar, related_nct_id varchar, related_title varchar);
create table marts.contacts (nct_id varchar, name varchar, role varchar, detail varchar);

create table marts.source_documents (
    document_id varchar primary key,
    source_file varchar,
    source_family varchar,
    nct_id varchar,
    parse_status varchar,
    message varchar,
    bytes bigint,
    loaded_at timestamp,
    content_sha256 varchar,
    n_trials integer,
    is_selected_source boolean
);
create table marts.trial_source_conflicts (
    nct_id varchar, field_name varchar, selected_value varchar, selected_source_file varchar,
    other_value varchar, other_source_file varchar, other_source_family varchar
);
create table marts.parse_issues (
    source_file varchar, nct_id varchar, field varchar, severity varchar, message varchar
);
create table marts.dq_results (
    run_id varchar, run_at timestamp, checkpoint varchar, suite varchar, expectation varchar,
    table_name varchar, column_name varchar, severity varchar, success boolean,
    observed_value varchar, unexpected_count bigint, unexpected_examples varchar,
    expectation_kwargs varchar
);
"""
MARTS_DDL += history_ddl()  # marts.trial_history, marts.trial_changes: see fixture_history.py

SEED_FILES = {
    "NCT06949241": ("000_5c26534db39ab199.txt", "ctgov_mirror", 4752),
    "NCT05789017": ("001_f475fce0bf5c0d50.txt", "bulleted_registry", 4367),
    "NCT04127747": ("002_16bf8b040da96ccd.txt", "veeva", 3762),
    "NCT06663943": ("003_9d8b5c6217fb85cd.txt", "ctgov_mirror", 10728),
    "NCT04743739": ("004_e47fc4a004cc872c.txt", "aggregator", 3746),
}

# One dict per trial: the scalar columns a seed page states (everything else is NULL).
TRIALS: list[dict[str, Any]] = [
    {
        "nct_id": "NCT06949241",
        "brief_title": "A Single Cycle of Intravenous Immunoglobulin as Adjuvant to Rituximab in Patients "
        "With Pemphigus: A Retrospective Cohort Study at a Tertiary Referral Center",
        "overall_status": "ACTIVE_NOT_RECRUITING",
        "overall_status_raw": "ACTIVE_NOT_RECRUITING",
        "study_type": "OBSERVATIONAL",
        "enrollment": 76,
        "start_date": date(2019, 12, 1),
        "start_date_precision": "DAY",
        "completion_date": date(2026, 2, 2),
        "completion_date_precision": "DAY",
        "last_update_date": date(2025, 4, 29),
        "observational_model": "CASE_CONTROL",
        "time_perspective": "RETROSPECTIVE",
        "sex": "ALL",
        "minimum_age_years": 18.0,
        "maximum_age_years": 100.0,
        "minimum_age_raw": "18 Years",
        "maximum_age_raw": "100 Years",
        "healthy_volunteers": False,
        "lead_sponsor": "Ruijin Hospital",
        "has_results": False,
    },
    {
        "nct_id": "NCT05789017",
        "brief_title": "Treatment Strategies for IgG4-RD Patients With Internal Organ Involvement",
        "overall_status": "RECRUITING",
        "overall_status_raw": "RECRUITING",
        "study_type": "INTERVENTIONAL",
        "enrollment": 60,
        "intervention_model": "PARALLEL",
        "sex": "ALL",
        "lead_sponsor": "Peking Union Medical College Hospital",
    },
    {
        "nct_id": "NCT04127747",
        "brief_title": "Efficacy of Individualized Rituximab in Maintaining Remission of Moderate and "
        "Severe Systemic Lupus Erythematosus",
        "overall_status": "UNKNOWN",
        "overall_status_raw": "Unknown",
        "phase": "PHASE4",
        "study_type": "INTERVENTIONAL",
        "enrollment": 110,
        "enrollment_type": "ESTIMATED",
        "allocation": "RANDOMIZED",
        "intervention_model": "PARALLEL",
        "primary_purpose": "TREATMENT",
        "masking": "NONE",
        "sex": "ALL",
        "minimum_age_years": 18.0,
        "maximum_age_years": 65.0,
        "minimum_age_raw": "18",
        "maximum_age_raw": "65 years old",
        "healthy_volunteers": False,
        "lead_sponsor": "Zhejiang University",
    },
    {
        "nct_id": "NCT06663943",
        "brief_title": "A Randomized Study on Pemphigus Treatment With Humanized CD38 Antibody CM313.",
        "overall_status": "NOT_YET_RECRUITING",
        "overall_status_raw": "NOT_YET_RECRUITING",
        "phase": "PHASE1/PHASE2",
        "study_type": "INTERVENTIONAL",
        "enrollment": 100,
        "start_date": date(2025, 10, 1),
        "start_date_precision": "DAY",
        "completion_date": date(2026, 11, 1),
        "completion_date_precision": "DAY",
        "last_update_date": date(2024, 10, 29),
        "allocation": "RANDOMIZED",
        "intervention_model": "PARALLEL",
        "primary_purpose": "TREATMENT",
        "masking": "NONE",
        "sex": "ALL",
        "minimum_age_years": 18.0,
        "maximum_age_years": 80.0,
        "minimum_age_raw": "18 Years",
        "maximum_age_raw": "80 Years",
        "healthy_volunteers": False,
        "lead_sponsor": "Chao Ji",
        "has_results": False,
    },
    {
        "nct_id": "NCT04743739",
        "brief_title": "Rituximab Combined With Cyclosporine Versus Rituximab Alone in the Treatment of iMN",
        # "Not Recruiting" maps to more than one code, so the status stays NULL
        "overall_status_raw": "Not Recruiting",
        "phase": "PHASE3",
        "sex": "ALL",
        "minimum_age_years": 18.0,
        "maximum_age_years": 80.0,
        "minimum_age_raw": "18",
        "maximum_age_raw": "80 years",
        "lead_sponsor": "Peking Union Medical College Hospital",
    },
]

SUMMARY = {
    "NCT05789017": "This study has been designed as a 18-month, open-label randomized controlled clinical trial.",
    "NCT04127747": "Several clinical studies have shown that rituximab is safe and effective for the "
    "induction of remission in moderate to severe systemic lupus erythematosus.",
    "NCT04743739": "The primary objective of this study is to determine whether or not cyclosporine (CsA) "
    "combined with RTX is more effective than RTX alone in the treatment of idiopathic membranous "
    "nephropathy (iMN).",
}

# (nct_id, label, arm_type, description, intervention names)
ARMS = [
    (
        "NCT06949241",
        "RTX group",
        None,
        "Adult patients receiving rituximab and systemic corticosteroids without adjuvant IVIg",
        (),
    ),
    (
        "NCT06949241",
        "RTX+IVIg group",
        None,
        "Adult patients receiving rituximab and systemic corticosteroids with adjuvant IVIg",
        (),
    ),
    (
        "NCT05789017",
        "Group I",
        None,
        "Low dose mycophenolate (1-1.5g/day) during remission maintenance.",
        ("Prednisone", "Mycophenolate Mofetil"),
    ),
    (
        "NCT05789017",
        "Group II",
        None,
        "Leflunomide (20 mg/day) during remission maintenance.",
        ("Prednisone", "Mycophenolate Mofetil", "Leflunomide"),
    ),
    ("NCT04127747", "Standard dose group", "ACTIVE_COMPARATOR", None, ("Standard dose of rituximab",)),
    ("NCT04127747", "Individualized dose group", "EXPERIMENTAL", None, ("Individualized dose of rituximab",)),
    (
        "NCT06663943",
        "CM313 (SC)、Glucocorticoid (Prednisone)",
        None,
        "Patients in the experimental group receive CM313 in combination with steroid therapy.",
        ("CM313 (SC)",),
    ),
    (
        "NCT06663943",
        "Glucocorticoid (prednisone), azathioprine",
        None,
        "Patients in the control group receive azathioprine in combination with steroid therapy.",
        ("Glucocorticoids",),
    ),
]

# (nct_id, type, name, description)
INTERVENTIONS = [
    ("NCT05789017", None, "Prednisone", None),
    ("NCT05789017", None, "Mycophenolate Mofetil", None),
    ("NCT05789017", None, "Leflunomide", None),
    ("NCT04127747", "DRUG", "Individualized dose of rituximab", None),
    ("NCT04127747", "DRUG", "Standard dose of rituximab", None),
    (
        "NCT06663943",
        None,
        "CM313 (SC)",
        "CM313 is an anti-CD38 monoclonal antibody that can help pemphigus patients systematically treat "
        "rapid glucocorticoid reduction.",
    ),
    (
        "NCT06663943",
        None,
        "Glucocorticoids",
        "Patients in the control group receive azathioprine in combination with steroid therapy.",
    ),
]

# (nct_id, type, measure, time_frame)
OUTCOMES = [
    (
        "NCT05789017",
        "PRIMARY",
        "The difference of relapse rate of IgG4-RD between two groups in 18 months.",
        "18 months",
    ),
    (
        "NCT05789017",
        "SECONDARY",
        "The difference of the time at baseline to first relapse between two groups.",
        "18 months",
    ),
    ("NCT05789017", "SECONDARY", "Side effects", "18 months"),
    ("NCT05789017", "SECONDARY", "Response rate to the treatment of the two groups.", "18 months"),
]

CONDITIONS = [
    ("NCT05789017", "Autoimmune Diseases"),
    ("NCT04127747", "Autoimmune Diseases"),
    ("NCT04743739", "Idiopathic Membranous Nephropathy"),
]

CRITERIA: dict[str, dict[str, list[str]]] = {
    "NCT06949241": {
        "INCLUSION": [
            "with a diagnosis of pemphigus vulgaris or foliaceus in active stage based on guideline indicators",
            "treated with RTX in association with oral corticosteroids",
            "with a follow-up of at least 48 weeks after RTX treatment initiation",
        ],
        "EXCLUSION": [
            "concomitant use of other immunosuppressants (e.g., azathioprine, mycophenolate mofetil, methotrexate)",
            "previous administration with IVIg for other indications within 12 weeks",
        ],
    },
    "NCT05789017": {
        "INCLUSION": [
            "Fulfillment of the 2019 American College of Rheumatology/European League against Rheumatology "
            "(ACR/EULAR) IgG4-related disease classification criteria;",
            "Newly-onset or relapsed patients who requires initiation or continuation of glucocorticoids treatment.",
        ],
        "EXCLUSION": [
            "Patients who were diagnosed as other autoimmune diseases;",
            "Patients who were diagnosed as malignant diseases;",
            "Pregnant and lactating women;",
            "Active infection: HIV, HCV, HBV, TB;",
            "Severe irreversible damage of organ function;",
            "Receipt of any biologic therapy or immunosuppressive agent other than GCs.",
        ],
    },
    "NCT04127747": {
        "INCLUSION": [
            "Age, 18-65 years old, weight ≥ 40 kg, sex unlimited.",
            "Clearly diagnosed with systemic lupus erythematosus.",
            "Prospective subjects agreed to use effective contraception throughout the study period.",
        ],
        "EXCLUSION": [
            "Severe cardiopulmonary disease;",
            "Pregnant patients or patients with recent fertility requirements;",
        ],
    },
    "NCT06663943": {
        "INCLUSION": [
            "Positive Nikolsky's sign.",
            "Adult patients aged between 18 and 80 years.",
        ],
        "EXCLUSION": [
            "Patients with known active HIV, hepatitis B, or hepatitis C infection, as indicated by positive serology.",
            "Pregnant or breastfeeding women, and women of childbearing potential who are planning to become pregnant.",
        ],
    },
    "NCT04743739": {
        "INCLUSION": [
            "idiopathic MN with or without diagnostic biopsy",
            "estimated glomerular filtration rate (eGFR) ≥40ml/min/1.73m2",
        ],
        "EXCLUSION": [
            "presence of active infection or a secondary cause of MN",
            "pregnancy or breast feeding",
        ],
    },
}

SPONSORS = [
    ("NCT06949241", "Ruijin Hospital", "LEAD", "OTHER"),
    ("NCT05789017", "Peking Union Medical College Hospital", "LEAD", None),
    ("NCT04127747", "Zhejiang University", "LEAD", "OTHER"),
    ("NCT06663943", "Chao Ji", "LEAD", "OTHER"),
    ("NCT04743739", "Peking Union Medical College Hospital", "LEAD", None),
]

LOCATIONS = [
    (
        "NCT06949241",
        "Department of Dermatology, Rui Jin Hospital, Shanghai Jiao Tong University School of Medicine",
        "Shanghai",
        "Shanghai Municipality",
        "China",
    ),
    ("NCT05789017", "Peking Union Medical College Hospital", "Beijing", None, "China"),
]

IDENTIFIERS = [
    ("NCT06949241", "MR-31-25-027185", "ORG_STUDY_ID"),
    ("NCT04127747", "2019-233", None),
    ("NCT06663943", "FirstAHFujian456", "ORG_STUDY_ID"),
]

RELATED = [
    ("NCT06949241", "NCT04400994", "IVIG With Rituximab vs Rituximab as First Line Treatment of Pemphigus"),
    ("NCT06949241", "NCT00656656", "Immunoadsorption, Dexamethasone Pulse Therapy and Rituximab for Pemphigus"),
    ("NCT06949241", "NCT06663943", "A Randomized Study on Pemphigus Treatment With Humanized CD38 Antibody CM313."),
    (
        "NCT06663943",
        "NCT06949241",
        "A Single Cycle of Intravenous Immunoglobulin as Adjuvant to Rituximab in "
        "Patients With Pemphigus: A Retrospective Cohort Study at a Tertiary Referral Center",
    ),
    ("NCT06663943", "NCT00656656", "Immunoadsorption, Dexamethasone Pulse Therapy and Rituximab for Pemphigus"),
    ("NCT06663943", "NCT02704429", "A Study of PRN1008 in Adult Patients With Pemphigus Vulgaris"),
]

CONTACTS = [
    ("NCT04127747", "Jing Xue", "CENTRAL_CONTACT", None),
    ("NCT06663943", "Chao Ji", "RESPONSIBLE_PARTY", "Chief Physician"),
]

PARSE_ISSUES = [
    (
        "004_e47fc4a004cc872c.txt",
        "NCT04743739",
        "overall_status",
        "WARNING",
        "status 'Not Recruiting' maps to more than one code",
    ),
]

LOADED_AT = datetime(2026, 11, 22, 8, 30, 0)

# two validation runs: the first with one failing warning-level expectation
DQ_RUNS = [
    ("run-2026-11-21", datetime(2026, 11, 21, 8, 0, 0)),
    ("run-2026-11-22", datetime(2026, 11, 22, 8, 31, 0)),
]
# (checkpoint, suite, expectation, table, column, severity): severities in lower case, as the pipeline writes them
DQ_EXPECTATIONS = [
    ("staging", "staging_trials", "expect_column_values_to_not_be_null", "raw.trials", "nct_id", "critical"),
    ("marts", "marts_trials", "expect_column_values_to_not_be_null", "marts.trials", "brief_title", "critical"),
    ("marts", "marts_trials", "expect_column_values_to_be_unique", "marts.trials", "nct_id", "critical"),
    ("marts", "marts_trials", "expect_column_values_to_match_regex", "marts.trials", "nct_id", "critical"),
    ("marts", "marts_completeness", "expect_column_values_to_not_be_null", "marts.trials", "overall_status", "warning"),
    ("marts", "marts_completeness", "expect_column_values_to_be_between", "marts.trials", "enrollment", "warning"),
]


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]]) -> None:
    if rows:
        placeholders = ", ".join("?" for _ in rows[0])
        con.executemany(f"insert into marts.{table} values ({placeholders})", rows)


def build_fixture_warehouse(path: Path) -> Path:
    """Create a contract-shaped DuckDB file at `path` holding the five seed trials."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(MARTS_DDL)
        trial_columns = [row[0] for row in con.execute("describe marts.trials").fetchall()]
        for trial in TRIALS:
            nct_id = trial["nct_id"]
            source_file, family, _ = SEED_FILES[nct_id]
            criteria = CRITERIA.get(nct_id, {})
            outcome_types = [o[1] for o in OUTCOMES if o[0] == nct_id]
            values = dict(trial)
            values.update(
                brief_summary=SUMMARY.get(nct_id),
                source_family=family,
                source_file=source_file,
                n_arms=sum(a[0] == nct_id for a in ARMS),
                n_interventions=sum(i[0] == nct_id for i in INTERVENTIONS),
                n_primary_outcomes=outcome_types.count("PRIMARY"),
                n_secondary_outcomes=outcome_types.count("SECONDARY"),
                n_other_outcomes=outcome_types.count("OTHER"),
                n_conditions=sum(c[0] == nct_id for c in CONDITIONS),
                n_locations=sum(loc[0] == nct_id for loc in LOCATIONS),
                n_inclusion_criteria=len(criteria.get("INCLUSION", [])),
                n_exclusion_criteria=len(criteria.get("EXCLUSION", [])),
                n_source_documents=1,
            )
            row = tuple(values.get(column) for column in trial_columns)
            _insert(con, "trials", [row])

        arm_rows, arm_links = [], []
        for nct_id in SEED_FILES:
            arms = [a for a in ARMS if a[0] == nct_id]
            for ordinal, (_, label, arm_type, description, names) in enumerate(arms, start=1):
                arm_id = f"{nct_id}-A{ordinal}"
                arm_rows.append((arm_id, nct_id, ordinal, label, arm_type, description))
                arm_links.extend((arm_id, nct_id, name) for name in names)
        _insert(con, "arms", arm_rows)

        intervention_rows, intervention_ids = [], {}
        for nct_id in SEED_FILES:
            found = [i for i in INTERVENTIONS if i[0] == nct_id]
            for ordinal, (_, kind, name, description) in enumerate(found, start=1):
                intervention_id = f"{nct_id}-I{ordinal}"
                intervention_ids[(nct_id, name)] = intervention_id
                intervention_rows.append((intervention_id, nct_id, ordinal, kind, name, description))
        _insert(con, "interventions", intervention_rows)
        _insert(
            con, "arm_interventions", [(arm_id, intervention_ids[(nct_id, name)]) for arm_id, nct_id, name in arm_links]
        )

        outcome_rows = []
        for nct_id in SEED_FILES:
            for outcome_type in ("PRIMARY", "SECONDARY", "OTHER"):
                found = [o for o in OUTCOMES if o[0] == nct_id and o[1] == outcome_type]
                for ordinal, (_, _, measure, time_frame) in enumerate(found, start=1):
                    outcome_id = f"{nct_id}-{outcome_type[0]}{ordinal}"
                    outcome_rows.append((outcome_id, nct_id, outcome_type, ordinal, measure, time_frame, None))
        _insert(con, "outcomes", outcome_rows)

        _insert(con, "conditions", CONDITIONS)
        _insert(
            con,
            "eligibility_criteria",
            [
                (nct_id, criterion_type, ordinal, text)
                for nct_id, by_type in CRITERIA.items()
                for criterion_type, texts in by_type.items()
                for ordinal, text in enumerate(texts, start=1)
            ],
        )
        _insert(con, "sponsors", SPONSORS)
        _insert(con, "locations", LOCATIONS)
        _insert(con, "identifiers", IDENTIFIERS)
        _insert(con, "related_trials", RELATED)
        _insert(con, "contacts", CONTACTS)

        document_rows = []
        for nct_id, (source_file, family, size) in SEED_FILES.items():
            status = "PARTIAL" if any(issue[0] == source_file for issue in PARSE_ISSUES) else "PARSED"
            message = next((issue[4] for issue in PARSE_ISSUES if issue[0] == source_file), None)
            digest = f"{source_file[4:20]:0<64}"  # stands in for a sha256; unique per seed
            document_rows.append(
                (digest, source_file, family, nct_id, status, message, size, LOADED_AT, digest, 1, True)
            )
        # a file no parser recognised: accounted for, not loaded
        rejected = "f" * 64
        document_rows.append(
            (
                rejected,
                "notes/readme.bin",
                None,
                None,
                "REJECTED",
                "no source family recognised this document",
                17,
                LOADED_AT,
                rejected,
                0,
                False,
            )
        )
        _insert(con, "source_documents", document_rows)
        _insert(con, "parse_issues", PARSE_ISSUES)

        dq_rows = []
        for run_number, (run_id, run_at) in enumerate(DQ_RUNS):
            for checkpoint, suite, expectation, table, column, severity in DQ_EXPECTATIONS:
                failing = run_number == 0 and column == "overall_status"
                dq_rows.append(
                    (
                        run_id,
                        run_at,
                        checkpoint,
                        suite,
                        expectation,
                        table,
                        column,
                        severity,
                        not failing,
                        None,
                        1 if failing else 0,
                        "[null]" if failing else None,
                        f'{{"column": "{column}"}}',
                    )
                )
        _insert(con, "dq_results", dq_rows)
        insert_history(con)
        con.execute("checkpoint")
    finally:
        con.close()
    return path
