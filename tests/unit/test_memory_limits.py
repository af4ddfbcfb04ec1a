"""Memory settings as DuckDB reads them, and the validation connection's lower cap."""

from __future__ import annotations

import duckdb
import pytest

from trialmart.publish_format import limit_memory, lower_memory_limit, memory_bytes


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("512MB", 512 * 10**6), ("1GB", 10**9), ("1 GiB", 2**30), ("256mib", 256 * 2**20), ("1.5GB", 15 * 10**8)],
)
def test_memory_settings_read_as_duckdb_reads_them(setting, expected):
    assert memory_bytes(setting) == expected
    con = duckdb.connect()
    limit_memory(con, setting)
    [(limit,)] = con.execute("select current_setting('memory_limit')").fetchall()
    assert memory_bytes(limit.replace(" ", "")) == pytest.approx(expected, rel=0.1)  # shown as "488.2 MiB", "1.3 GiB"


def test_the_lower_limit_wins_and_an_unreadable_one_is_kept():
    assert lower_memory_limit("512MB", "256MB") == "256MB"
    assert lower_memory_limit("128MB", "256MB") == "128MB"
    assert lower_memory_limit("2GB", "256MB") == "256MB"
    assert lower_memory_limit(None, "256MB") == "256MB"
    assert lower_memory_limit("80%", "256MB") == "80%"
    assert memory_bytes("lots") is None


def test_the_dbt_build_gets_more_memory_only_for_a_large_trial_history(tmp_path, monkeypatch):
    from trialmart import transform
    from trialmart.settings import Settings

    monkeypatch.delenv("TRIALMART_DBT_MEMORY_LIMIT", raising=False)
    monkeypatch.setattr(transform, "HISTORY_TRIALS_FOR_MORE_MEMORY", 3)
    settings = Settings(warehouse=tmp_path / "w.duckdb")
    assert transform.dbt_memory_limit(settings) == "512MB"  # no work database yet
    settings.resolved_work_dir.mkdir(parents=True)
    con = duckdb.connect(str(settings.work_database))
    con.execute("create schema raw; create table raw.trials as select range as record_index from range(4)")
    con.close()
    assert transform.dbt_memory_limit(settings) == "1GB"  # history of more trials than the threshold
    assert transform.dbt_memory_limit(settings.model_copy(update={"history": False})) == "512MB"
    monkeypatch.setenv("TRIALMART_DBT_MEMORY_LIMIT", "448MB")
    assert transform.dbt_memory_limit(settings) == "448MB"  # the operator's setting wins
