"""Official bulk files streamed member by member: zips and large JSON arrays of studies.

Through trialmart.extract and trialmart.load (plan -> parse -> the single writer), without
Prefect: a zip and an array larger than the part size, a truncated zip and array, a corrupt
member in the middle, member-level incremental re-runs and member removal.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest

from trialmart import extract
from trialmart.bulk import bulk_layout
from trialmart.extract import load_batches, parse_locally, plan_run, work_items
from trialmart.load import create_staging_tables, known_documents, known_members

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "official"
PER_PART = 3  # members (records) per parse task: every file below is larger


def study(number: int, title: str | None = None) -> dict:
    record = copy.deepcopy(json.loads((FIXTURES / "v2_single.json").read_text(encoding="utf-8")))
    identification = record["protocolSection"]["identificationModule"]
    identification["nctId"] = f"NCT{number:08d}"
    identification["briefTitle"] = title or f"Study number {number}"
    return record


def write_zip(path: Path, members: dict[str, bytes | dict]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content if isinstance(content, bytes) else json.dumps(content))


def run(con: duckdb.DuckDBPyConnection, raw: Path, *, workers: int = 1, threshold: int = 400) -> extract.Plan:
    create_staging_tables(con)
    plan = plan_run(raw, known_documents(con), known_members=lambda name: known_members(con, name), stream_json_bytes=1)
    parsed = parse_locally(
        raw, plan, max_bytes=32 << 20, workers=workers, batch_size=1000, parallel_threshold=threshold,
        member_batch_size=PER_PART,
    )  # fmt: skip
    load_batches(con, parsed, plan.to_parse + plan.removed, plan.bulk)
    return plan


def trials(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("select nct_id, brief_title from raw.trials order by nct_id").fetchall()


def members(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    rows = con.execute(
        "select member_name, parse_status, message, n_trials, first_nct_id, member_ordinal, parsed_at "
        "from raw.document_members"
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def document(con: duckdb.DuckDBPyConnection, name: str) -> tuple:
    return con.execute(
        "select parse_status, n_trials, message, content_sha256, bytes from raw.documents where source_file = ?",
        [name],
    ).fetchall()[0]


def assert_record_index_consistent(con: duckdb.DuckDBPyConnection) -> None:
    """Every trial row lies in exactly one member's record range, and record_index is unique per file."""
    assert con.execute(
        "select count(*) from (select source_file, record_index from raw.trials group by all having count(*) > 1)"
    ).fetchall() == [(0,)]
    orphans = con.execute(
        "select count(*) from raw.trials t where not exists (select 1 from raw.document_members m "
        "where m.source_file = t.source_file and t.record_index >= m.first_record_index "
        "and t.record_index < m.first_record_index + m.n_trials)"
    ).fetchall()
    assert orphans == [(0,)]
    mismatched = con.execute(
        "select count(*) from raw.document_members m join raw.trials t on t.source_file = m.source_file "
        "and t.record_index = m.first_record_index where m.n_trials > 0 and t.nct_id is distinct from m.first_nct_id"
    ).fetchall()
    assert mismatched == [(0,)]


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def test_zip_larger_than_a_part_loads_member_by_member(tmp_path: Path, con) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    write_zip(raw / "ctg-studies.json.zip", {f"NCT{n:08d}.json": study(n) for n in range(1, 11)})
    plan = run(con, raw)
    assert [bulk.members for bulk in plan.bulk] == [10]
    tasks = list(work_items(raw, plan, batch_size=1000, member_batch_size=PER_PART))
    assert [task.size for task in tasks] == [3, 3, 3, 1]  # bounded parts, whatever the file holds
    assert [row[0] for row in trials(con)] == [f"NCT{n:08d}" for n in range(1, 11)]
    assert document(con, "ctg-studies.json.zip")[:3] == ("PARSED", 10, None)
    assert len(members(con)) == 10 and {row[0] for row in members(con).values()} == {"PARSED"}
    assert_record_index_consistent(con)


def test_parts_of_one_zip_go_to_the_process_pool(tmp_path: Path, con) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    write_zip(raw / "export.zip", {f"NCT{n:08d}.json": study(n) for n in range(1, 21)})
    run(con, raw, workers=2, threshold=5)
    assert len(trials(con)) == 20
    assert_record_index_consistent(con)


FORKSERVER_CHECK = """
import multiprocessing, sys
from multiprocessing import forkserver
from pathlib import Path
import psutil
from trialmart import extract
from trialmart.extract import parse_locally, plan_run

extract._worker_context = lambda: multiprocessing.get_context("forkserver")
raw = Path(sys.argv[1])
plan = plan_run(raw, {}, stream_json_bytes=1)
parsed = parse_locally(raw, plan, max_bytes=32 << 20, workers=2, batch_size=1000, parallel_threshold=5,
                       member_batch_size=3)
first = next(parsed)
server = forkserver._forkserver._forkserver_pid
assert server is not None and psutil.pid_exists(server), "no forkserver while parsing"
assert first.members + sum(batch.members for batch in parsed) == 12
assert forkserver._forkserver._forkserver_pid is None, "the forkserver is still known"
assert not psutil.pid_exists(server), "the forkserver process is still alive"
print("ok")
"""


def test_the_forkserver_of_the_pool_is_stopped_once_the_parse_is_done(tmp_path: Path) -> None:
    # as under the `trialmart` command: workers start from a forkserver, which would otherwise
    # stay (~80 MB) until the run's process ends. In a process of its own: a forkserver child
    # runs the parent's __main__ again, which inside pytest may be any test's script
    raw = tmp_path / "raw"
    raw.mkdir()
    write_zip(raw / "export.zip", {f"NCT{n:08d}.json": study(n) for n in range(1, 13)})
    checked = subprocess.run(
        [sys.executable, "-c", FORKSERVER_CHECK, str(raw)], capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0 and checked.stdout.strip() == "ok", checked.stderr[-2000:]


def test_each_parse_task_returns_a_bounded_chunk(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    write_zip(raw / "export.zip", {f"NCT{n:08d}.json": study(n) for n in range(1, 11)})
    plan = plan_run(raw, {}, stream_json_bytes=1)
    batches = list(parse_locally(
        raw, plan, max_bytes=32 << 20, workers=1, batch_size=1000, parallel_threshold=400, member_batch_size=PER_PART
    ))  # fmt: skip
    assert [batch.members for batch in batches] == [3, 3, 3, 1]
    assert all(batch.tables["trials"].num_rows <= PER_PART for batch in batches)


def test_json_array_is_streamed_record_by_record(tmp_path: Path, con, monkeypatch) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "ctg-studies.json").write_text(json.dumps([study(n) for n in range(1, 9)]), encoding="utf-8")
    (raw / "page.json").write_text(
        json.dumps({"studies": [study(n) for n in range(20, 25)], "nextPageToken": "abc"}), encoding="utf-8"
    )

    def whole_file_read(*args, **kwargs):
        raise AssertionError("a bulk JSON file must be streamed, not json.load-ed whole")

    monkeypatch.setattr(json, "load", whole_file_read)
    monkeypatch.setattr(json, "loads", whole_file_read)
    assert bulk_layout(raw / "ctg-studies.json", 1).prefix == "item"
    assert bulk_layout(raw / "page.json", 1).prefix == "studies.item"
    plan = run(con, raw)
    tasks = list(work_items(raw, plan, batch_size=1000, member_batch_size=PER_PART))
    assert [task.size for task in tasks] == [3, 3, 2, 3, 2]
    assert len(trials(con)) == 13
    assert document(con, "ctg-studies.json")[:3] == ("PARSED", 8, None)
    assert document(con, "page.json")[:3] == ("PARSED", 5, None)
    assert {"[0]", "[7]", "studies[0]", "studies[4]"} <= set(members(con))
    assert_record_index_consistent(con)


def test_small_json_array_is_still_read_as_one_document(tmp_path: Path) -> None:
    path = tmp_path / "small.json"
    path.write_text(json.dumps([study(1)]), encoding="utf-8")
    assert bulk_layout(path) is None  # below the streaming threshold


def test_truncated_zip_is_rejected_with_its_reason(tmp_path: Path, con) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    write_zip(raw / "export.zip", {f"NCT{n:08d}.json": study(n) for n in range(1, 6)})
    data = (raw / "export.zip").read_bytes()
    (raw / "export.zip").write_bytes(data[: len(data) * 2 // 3])  # the download broke off
    plan = run(con, raw)
    assert plan.bulk == ()
    status, n_trials, message, _, _ = document(con, "export.zip")
    assert (status, n_trials) == ("REJECTED", 0)
    assert "damaged or incomplete" in message


def test_truncated_json_array_keeps_the_records_before_the_break(tmp_path: Path, con) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    text = json.dumps([study(n) for n in range(1, 6)])
    (raw / "ctg-studies.json").write_text(text[: len(text) - 200], encoding="utf-8")
    run(con, raw)
    assert [row[0] for row in trials(con)] == [f"NCT{n:08d}" for n in range(1, 5)]
    status, n_trials, _, _, _ = document(con, "ctg-studies.json")
    assert (status, n_trials) == ("PARTIAL", 4)
    broken = members(con)["[4]"]
    assert broken[0] == "REJECTED" and "breaks off" in broken[1]


def test_corrupt_member_in_the_middle_is_rejected_the_others_load(tmp_path: Path, con) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    content = {f"NCT{n:08d}.json": study(n) for n in range(1, 8)}
    content["NCT00000004.json"] = b'{"protocolSection": {"identificationModule": '  # cut short
    content["readme.txt"] = b"not a record"
    write_zip(raw / "export.zip", content)
    # and one member whose compressed bytes are damaged on disk (bad CRC / deflate error)
    with zipfile.ZipFile(raw / "export.zip") as archive:
        info = archive.getinfo("NCT00000006.json")
    data = bytearray((raw / "export.zip").read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 10, start + 40):
        data[offset] ^= 0xFF
    (raw / "export.zip").write_bytes(bytes(data))

    run(con, raw)
    assert [row[0] for row in trials(con)] == [
        "NCT00000001",
        "NCT00000002",
        "NCT00000003",
        "NCT00000005",
        "NCT00000007",
    ]
    rows = members(con)
    assert len(rows) == 8  # every member accounted for
    assert rows["NCT00000004.json"][0] == "REJECTED" and "not valid JSON" in rows["NCT00000004.json"][1]
    assert rows["NCT00000006.json"][0] == "REJECTED" and "unreadable zip member" in rows["NCT00000006.json"][1]
    assert rows["readme.txt"][0] == "REJECTED" and "not a .json record" in rows["readme.txt"][1]
    status, n_trials, message, _, _ = document(con, "export.zip")
    assert (status, n_trials) == ("PARTIAL", 5)
    assert "3 REJECTED" in message and "NCT00000004.json" in message
    assert_record_index_consistent(con)


def test_xml_zip_is_read_member_by_member(tmp_path: Path, con) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    single = (FIXTURES / "legacy_single.xml").read_bytes()
    nct = single.split(b"<nct_id>")[1].split(b"</nct_id>")[0]
    content = {f"NCT0900xxxx/NCT0900{n:04d}.xml": single.replace(nct, f"NCT0900{n:04d}".encode()) for n in range(1, 8)}
    content["NCT0900xxxx/NCT09000004.xml"] = b"<clinical_study><id_info>"
    write_zip(raw / "AllPublicXML.zip", content)
    plan = run(con, raw)
    assert [(bulk.family, bulk.layout) for bulk in plan.bulk] == [("ctgov_xml", "zip")]
    assert len(trials(con)) == 6
    assert members(con)["NCT0900xxxx/NCT09000004.xml"][0] == "REJECTED"
    assert_record_index_consistent(con)


def test_new_export_reparses_only_changed_members_and_removes_gone_ones(tmp_path: Path, con) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    export = raw / "ctg-studies.json.zip"
    first = {f"NCT{n:08d}.json": study(n) for n in range(1, 13)}
    write_zip(export, first)
    run(con, raw)
    before = members(con)

    second = dict(first)
    second["NCT00000003.json"] = study(3, "A changed title")
    del second["NCT00000007.json"]  # withdrawn from the export
    second["NCT00000099.json"] = study(99)  # new study
    write_zip(export, second)
    plan = run(con, raw)
    (bulk,) = plan.bulk
    assert bulk.incremental
    assert sorted(name for _, _, name in bulk.changed) == ["NCT00000003.json", "NCT00000099.json"]
    assert len(bulk.removed_ordinals) == 2  # the changed member's old rows and the withdrawn one

    after = members(con)
    assert set(after) == set(second)
    reparsed = {name for name, row in after.items() if before.get(name) != row}
    assert reparsed == {"NCT00000003.json", "NCT00000099.json"}
    expected = sorted((f"NCT{n:08d}", f"Study number {n}") for n in [*range(1, 13), 99] if n != 7)
    expected[2] = ("NCT00000003", "A changed title")
    assert trials(con) == expected
    # child rows went and came with their trials: none left behind, none missing
    per_study = len(study(1)["protocolSection"]["armsInterventionsModule"]["armGroups"])
    assert con.execute("select count(*) from raw.arms").fetchall() == [(len(expected) * per_study,)]
    assert con.execute(
        "select count(*) from raw.arms a anti join raw.trials t using (source_file, record_index)"
    ).fetchall() == [(0,)]
    assert document(con, "ctg-studies.json.zip")[:2] == ("PARSED", 12)
    assert document(con, "ctg-studies.json.zip")[3] == known_documents(con)["ctg-studies.json.zip"]
    assert_record_index_consistent(con)

    # the same file again: nothing to parse
    again = run(con, raw)
    assert again.to_parse == () and again.bulk == ()
    assert members(con) == after

    # the whole file gone: its members and trials go with it
    export.unlink()
    run(con, raw)
    assert trials(con) == [] and members(con) == {}
