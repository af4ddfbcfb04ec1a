"""trialmart dashboard: what is in the published warehouse, and how good it is.

Run:  TRIALMART_WAREHOUSE=data/warehouse.duckdb streamlit run dashboard/app.py
The warehouse is opened read-only, freshly on every page load, and closed before the
page renders (see warehouse_data.py), so the dashboard never holds up a pipeline run.
Open a trial directly with ?nct_id=NCT05789017.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
from warehouse_data import (
    NOT_STATED,
    Overview,
    load_overview,
    load_recent_changes,
    load_trial,
    load_trial_changes,
    warehouse_path,
)

ACCENT = "#2E6F9E"
NOT_STATED_COLOR = "#B8C2CC"
PARSE_STATUS_COLORS = {"PARSED": "#3C9D5D", "PARTIAL": "#E0A526", "REJECTED": "#C8553D"}
SEVERITY_COLORS = {"CRITICAL": "#C8553D", "WARNING": "#E0A526"}
CHANGE_TYPE_COLORS = {
    "ADDED": "#3C9D5D",
    "RETURNED": "#7FB77E",
    "CHANGED": "#2E6F9E",
    "ROW_ADDED": "#8FB8DE",
    "ROW_REMOVED": "#E0A526",
    "REMOVED": "#C8553D",
}

st.set_page_config(page_title="trialmart", page_icon="🧪", layout="wide")


def age_in_words(moment: datetime) -> str:
    seconds = (datetime.now(tz=UTC) - moment).total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def count_chart(frame: pd.DataFrame, title: str) -> alt.LayerChart:
    """Horizontal bars of trials per value, '(not stated)' greyed so missing data reads as such."""
    base = alt.Chart(frame, title=title).encode(
        # the frame arrives sorted (most trials first); keep that order
        y=alt.Y("value:N", sort=None, title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("trials:Q", title="trials", axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=["value:N", "trials:Q"],
    )
    bars = base.mark_bar(cornerRadiusEnd=3).encode(
        color=alt.condition(alt.datum.value == NOT_STATED, alt.value(NOT_STATED_COLOR), alt.value(ACCENT))
    )
    labels = base.mark_text(align="left", dx=4, color="#333").encode(text="trials:Q")
    return (bars + labels).properties(height=alt.Step(26))


def show(chart: alt.TopLevelMixin) -> None:
    st.altair_chart(chart, width="stretch")


def render_header(overview: Overview, path_text: str) -> None:
    st.title("trialmart · clinical trials warehouse")
    loaded = f" · documents loaded {overview.last_loaded_at:%Y-%m-%d %H:%M}" if overview.last_loaded_at else ""
    st.caption(
        f"Warehouse `{path_text}` · last published "
        f"**{overview.published_at:%Y-%m-%d %H:%M} UTC** ({age_in_words(overview.published_at)}){loaded}"
    )
    counts = overview.counts
    columns = st.columns(5)
    columns[0].metric("Trials", counts["trials"], border=True)
    columns[1].metric("Source documents", counts["documents"], border=True)
    columns[2].metric("Rejected documents", counts["rejected_documents"], border=True)
    columns[3].metric("Conditions", counts["conditions"], border=True)
    columns[4].metric("Countries", counts["countries"], border=True)


def render_trial_counts(overview: Overview) -> None:
    st.header("Trials")
    left, middle, right = st.columns(3)
    with left:
        show(count_chart(overview.by_status, "by overall status"))
    with middle:
        show(count_chart(overview.by_phase, "by phase"))
    with right:
        show(count_chart(overview.by_study_type, "by study type"))
    left, right = st.columns(2)
    with left:
        show(count_chart(overview.by_sponsor, "by lead sponsor (top 15)"))
    with right:
        show(count_chart(overview.by_country, "by country of a site (top 15)"))


def render_enrollment_and_structure(overview: Overview) -> None:
    left, right = st.columns(2)
    with left:
        st.subheader("Enrollment")
        if overview.enrollment.empty:
            st.info("No trial states its enrollment.")
        else:
            show(
                alt.Chart(overview.enrollment, title="participants per trial")
                .mark_bar(color=ACCENT, cornerRadiusTopLeft=3, cornerRadiusTopRight=3)
                .encode(
                    x=alt.X("enrollment:Q", bin=alt.Bin(maxbins=20), title="participants"),
                    y=alt.Y("count():Q", title="trials", axis=alt.Axis(tickMinStep=1, format="d")),
                    tooltip=[alt.Tooltip("count():Q", title="trials")],
                )
                .properties(height=260)
            )
    with right:
        st.subheader("Criteria and arms per trial")
        frame = overview.criteria_and_arms
        if frame.empty:
            st.info("The warehouse holds no trials.")
            return
        measures = ["inclusion criteria", "exclusion criteria", "arms", "interventions"]
        base = alt.Chart(frame, title="rows per trial (trials with the most criteria first)").encode(
            y=alt.Y("nct_id:N", title=None, sort=None),
            x=alt.X("measure:N", title=None, sort=measures, axis=alt.Axis(orient="top", labelAngle=0)),
            tooltip=["nct_id:N", "measure:N", "n:Q"],
        )
        cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
            color=alt.Color("n:Q", title=None, scale=alt.Scale(scheme="blues"), legend=None)
        )
        numbers = base.mark_text(fontSize=13).encode(
            text="n:Q",
            color=alt.condition(alt.datum.n > frame["n"].max() / 2, alt.value("white"), alt.value("#333")),
        )
        show((cells + numbers).properties(height=alt.Step(30)))


def render_documents(overview: Overview) -> None:
    st.header("Source documents")
    show(
        alt.Chart(overview.documents, title="documents by layout and parse status")
        .mark_bar()
        .encode(
            y=alt.Y("layout:N", title=None, sort="-x"),
            x=alt.X("sum(documents):Q", title="documents", axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color(
                "parse_status:N",
                title="parse status",
                scale=alt.Scale(domain=list(PARSE_STATUS_COLORS), range=list(PARSE_STATUS_COLORS.values())),
            ),
            tooltip=["layout:N", "parse_status:N", "documents:Q"],
        )
        .properties(height=alt.Step(30))
    )


def render_data_quality(overview: Overview) -> None:
    st.header("Data quality")
    if overview.dq_runs.empty:
        st.info("No validation run recorded yet.")
        return
    left, right = st.columns([3, 2])
    with left:
        show(
            alt.Chart(overview.dq_runs, title="failed expectations per run")
            .mark_bar()
            .encode(
                x=alt.X("run_id:N", title="run", sort=alt.SortField("run_at"), axis=alt.Axis(labelAngle=0)),
                y=alt.Y("failed:Q", title="failed expectations", axis=alt.Axis(tickMinStep=1, format="d")),
                xOffset="severity:N",
                color=alt.Color(
                    "severity:N",
                    scale=alt.Scale(domain=list(SEVERITY_COLORS), range=list(SEVERITY_COLORS.values())),
                ),
                tooltip=["run_id:N", "run_at:T", "severity:N", "expectations:Q", "failed:Q"],
            )
            .properties(height=240)
        )
    with right:
        st.markdown("**Failures in the latest run**")
        if overview.dq_latest_failures.empty:
            st.success("All expectations passed in the latest run.")
        else:
            # what failed first; checkpoint and suite are there to scroll to
            st.dataframe(
                overview.dq_latest_failures,
                hide_index=True,
                column_order=[
                    "severity",
                    "table_name",
                    "column_name",
                    "expectation",
                    "unexpected_count",
                    "observed_value",
                    "checkpoint",
                    "suite",
                ],
            )


def render_recent_changes(path: Path) -> None:
    st.header("Recent changes")
    recent = load_recent_changes(path)
    if not recent.available:
        st.info("This warehouse keeps no trial history yet (published before history was recorded).")
        return
    if recent.latest.empty:
        st.info("No changes recorded yet.")
        return
    st.caption(
        f"{recent.trials_changed} trial(s) changed, were removed or came back after their first run; "
        f"{recent.runs_with_changes} run(s) recorded changes. changed_at is the official record's "
        "last-update date when it states one, else the run's time."
    )
    left, _ = st.columns([1, 1])
    with left:
        show(
            alt.Chart(recent.per_run, title="changes per run")
            .mark_bar()
            .encode(
                x=alt.X("run_id:N", title="run", sort=alt.SortField("detected_at"), axis=alt.Axis(labelAngle=0)),
                y=alt.Y("sum(changes):Q", title="changes", axis=alt.Axis(tickMinStep=1, format="d")),
                color=alt.Color(
                    "change_type:N",
                    title="change",
                    scale=alt.Scale(domain=list(CHANGE_TYPE_COLORS), range=list(CHANGE_TYPE_COLORS.values())),
                ),
                tooltip=["run_id:N", "detected_at:T", "change_type:N", "changes:Q"],
            )
            .properties(height=260)
        )
    st.markdown(f"**Latest changes** ({len(recent.latest)} newest)")
    frame = recent.latest.copy()
    frame["detected_at"] = frame["detected_at"].dt.strftime("%Y-%m-%d %H:%M")
    frame["changed_at"] = frame["changed_at"].dt.strftime("%Y-%m-%d %H:%M")
    st.table(frame, hide_index=True)


def render_trial_drill_down(overview: Overview, path: Path) -> None:
    st.header("Trial drill-down")
    if not overview.nct_ids:
        st.info("The warehouse holds no trials.")
        return
    requested = st.query_params.get("nct_id")
    index = overview.nct_ids.index(requested) if requested in overview.nct_ids else 0
    nct_id = st.selectbox("Trial (NCT id)", overview.nct_ids, index=index)
    detail = load_trial(path, nct_id)
    if detail is None:  # published anew between the two reads
        st.warning(f"{nct_id} is no longer in the warehouse; reload the page.")
        return
    st.subheader(detail.brief_title)
    st.caption("Conditions: " + (", ".join(detail.conditions) if detail.conditions else NOT_STATED))
    facts, tables = st.columns([1, 2])
    with facts:
        st.table(detail.facts, hide_index=True, hide_header=True)
    with tables:
        for title, frame in (
            ("Arms", detail.arms),
            ("Interventions", detail.interventions),
            ("Outcomes", detail.outcomes),
            ("Eligibility criteria", detail.criteria),
        ):
            st.markdown(f"**{title}** ({len(frame)})")
            if frame.empty:
                st.caption("none stated on the page")
            else:
                st.table(frame.fillna("—"), hide_index=True)
        changes = load_trial_changes(path, nct_id)
        if not changes.empty:
            st.markdown(f"**History** ({len(changes)} changes across runs)")
            st.table(changes.fillna("—"), hide_index=True)


def main() -> None:
    path = warehouse_path()
    if not path.is_file():
        st.error(
            f"No warehouse at `{path}`. Build it with `trialmart run`, or point "
            "TRIALMART_WAREHOUSE at a published warehouse.duckdb."
        )
        st.stop()
    overview = load_overview(path)
    render_header(overview, str(path))
    render_trial_counts(overview)
    render_enrollment_and_structure(overview)
    render_documents(overview)
    render_data_quality(overview)
    render_recent_changes(path)
    render_trial_drill_down(overview, path)


main()
