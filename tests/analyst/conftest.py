"""Fixtures for the analyst-facing tests (queries, export, portable copy, dashboard).

`warehouse` is the one seam: by default it builds a small contract-shaped warehouse
from the five seed trials; set TRIALMART_TEST_WAREHOUSE=<path to a published
warehouse.duckdb> to run the same tests against a warehouse built by the real
pipeline. Tests only ever open it read-only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixture_warehouse import build_fixture_warehouse  # noqa: E402

SEED_NCT_IDS = ("NCT06949241", "NCT05789017", "NCT04127747", "NCT06663943", "NCT04743739")


@pytest.fixture(scope="session")
def repository_root() -> Path:
    return REPOSITORY_ROOT


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of a published warehouse (DuckDB file with schema marts), opened read-only by tests."""
    given = os.environ.get("TRIALMART_TEST_WAREHOUSE")
    if given:
        path = Path(given).resolve()
        if not path.is_file():
            pytest.fail(f"TRIALMART_TEST_WAREHOUSE={given} does not exist")
        return path
    return build_fixture_warehouse(tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives headless Chromium against the dashboard")
