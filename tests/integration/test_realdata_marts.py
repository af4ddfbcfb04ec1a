"""The whole pipeline over ../shared/realdata (about 7,800 official records): every valid record
loaded, and the marts agree with the source JSON/XML, read independently, field by field."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.pipeline_runner import REPOSITORY, SHARED, run_pipeline

pytestmark = pytest.mark.slow

REALDATA = SHARED / "realdata"
NOT_RECORDS = {"SOURCES.md", "ctgov-v2-urology/ctg-studies.csv", "ctgov-xml-2023/SearchResults.csv"}


@pytest.fixture(scope="module")
def realdata_run(tmp_path_factory):
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not present")
    run = run_pipeline(REALDATA, tmp_path_factory.mktemp("realdata-run"))
    assert run.returncode == 0, run.output
    return run


def test_only_files_that_are_not_records_are_rejected(realdata_run):
    rejected = {
        row[0]: row[1]
        for row in realdata_run.query(
            "select source_file, message from marts.source_documents where parse_status = 'REJECTED'"
        )
    }
    assert set(rejected) == NOT_RECORDS
    assert all("not a trial page" in message for message in rejected.values())


def test_marts_agree_with_the_official_records(realdata_run):
    completed = subprocess.run(
        [
            sys.executable,
            str(REPOSITORY / "benchmarks" / "compare_realdata.py"),
            "--warehouse",
            str(realdata_run.warehouse),
            "--realdata",
            str(REALDATA),
            "--threshold",
            "99.5",
        ],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "trials missing from the warehouse: 0" in completed.stdout


def test_one_trial_row_per_nct_id_across_formats(realdata_run):
    # NCT02552212 is held twice in the JSON fixtures (once under another file name): one row
    assert realdata_run.query("select count(*) from marts.trials where nct_id = 'NCT02552212'") == [(1,)]
    documents = realdata_run.query("select count(*) from marts.source_documents where nct_id = 'NCT02552212'")[0][0]
    assert documents == 2
    total, distinct = realdata_run.query("select count(*), count(distinct nct_id) from marts.trials")[0]
    assert total == distinct > 7000
