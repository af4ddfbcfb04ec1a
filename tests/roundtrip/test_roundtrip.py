"""Round trip: real studies printed in each page layout must read back as the page states them.

Parser level (fast): the default varied sample of `roundtrip_corpus.studies()` printed by
`print_<layout>.py`, read by trialmart's own detection and parser, compared value by value.
Marts level (slow): the same pages through `trialmart run` (Prefect, dbt, GX), compared with
what the marts hold. Target for both: per layout and field at least 99.5% of stated values
agree, and no invented value. `benchmarks/roundtrip_report.py` prints the full table.
"""

from __future__ import annotations

import pytest
import roundtrip_corpus as corpus
from roundtrip_compare import Tally, compare
from roundtrip_run import LAYOUTS, printer, roundtrip

TARGET = 0.995
# Fields still below the target on the default sample, measured at the commit that added this
# suite: (agreement floor, invented values allowed). A change may only raise them; a field not
# listed must reach TARGET with no invented value. Why each is below is in the layout's module:
# - mirror interventions/groups: a page often allows several readings of where labels, names
#   and descriptions end; only what every reading agrees on is read (NULL + issue for the rest).
#   benchmarks/mirror_ambiguity.py: of 700 such pages 274 allow one reading; the parser reads
#   within 1 point of what the layout determines at all (results/mirror_ambiguity.md);
# - mirror ages: a lone age line is read as the bound the registry gives lone ages of its size
#   (under 60 years a minimum, 80 and over a maximum); at 60-79 years it gives either, so the
#   line is not read (NULL + parse issue): those minimums and maximums are missing, none invented;
# - mirror time_perspective: a lone OTHER fits two fields (observational model too): NULL;
# - bulleted arms/outcome tables are flattened into one line per row without separators: only
#   rows whose cell boundaries are evidenced (a recognised time frame, a name seen elsewhere)
#   are kept, later rows are left out with a parse issue;
# - bulleted criteria: source items that themselves hold " 3. ..." cannot be told from the
#   numbering; where a second numbering runs into the outer one, splitting stops (parse issue).
KNOWN_GAPS: dict[tuple[str, str], tuple[float, int]] = {
    ("ctgov_mirror", "arms.description"): (0.795, 0),
    # the marts link an arm only to interventions read (one name on the sample is not): 66.4%
    ("ctgov_mirror", "arms.intervention_names"): (0.664, 0),
    ("ctgov_mirror", "arms.label"): (0.854, 0),
    ("ctgov_mirror", "interventions.description"): (0.644, 0),
    ("ctgov_mirror", "interventions.name"): (0.798, 0),
    ("ctgov_mirror", "maximum_age_raw"): (0.987, 0),
    ("ctgov_mirror", "maximum_age_years"): (0.987, 0),
    ("ctgov_mirror", "minimum_age_raw"): (0.985, 0),
    ("ctgov_mirror", "minimum_age_years"): (0.985, 0),
    ("ctgov_mirror", "time_perspective"): (0.983, 0),
    ("bulleted_registry", "arms.description"): (0.048, 0),
    ("bulleted_registry", "arms.intervention_names"): (0.051, 1),
    ("bulleted_registry", "arms.label"): (0.126, 0),
    ("bulleted_registry", "criteria.criterion_type"): (0.9997, 1),
    ("bulleted_registry", "criteria.text"): (0.996, 1),
    ("bulleted_registry", "interventions.name"): (0.064, 0),
    ("bulleted_registry", "outcomes.description"): (0.245, 0),
    ("bulleted_registry", "outcomes.measure"): (0.255, 0),
    ("bulleted_registry", "outcomes.outcome_type"): (0.255, 0),
    ("bulleted_registry", "outcomes.time_frame"): (0.262, 0),
}

pytestmark = pytest.mark.skipif(not corpus.available(), reason=f"no real data at {corpus.REALDATA}")


def regressions(layout: str, tally: Tally) -> list[str]:
    """Fields below the target (or with invented values) beyond what KNOWN_GAPS allows."""
    bad = []
    for field in tally.below(TARGET):
        floor, invented = KNOWN_GAPS.get((layout, field), (TARGET, 0))
        rate = tally.rate(field)
        if (rate is not None and rate < floor - 1e-9) or tally.counts[field]["invented"] > invented:
            bad.append(tally.describe(field))
    return bad


@pytest.fixture(scope="module")
def studies() -> list[corpus.Study]:
    return corpus.studies()


def test_the_sample_holds_every_class_of_study(studies) -> None:
    counts = corpus.class_counts(studies)
    assert len(studies) >= corpus.DEFAULT_SAMPLE
    assert all(count >= 10 for count in counts.values()), counts


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_has_a_printer(layout) -> None:
    assert printer(layout) is not None, f"tests/roundtrip/print_{layout}.py is missing"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_parser_reads_what_the_page_states(layout, studies, tmp_path) -> None:
    tally, _ = roundtrip(layout, studies, tmp_path)
    assert tally.pages == len(studies)
    bad = regressions(layout, tally)
    assert not bad, f"{layout}: below {TARGET:.1%} or invented:\n" + "\n".join(bad)


@pytest.mark.slow
def test_marts_state_what_the_pages_state(studies, tmp_path) -> None:
    from roundtrip_marts import layout_id, marts_stated, trials_from_warehouse, write_pages

    from tests.pipeline_runner import run_pipeline

    stated = write_pages(studies, tmp_path / "raw")
    assert len(stated) == len(studies) * len(LAYOUTS)
    run = run_pipeline(tmp_path / "raw", tmp_path / "out")
    assert run.returncode == 0, run.output[-4000:]
    statuses = dict(run.query("select parse_status, count(*) from marts.source_documents group by 1"))
    assert statuses.get("REJECTED", 0) == 0, statuses
    assert sum(statuses.values()) == len(stated)
    marts, scalar = trials_from_warehouse(run.warehouse)
    for layout in LAYOUTS:
        tally = Tally()
        for study in studies:
            want = marts_stated(stated[layout_id(study.nct_id, layout)].stated, scalar)
            tally.add(compare(want, marts.get(want.nct_id), ordered=False))
        bad = regressions(layout, tally)
        assert not bad, f"{layout} marts: below {TARGET:.1%} or invented:\n" + "\n".join(bad)
