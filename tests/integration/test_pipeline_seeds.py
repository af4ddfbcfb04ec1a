"""The real flow (Prefect + dbt + GX) on the five seed pages: the warehouse says what the pages say.

Expected values were read off the pages in data/raw by a person, not copied from the parser.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.pipeline_runner import REPOSITORY, SHARED, TRIALMART, run_pipeline

pytestmark = pytest.mark.slow

SEED_TRIALS = {"NCT06949241", "NCT05789017", "NCT04127747", "NCT06663943", "NCT04743739"}


def test_warehouse_meets_the_public_contract(seed_run):
    checker = SHARED / "tools" / "check_contract.py"
    if not checker.exists():
        pytest.skip("shared/tools/check_contract.py not present")
    completed = subprocess.run([sys.executable, str(checker), str(seed_run.warehouse)], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_every_seed_page_becomes_one_trial(seed_run):
    assert {row[0] for row in seed_run.query("select nct_id from marts.trials")} == SEED_TRIALS
    statuses = seed_run.query("select source_file, parse_status, nct_id from marts.source_documents order by 1")
    assert [row[0] for row in statuses] == sorted(
        [
            "000_5c26534db39ab199.txt",
            "001_f475fce0bf5c0d50.txt",
            "002_16bf8b040da96ccd.txt",
            "003_9d8b5c6217fb85cd.txt",
            "004_e47fc4a004cc872c.txt",
        ]
    )
    assert all(status in ("PARSED", "PARTIAL") for _, status, _ in statuses)
    assert {nct for _, _, nct in statuses} == SEED_TRIALS


def test_mirror_page_basic_information_classified_by_value(seed_run):
    row = seed_run.query(
        "select overall_status, phase, enrollment, study_type, start_date::varchar, completion_date::varchar,"
        " last_update_date::varchar, observational_model, time_perspective, minimum_age_years, maximum_age_years,"
        " sex, healthy_volunteers, lead_sponsor, n_arms, n_interventions, n_conditions, n_locations"
        " from marts.trials where nct_id = 'NCT06949241'"
    )[0]
    assert row == (
        "ACTIVE_NOT_RECRUITING",
        None,
        76,
        "OBSERVATIONAL",
        "2019-12-01",
        "2026-02-02",
        "2025-04-29",
        "CASE_CONTROL",
        "RETROSPECTIVE",
        18.0,
        100.0,
        "ALL",
        False,
        "Ruijin Hospital",
        2,
        0,
        0,
        1,
    )


def test_veeva_page(seed_run):
    row = seed_run.query(
        "select overall_status, overall_status_raw, phase, study_type, enrollment, enrollment_type,"
        " minimum_age_years, maximum_age_years, healthy_volunteers, allocation, intervention_model,"
        " primary_purpose, masking, lead_sponsor, n_arms, n_interventions"
        " from marts.trials where nct_id = 'NCT04127747'"
    )[0]
    assert row == (
        "UNKNOWN",
        "Unknown",
        "PHASE4",
        "INTERVENTIONAL",
        110,
        "ESTIMATED",
        18.0,
        65.0,
        False,
        "RANDOMIZED",
        "PARALLEL",
        "TREATMENT",
        "NONE",
        "Zhejiang University",
        2,
        2,
    )
    arms = seed_run.query(
        "select a.label, a.arm_type, i.name, i.intervention_type from marts.arms a"
        " join marts.arm_interventions ai using (arm_id) join marts.interventions i using (intervention_id)"
        " where a.nct_id = 'NCT04127747' order by a.arm_ordinal"
    )
    assert arms == [
        ("Standard dose group", "ACTIVE_COMPARATOR", "Standard dose of rituximab", "DRUG"),
        ("Individualized dose group", "EXPERIMENTAL", "Individualized dose of rituximab", "DRUG"),
    ]


def test_ambiguous_status_is_null_but_kept_raw(seed_run):
    assert seed_run.query(
        "select overall_status, overall_status_raw, phase, minimum_age_years, maximum_age_years"
        " from marts.trials where nct_id = 'NCT04743739'"
    ) == [(None, "Not Recruiting", "PHASE3", 18.0, 80.0)]


def test_criteria_split_and_kept_apart(seed_run):
    counts = dict(
        (f"{nct}:{kind}", n)
        for nct, kind, n in seed_run.query(
            "select nct_id, criterion_type, count(*) from marts.eligibility_criteria group by all"
        )
    )
    assert counts["NCT06949241:INCLUSION"] == 3 and counts["NCT06949241:EXCLUSION"] == 2
    assert counts["NCT05789017:INCLUSION"] == 2 and counts["NCT05789017:EXCLUSION"] == 6
    assert counts["NCT04127747:INCLUSION"] == 7 and counts["NCT04127747:EXCLUSION"] == 8
    assert counts["NCT04743739:INCLUSION"] == 6 and counts["NCT04743739:EXCLUSION"] == 5
    texts = [row[0] for row in seed_run.query("select criterion_text from marts.eligibility_criteria")]
    headings = {"inclusion criteria", "exclusion criteria", "eligibility criteria", "key inclusion criteria"}
    assert not [t for t in texts if t.lower().rstrip(": ") in headings], "a heading became a criterion"
    assert "treated with RTX in association with oral corticosteroids" in texts
    assert (
        "Newly-onset or relapsed patients who requires initiation or continuation of glucocorticoids treatment."
        in texts
    )


def test_flattened_outcomes_recovered(seed_run):
    outcomes = seed_run.query(
        "select outcome_type, measure, time_frame from marts.outcomes where nct_id = 'NCT05789017'"
        " order by outcome_type, outcome_ordinal"
    )
    assert outcomes[0] == (
        "PRIMARY",
        "The difference of relapse rate of IgG4-RD between two groups in 18 months.",
        "18 months",
    )
    assert [o[0] for o in outcomes].count("SECONDARY") == 3
    assert all(o[2] == "18 months" for o in outcomes)


def test_no_boilerplate_in_the_marts(seed_run):
    boilerplate = [
        "Review the sponsor-provided synopsis",
        "Check the participation requirements",
        "logo",
        "Loading...",
        "What is a clinical trial",
        "Add a private note",
        "Powered by AI",
    ]
    for table, column in [
        ("trials", "brief_summary"),
        ("trials", "detailed_description"),
        ("trials", "brief_title"),
        ("arms", "description"),
        ("conditions", "condition"),
        ("eligibility_criteria", "criterion_text"),
        ("contacts", "name"),
        ("locations", "facility"),
        ("sponsors", "sponsor_name"),
    ]:
        for sentence in boilerplate:
            hits = seed_run.query(f"select count(*) from marts.{table} where {column} like ?", [f"%{sentence}%"])[0][0]
            assert hits == 0, f"boilerplate {sentence!r} in marts.{table}.{column}"


def test_data_quality_results_are_stored(seed_run):
    rows = seed_run.query("select checkpoint, severity, bool_and(success) from marts.dq_results group by all")
    assert {row[0] for row in rows} == {"staging", "marts"}
    assert all(ok for checkpoint, severity, ok in rows if severity == "critical")


def test_second_run_over_an_unchanged_folder_is_identical(seed_run, tmp_path):
    tables = [
        row[0]
        for row in seed_run.query(
            "select table_name from information_schema.tables where table_schema = 'marts' and table_name <> 'dq_results'"
        )
    ]
    snapshot = {
        t: sorted(
            map(
                repr,
                seed_run.query(
                    f"select * exclude (loaded_at) from marts.{t}"
                    if t == "source_documents"
                    else f"select * from marts.{t}"
                ),
            )
        )
        for t in tables
    }
    again = run_pipeline(seed_run.warehouse.parent / "raw", seed_run.warehouse.parent, work_dir=seed_run.work_dir)
    assert again.returncode == 0, again.output
    assert again.summary["parsed_this_run"] == 0 and again.summary["unchanged"] == 5
    for t in tables:
        sql = f"select * exclude (loaded_at) from marts.{t}" if t == "source_documents" else f"select * from marts.{t}"
        assert sorted(map(repr, again.query(sql))) == snapshot[t], f"marts.{t} changed on an identical re-run"


def test_docs_page_is_self_contained_and_describes_the_marts(seed_run, tmp_path):
    out = tmp_path / "docs" / "index.html"
    completed = subprocess.run(
        [str(TRIALMART), "docs", "--warehouse", str(seed_run.warehouse), "--work-dir", str(seed_run.work_dir),
         "--out", str(out)],
        capture_output=True, text=True, cwd=REPOSITORY,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    page = out.read_text(encoding="utf-8")
    assert "model.trialmart.eligibility_criteria" in page and "grain" in page
    assert not re.search(r"""<(script|link)[^>]+(src|href)=["']https?://""", page), "docs must load nothing online"


def test_duckdb_1_5_opens_the_published_warehouse(seed_run):
    python = REPOSITORY / ".venv-duckdb1" / "bin" / "python"  # made by `make duckdb1` (a `make test` step)
    if not python.exists():
        if os.environ.get("CI"):
            pytest.fail("no DuckDB 1.5 client in CI: `make test` should have run `make duckdb1`")
        pytest.skip("no DuckDB 1.5 client: run `make duckdb1`")
    completed = subprocess.run(
        [str(python), "-c",
         "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True);"
         "print(duckdb.__version__, con.execute('select count(*) from marts.trials').fetchone()[0])",
         str(seed_run.warehouse)],
        capture_output=True, text=True,
    )
    assert completed.returncode == 0, completed.stderr
    version, trials = completed.stdout.split()
    assert version.startswith("1.5.") and trials == "5"
