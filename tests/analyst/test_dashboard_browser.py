"""End to end: the Streamlit dashboard, served on loopback, read by headless Debian Chromium.

Uses the system browser only (/usr/bin/chromium from Debian's `chromium` package), never a
browser downloaded by Playwright. Skipped when Chromium is absent on a developer machine;
in CI (env CI set) its absence is a failure.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DRILL_DOWN_TRIAL = "NCT05789017"  # seed 001: two arms, three interventions, outcomes, criteria
STARTUP_DEADLINE_SECONDS = 90  # a readiness limit, not a timing assertion

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} not found: apt-get install -y chromium chromium-driver"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and anything it started (it leads its own process group)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


@pytest.fixture()
def dashboard_url(warehouse: Path, repository_root: Path, tmp_path: Path) -> Iterator[str]:
    _require_chromium()
    port = _free_loopback_port()
    log_path = tmp_path / "streamlit.log"
    environment = {
        **os.environ,
        "TRIALMART_WAREHOUSE": str(warehouse),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "HOME": str(tmp_path),  # no ~/.streamlit credentials prompt or state from the developer
    }
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(repository_root / "dashboard" / "app.py"),
        "--server.headless=true",
        "--server.address=127.0.0.1",
        f"--server.port={port}",
        "--browser.gatherUsageStats=false",
        "--server.fileWatcherType=none",
        "--theme.base=light",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=repository_root / "dashboard",
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
        health = f"http://127.0.0.1:{port}/_stcore/health"
        while True:
            if process.poll() is not None:
                pytest.fail(f"streamlit exited early:\n{log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(health, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not become healthy:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


def _expected(warehouse: Path) -> dict[str, object]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            "trials": con.execute("select count(*) from marts.trials").fetchone()[0],  # type: ignore[index]
            "status": con.execute(
                "select overall_status from marts.trials where nct_id = ?", [DRILL_DOWN_TRIAL]
            ).fetchone(),
            "arms": [
                r[0]
                for r in con.execute(
                    "select label from marts.arms where nct_id = ? order by arm_ordinal", [DRILL_DOWN_TRIAL]
                ).fetchall()
            ],
            "interventions": [
                r[0]
                for r in con.execute(
                    "select name from marts.interventions where nct_id = ?", [DRILL_DOWN_TRIAL]
                ).fetchall()
            ],
            # newest row of marts.trial_changes (None: no history marts, or no change yet)
            "latest_change": con.execute(
                "select nct_id, field_name from marts.trial_changes"
                " order by detected_at desc, nct_id, change_type, field_name, old_value, new_value limit 1"
            ).fetchone()
            if con.execute(
                "select count(*) from information_schema.tables"
                " where table_schema = 'marts' and table_name = 'trial_changes'"
            ).fetchone()[0]  # type: ignore[index]
            else None,
        }
    finally:
        con.close()


def test_dashboard_shows_counts_charts_and_a_trial(dashboard_url: str, warehouse: Path, repository_root: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    expected = _expected(warehouse)
    assert expected["status"] is not None, f"{DRILL_DOWN_TRIAL} is not in the warehouse under test"

    # Playwright gives the browser a fresh, empty profile directory of its own
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, device_scale_factor=1)
            page.goto(f"{dashboard_url}/?nct_id={DRILL_DOWN_TRIAL}", wait_until="domcontentloaded")

            drill_down = page.get_by_role("heading", name="Trial drill-down")
            expect(drill_down).to_be_visible(timeout=60_000)
            assert page.locator('[data-testid="stException"]').count() == 0, page.inner_text("body")

            trials_metric = page.locator('[data-testid="stMetric"]', has_text="Trials").first
            expect(trials_metric.locator('[data-testid="stMetricValue"]')).to_have_text(str(expected["trials"]))
            expect(page.get_by_text("last published")).to_be_visible()

            # the history section (issue #15): its heading, and the newest change row in its table
            expect(page.get_by_role("heading", name="Recent changes")).to_be_visible()
            if expected["latest_change"] is not None:
                latest_nct_id, latest_field = expected["latest_change"]  # type: ignore[misc]
                recent_table = page.locator('[data-testid="stTable"]', has_text=latest_field).first
                expect(recent_table).to_contain_text(latest_nct_id)

            # every overview chart drew (vega-embed renders into an svg or canvas); one more with history
            charts = page.locator('[data-testid="stVegaLiteChart"]')
            expect(charts).to_have_count(10 if expected["latest_change"] is not None else 9, timeout=30_000)
            for index in range(charts.count()):
                expect(charts.nth(index).locator("svg, canvas").first).to_be_attached(timeout=30_000)

            tables = page.locator('[data-testid="stTable"]')
            expect(tables.first).to_be_visible()
            body = page.inner_text("body")
            status = expected["status"][0]  # type: ignore[index]
            if status is not None:
                assert status in body
            for label in expected["arms"]:  # type: ignore[attr-defined]
                assert label in body, f"arm {label!r} missing from the drill-down"
            for name in expected["interventions"]:  # type: ignore[attr-defined]
                assert name in body, f"intervention {name!r} missing from the drill-down"

            # Streamlit scrolls inside its own container, so a "full page" screenshot shows only
            # the viewport: grow the viewport to the content's height instead.
            content_height = page.evaluate(
                """() => Math.max(document.body.scrollHeight, ...[...document.querySelectorAll('*')]
                    .filter(e => e.scrollHeight > e.clientHeight + 5 && getComputedStyle(e).overflowY !== 'visible')
                    .map(e => e.scrollHeight))"""
            )
            page.set_viewport_size({"width": 1440, "height": int(content_height) + 40})
            page.wait_for_timeout(1500)  # charts re-render at the new size; an image, not an assertion
            screenshot = page.screenshot(full_page=True)
            shots = [Path(tempfile.gettempdir()) / "trialmart-dashboard.png"]
            if os.environ.get("TRIALMART_UPDATE_SCREENSHOT") and not os.environ.get("TRIALMART_TEST_WAREHOUSE"):
                # the committed README picture is of the seed fixture warehouse, refreshed on request
                # (TRIALMART_UPDATE_SCREENSHOT=1) so that test runs leave the work tree clean
                shots.append(repository_root / "docs" / "img" / "dashboard.png")
            for shot in shots:
                shot.parent.mkdir(parents=True, exist_ok=True)
                shot.write_bytes(screenshot)
        finally:
            browser.close()
