"""The round trip through the whole pipeline: printed pages -> `trialmart run` -> marts.

Every study is printed once per layout into one raw folder. The marts hold one row per
NCT id, so each layout's copy gets its own id: the first digit of the 8 is replaced by the
layout's digit (NCT06600893 -> NCT56600893 in the first layout, NCT66600893 in the second,
...); real ids start with 0, so no copy collides with a real record or with another copy.
The page states the new id, and the stated record carries it.

`trials_from_warehouse` reads the marts back into `Trial` records (children in the marts'
ordinal order; tables without an ordinal are compared unordered), and `marts_stated`
keeps of a stated record only what the marts can hold (no *_precision / *_raw columns).
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import duckdb
from roundtrip_corpus import Printed, Study
from roundtrip_run import LAYOUTS, page_name, printer

from trialmart.records import (
    Arm,
    Contact,
    Criterion,
    Identifier,
    Intervention,
    Location,
    Outcome,
    RelatedTrial,
    Sponsor,
    Trial,
)

TYPE_RANK = {"PRIMARY": 0, "SECONDARY": 1, "OTHER": 2, "INCLUSION": 0, "EXCLUSION": 1}


def layout_id(nct_id: str, layout: str) -> str:
    digit = str(5 + LAYOUTS.index(layout))
    return f"NCT{digit}{nct_id[4:]}"


def relabel(study: Study, nct_id: str) -> Study:
    raw = copy.deepcopy(study.raw)
    raw.setdefault("protocolSection", {}).setdefault("identificationModule", {})["nctId"] = nct_id
    return Study(raw, dataclasses.replace(study.trial, nct_id=nct_id))


def write_pages(studies: list[Study], raw_dir: Path, layouts: tuple[str, ...] = LAYOUTS) -> dict[str, Printed]:
    """Print every study in every layout into raw_dir; the stated record of each page by NCT id."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    stated: dict[str, Printed] = {}
    for layout in layouts:
        module = printer(layout)
        if module is None:
            continue
        for study in studies:
            copy_ = relabel(study, layout_id(study.nct_id, layout))
            printed = module.print_page(copy_)
            (raw_dir / page_name(layout, copy_, printed)).write_text(printed.text, encoding="utf-8")
            stated[copy_.nct_id] = printed
    return stated


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?", [table]
    ).fetchall()
    return {row[0] for row in rows}


def _grouped(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, list[tuple]]:
    grouped: dict[str, list[tuple]] = {}
    for row in con.execute(sql).fetchall():
        grouped.setdefault(row[0], []).append(row[1:])
    return grouped


def trials_from_warehouse(warehouse: Path) -> tuple[dict[str, Trial], set[str]]:
    """Every trial in the marts as a Trial, and the Trial fields marts.trials holds."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        scalar = [f.name for f in dataclasses.fields(Trial) if f.name in _columns(con, "trials") and f.name != "nct_id"]
        rows = con.execute(f"select nct_id, {', '.join(scalar)} from marts.trials").fetchall()
        arm_drugs = _grouped(
            con,
            """select a.arm_id, i.name from marts.arm_interventions ai
               join marts.arms a using (arm_id) join marts.interventions i using (intervention_id)
               order by a.arm_id, i.intervention_ordinal""",
        )
        arms = _grouped(
            con, "select nct_id, arm_id, label, arm_type, description from marts.arms order by nct_id, arm_ordinal"
        )
        interventions = _grouped(
            con,
            """select nct_id, name, intervention_type, description from marts.interventions
               order by nct_id, intervention_ordinal""",
        )
        outcomes = _grouped(
            con,
            """select nct_id, outcome_type, measure, time_frame, description from marts.outcomes
               order by nct_id, case outcome_type when 'PRIMARY' then 0 when 'SECONDARY' then 1 else 2 end,
                        outcome_ordinal""",
        )
        criteria = _grouped(
            con,
            """select nct_id, criterion_type, criterion_text from marts.eligibility_criteria
               order by nct_id, case criterion_type when 'INCLUSION' then 0 else 1 end, criterion_ordinal""",
        )
        conditions = _grouped(con, "select nct_id, condition from marts.conditions")
        sponsors = _grouped(con, "select nct_id, sponsor_name, sponsor_role, agency_class from marts.sponsors")
        locations = _grouped(con, "select nct_id, facility, city, state, country from marts.locations")
        identifiers = _grouped(con, "select nct_id, identifier, identifier_type from marts.identifiers")
        contacts = _grouped(con, "select nct_id, name, role, detail from marts.contacts")
        related = _grouped(con, "select nct_id, related_nct_id, related_title from marts.related_trials")
    finally:
        con.close()
    trials: dict[str, Trial] = {}
    for row in rows:
        nct_id = row[0]
        trials[nct_id] = Trial(
            nct_id=nct_id,
            **dict(zip(scalar, row[1:], strict=True)),
            arms=tuple(
                Arm(label, arm_type, description, tuple(sorted({name for (name,) in arm_drugs.get(arm_id, [])})))
                for arm_id, label, arm_type, description in arms.get(nct_id, [])
            ),
            interventions=tuple(Intervention(*values) for values in interventions.get(nct_id, [])),
            outcomes=tuple(Outcome(*values) for values in outcomes.get(nct_id, [])),
            criteria=tuple(Criterion(*values) for values in criteria.get(nct_id, [])),
            conditions=tuple(value for (value,) in conditions.get(nct_id, [])),
            sponsors=tuple(Sponsor(*values) for values in sponsors.get(nct_id, [])),
            locations=tuple(Location(*values) for values in locations.get(nct_id, [])),
            identifiers=tuple(Identifier(*values) for values in identifiers.get(nct_id, [])),
            contacts=tuple(Contact(*values) for values in contacts.get(nct_id, [])),
            related_trials=tuple(RelatedTrial(*values) for values in related.get(nct_id, [])),
        )
    return trials, set(scalar) | {"nct_id"}


def marts_stated(stated: Trial, scalar_fields: set[str]) -> Trial:
    """What the marts can hold of a stated record: scalar columns they have, children in their order."""
    kept = {
        f.name: getattr(stated, f.name)
        for f in dataclasses.fields(Trial)
        if f.name in scalar_fields or isinstance(getattr(stated, f.name), tuple)
    }
    kept["issues"] = ()
    # marts.arm_interventions is a set of links: compare each arm's names as a sorted set
    kept["arms"] = tuple(
        dataclasses.replace(arm, intervention_names=tuple(sorted(set(arm.intervention_names)))) for arm in stated.arms
    )
    kept["outcomes"] = tuple(sorted(stated.outcomes, key=lambda o: TYPE_RANK.get(o.outcome_type, 9)))
    kept["criteria"] = tuple(sorted(stated.criteria, key=lambda c: TYPE_RANK.get(c.criterion_type, 9)))
    return Trial(**kept)
