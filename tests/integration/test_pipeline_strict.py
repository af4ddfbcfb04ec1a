"""`--strict`: any rejected document fails the run (exit 2) and nothing is published;
without it, the same folder succeeds and the rejection is a row of source_documents."""

from __future__ import annotations

import shutil

import pytest

from tests.pipeline_runner import REPOSITORY, run_pipeline

pytestmark = pytest.mark.slow


def test_strict_run_with_a_rejection_fails_and_publishes_nothing(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(REPOSITORY / "data" / "raw", raw)
    (raw / "notes.txt").write_text("meeting notes, nothing about a trial\n", encoding="utf-8")

    strict = run_pipeline(raw, tmp_path / "strict", "--strict")
    assert strict.returncode == 2, strict.output
    assert "--strict" in strict.summary["failure"] and strict.summary["published"] is False
    assert not strict.warehouse.exists()

    lenient = run_pipeline(raw, tmp_path / "strict", work_dir=strict.work_dir)
    assert lenient.returncode == 0, lenient.output
    assert lenient.summary["documents_by_status"]["REJECTED"] == 1
    assert lenient.query("select parse_status from marts.source_documents where source_file = 'notes.txt'") == [
        ("REJECTED",)
    ]
