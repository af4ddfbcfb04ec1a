"""A crawler's folder: the seeds again as HTML, BOM/CRLF/UTF-16 copies, duplicates, an updated
page and junk. The marts must hold the same five trials with the same values as the clean seeds,
one source_documents row per file with the right status, and nothing invented.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipeline_runner import REPOSITORY, run_pipeline

pytestmark = pytest.mark.slow

SEEDS = sorted((REPOSITORY / "data" / "raw").glob("*.txt"))
MESSY_FIXTURES = REPOSITORY / "tests" / "fixtures" / "messy"
UPDATED_TRIAL = "NCT06663943"


def build_messy_folder(raw: Path) -> dict[str, str]:
    """Write the folder; return source_file -> expected parse_status."""
    expected: dict[str, str] = {}

    def put(name: str, data: bytes, status: str) -> None:
        path = raw / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expected[name] = status

    for seed in SEEDS:
        text = seed.read_text(encoding="utf-8")
        put(f"clean/{seed.name}", text.encode("utf-8"), "OK")
        put(f"windows/{seed.stem} (copy).txt", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"), "OK")
    first = SEEDS[0].read_text(encoding="utf-8")
    put("encodings/utf16 ünïcode name.txt", first.encode("utf-16"), "OK")
    put("encodings/nbsp.txt", SEEDS[1].read_text(encoding="utf-8").replace(" ", "\u00a0", 40).encode("utf-8"), "OK")
    put("duplicates/same-bytes.txt", SEEDS[2].read_bytes(), "OK")
    for html in sorted(MESSY_FIXTURES.glob("0*.html")):  # the seeds saved as HTML, with page chrome
        put(f"html/{html.name}", html.read_bytes(), "OK")
    put("truncated/half-downloaded.txt", (MESSY_FIXTURES / "truncated_003.txt").read_bytes(), "PARTIAL")
    updated = (REPOSITORY / "data" / "raw" / "003_9d8b5c6217fb85cd.txt").read_text(encoding="utf-8")
    updated = updated.replace("Last Updated: 2024-10-29", "Last Updated: 2025-03-01").replace(
        "100 participants", "120 participants"
    )
    put("updates/003_updated.txt", updated.encode("utf-8"), "OK")
    put("junk/empty.txt", b"", "REJECTED")
    put("junk/image.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "REJECTED")
    put(
        "junk/news.html",
        b"<html><head><title>NCT01234567 Recruiting</title></head><body><nav>Menu</nav>"
        b"<h1>Hospital opens new wing</h1><p>The city hospital opened a new wing on Monday.</p>"
        b"<footer>NCT09999999</footer></body></html>",
        "REJECTED",
    )
    put("junk/latin1.txt", "Caf\xe9 na\xefve r\xe9sum\xe9 \x00\x81\x8d".encode("latin-1"), "REJECTED")
    with (raw / "junk").joinpath("huge.log").open("wb") as log:
        line = b"2026-11-22T03:00:00 INFO worker heartbeat ok NCT00000000\n"
        log.write(line * (34 * 1024 * 1024 // len(line) + 1))
    expected["junk/huge.log"] = "REJECTED"
    return expected


@pytest.fixture(scope="module")
def messy_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("messy-run")
    raw = out / "raw"
    expected = build_messy_folder(raw)
    run = run_pipeline(raw, out)
    assert run.returncode == 0, run.output
    return run, expected


def _trial_values(run, nct_ids):
    return {
        row[0]: row[1:]
        for row in run.query(
            "select * exclude (source_file, source_family, n_source_documents, n_source_records) from marts.trials"
            " where nct_id in (select unnest(?)) order by nct_id",
            [list(nct_ids)],
        )
    }


def test_every_file_is_accounted_for(messy_run):
    run, expected = messy_run
    rows = dict(run.query("select source_file, parse_status from marts.source_documents"))
    assert set(rows) == set(expected)
    for source_file, status in expected.items():
        if status in ("REJECTED", "PARTIAL"):
            assert rows[source_file] == status, source_file
        else:
            assert rows[source_file] in ("PARSED", "PARTIAL"), source_file
    messages = dict(
        run.query("select source_file, message from marts.source_documents where parse_status = 'REJECTED'")
    )
    assert "empty" in messages["junk/empty.txt"].lower()
    assert "binary" in messages["junk/image.png"].lower()
    assert "size limit" in messages["junk/huge.log"].lower()
    assert "not a trial" in messages["junk/news.html"].lower()
    assert len({row[0] for row in run.query("select document_id from marts.source_documents")}) == len(expected)


def test_same_trials_same_values_as_the_clean_seeds(messy_run, seed_run):
    run, _ = messy_run
    assert {r[0] for r in run.query("select nct_id from marts.trials")} == {
        r[0] for r in seed_run.query("select nct_id from marts.trials")
    }
    unchanged = [r[0] for r in seed_run.query("select nct_id from marts.trials where nct_id <> ?", [UPDATED_TRIAL])]
    assert _trial_values(run, unchanged) == _trial_values(seed_run, unchanged)
    for table in (
        "arms",
        "interventions",
        "outcomes",
        "conditions",
        "eligibility_criteria",
        "sponsors",
        "locations",
        "identifiers",
        "related_trials",
        "contacts",
    ):
        sql = f"select * from marts.{table} order by all"
        assert run.query(sql) == seed_run.query(sql), f"marts.{table} differs from the clean run"


def test_duplicates_are_one_trial_and_the_newest_version_wins(messy_run):
    run, _ = messy_run
    assert run.query("select count(*), count(distinct nct_id) from marts.trials") == [(5, 5)]
    assert run.query(
        "select enrollment, last_update_date::varchar, source_file from marts.trials where nct_id = ?", [UPDATED_TRIAL]
    ) == [(120, "2025-03-01", "updates/003_updated.txt")]
    conflicts = {
        row[0]
        for row in run.query("select field_name from marts.trial_source_conflicts where nct_id = ?", [UPDATED_TRIAL])
    }
    assert {"enrollment", "last_update_date"} <= conflicts
    documents = run.query("select count(*) from marts.source_documents where nct_id = ?", [UPDATED_TRIAL])[0][0]
    assert documents >= 3  # clean, windows copy, update (and the HTML version when present)


def test_nothing_invented_from_scripts_titles_or_footers(messy_run):
    run, _ = messy_run
    invented = run.query(
        "select nct_id from marts.trials where nct_id in ('NCT01234567', 'NCT09999999', 'NCT00000000')"
    )
    assert invented == []


def test_zz_removed_documents_leave_the_marts_unless_another_still_provides_them(messy_run):
    """Runs last in this module: it removes files from the messy folder and re-runs incrementally."""
    run, _ = messy_run
    raw = run.warehouse.parent / "raw"
    (raw / "updates" / "003_updated.txt").unlink()  # the newer version of NCT06663943
    aggregator_copies = [p for p in raw.rglob("*") if p.is_file() and p.name.startswith("004_")]
    assert aggregator_copies
    for path in aggregator_copies:  # every document of NCT04743739
        path.unlink()
    again = run_pipeline(raw, run.warehouse.parent, work_dir=run.work_dir)
    assert again.returncode == 0, again.output
    assert again.summary["parsed_this_run"] == 0
    assert again.summary["removed"] == 1 + len(aggregator_copies)
    assert again.query("select count(*) from marts.trials where nct_id = 'NCT04743739'") == [(0,)]
    assert again.query("select count(*) from marts.eligibility_criteria where nct_id = 'NCT04743739'") == [(0,)]
    # the older copies of NCT06663943 still provide it: back to the page's 100 participants
    assert again.query(
        "select enrollment, last_update_date::varchar from marts.trials where nct_id = ?", [UPDATED_TRIAL]
    ) == [(100, "2024-10-29")]
    remaining = {row[0] for row in again.query("select source_file from marts.source_documents")}
    assert "updates/003_updated.txt" not in remaining
    assert not any(name.rsplit("/", 1)[-1].startswith("004_") for name in remaining)
