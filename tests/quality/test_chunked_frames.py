"""Row-by-row frames are judged chunk by chunk (trialmart.quality): memory stays one chunk of
the frame at any registry size, and the outcome is the one judging the whole frame gives."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from trialmart import quality

SUITE = """
suite: chunking
frames:
  - name: rows
    table: t
    sql: select id, nct_id, status from t order by id
    example_columns: [id]
    expectations:
      - type: expect_column_values_to_not_be_null
        kwargs: {column: nct_id}
        severity: critical
      - type: expect_column_values_to_match_regex
        kwargs: {column: nct_id, regex: '^NCT\\d{8}$'}
        severity: critical
      - type: expect_column_values_to_be_in_set
        kwargs: {column: status, value_set: [OPEN, CLOSED]}
        severity: warning
  - name: mostly_rows
    table: t
    sql: select id, status from t order by id
    expectations:
      - type: expect_column_values_to_be_in_set
        kwargs: {column: status, value_set: [OPEN, CLOSED], mostly: 0.5}
        severity: warning
"""

ROWS = 5000  # three chunks of 2,048 rows


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        f"""
        create table t as
        select range as id,
               case when range in (7, 2100, 4999) then null
                    when range in (3, 2047, 2048, 4096, 4097, 4098) then 'NCT123'
                    else 'NCT' || lpad(range::varchar, 8, '0') end as nct_id,
               case when range % 1000 = 1 then 'OPNE' else 'OPEN' end as status
        from range({ROWS})
        """
    )
    return con


@pytest.fixture
def frames(tmp_path: Path) -> list[quality.FrameSpec]:
    path = tmp_path / "chunking.yml"
    path.write_text(SUITE, encoding="utf-8")
    return quality.load_suite(path)


def judge(con, frame, monkeypatch, *, chunked: bool) -> tuple[list[quality.ExpectationOutcome], int]:
    batches = []
    real = quality._judged_batch

    def counting(checkpoint, frame, kwargs_list, suites, data):
        batches.append(len(data))
        return real(checkpoint, frame, kwargs_list, suites, data)

    with monkeypatch.context() as patch:
        patch.setattr(quality, "_judged_batch", counting)
        patch.setattr(quality, "CHUNK_VECTORS", 1)
        if not chunked:
            patch.setattr(quality, "_ROW_BY_ROW", frozenset())
        outcomes = quality._run_frame("staging", frame, con, date(2026, 12, 1))
    return outcomes, len(batches)


def test_a_frame_larger_than_a_chunk_is_judged_in_chunks_as_if_whole(con, frames, monkeypatch):
    chunked, chunk_batches = judge(con, frames[0], monkeypatch, chunked=True)
    whole, whole_batches = judge(con, frames[0], monkeypatch, chunked=False)

    assert (chunk_batches, whole_batches) == (3, 1)
    assert chunked == whole
    by_type = {o.expectation.split(": ")[1]: o for o in chunked}
    not_null = by_type["expect_column_values_to_not_be_null"]
    assert (not_null.success, not_null.unexpected_count) == (False, 3)
    assert not_null.observed_value == f"3 of {ROWS} rows unexpected"
    assert [row["id"] for row in quality.json.loads(not_null.unexpected_examples)] == [7, 2100, 4999]
    regex = by_type["expect_column_values_to_match_regex"]
    assert regex.unexpected_count == 6  # nulls are not the regex's to judge
    assert [row["id"] for row in quality.json.loads(regex.unexpected_examples)] == [3, 2047, 2048, 4096, 4097]
    in_set = by_type["expect_column_values_to_be_in_set"]
    assert (in_set.success, in_set.unexpected_count, in_set.severity) == (False, 5, "warning")


def test_a_clean_frame_passes_in_every_chunk(con, frames, monkeypatch):
    con.execute("update t set nct_id = 'NCT' || lpad(id::varchar, 8, '0'), status = 'OPEN'")
    outcomes, batches = judge(con, frames[0], monkeypatch, chunked=True)
    assert batches == 3
    assert all(o.success and o.unexpected_count == 0 and o.unexpected_examples is None for o in outcomes)


def test_an_empty_frame_is_judged_once(con, frames, monkeypatch):
    con.execute("delete from t")
    outcomes, batches = judge(con, frames[0], monkeypatch, chunked=True)
    assert batches == 1
    assert [o.observed_value for o in outcomes] == ["0 of 0 rows unexpected"] * 3


def test_a_threshold_over_the_whole_frame_is_never_split(con, frames, monkeypatch):
    # `mostly` is a fraction of the whole frame: each chunk on its own could pass or fail differently
    assert not quality._row_by_row(frames[1])
    outcomes, batches = judge(con, frames[1], monkeypatch, chunked=True)
    assert batches == 1 and outcomes[0].success


def test_a_failing_query_is_a_finding(con, frames, monkeypatch):
    con.execute("drop table t")
    outcomes, _ = judge(con, frames[0], monkeypatch, chunked=True)
    assert all(not o.success and o.observed_value.startswith("error: SQL failed") for o in outcomes)
