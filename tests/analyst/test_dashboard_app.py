"""The dashboard script renders without a browser (Streamlit's AppTest), also on edge cases."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixture_warehouse import MARTS_DDL

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


def run_app(monkeypatch: pytest.MonkeyPatch, warehouse: Path) -> AppTest:
    monkeypatch.setenv("TRIALMART_WAREHOUSE", str(warehouse))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def test_seed_warehouse_renders_counts_and_drill_down(monkeypatch: pytest.MonkeyPatch, warehouse: Path) -> None:
    app = run_app(monkeypatch, warehouse)
    metrics = {metric.label: metric.value for metric in app.metric}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert metrics["Trials"] == str(con.execute("select count(*) from marts.trials").fetchone()[0])  # type: ignore[index]
    finally:
        con.close()
    assert [header.value for header in app.header][-1] == "Trial drill-down"
    assert app.selectbox[0].value == app.selectbox[0].options[0]
    assert len(app.table) >= 2  # facts plus at least one of arms/interventions/outcomes/criteria


def test_empty_warehouse_renders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(empty))
    con.execute(MARTS_DDL)
    con.close()
    app = run_app(monkeypatch, empty)
    assert {metric.label: metric.value for metric in app.metric}["Trials"] == "0"
    assert any("no trials" in info.value for info in app.info)


def test_missing_warehouse_says_how_to_build_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRIALMART_WAREHOUSE", str(tmp_path / "absent.duckdb"))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert app.error and "trialmart run" in app.error[0].value
