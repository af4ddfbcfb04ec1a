"""The ClinicalTrials.gov mirror layout (seeds 000 and 003): headed blocks of unlabeled values.

The page is the title, "NCT ID: NCT########", "Last Updated: YYYY-MM-DD", then blocks each
opened by a fixed heading ("Basic Information", "Study Design", ...) and a fixed site sentence
describing the block (boilerplate, kept in `SECTIONS`). Values are printed without labels, in
API v2 codes, so each value is classified by what it is, not by where it stands:

* Basic Information: a status code, maybe a phase, "N participants", a study type and two
  dates. The page does not say which milestones the dates are; the first is read as the start
  date and the second as the (study) completion date, because those are the two milestones a
  "timeline" of start and end shows. The page never says "primary completion", so
  primary_completion_date stays NULL. A third date is not guessed at (ParseIssue).
* Study Results: "The study team has not published outcome measurements ..." is a statement
  about this trial (results are not posted), so has_results is False; any other text there is
  not interpreted (NULL + ParseIssue).
* Study Groups and Interventions: each group's label, description, then each intervention it
  receives printed again as in the Interventions list (name, then description), or "No
  interventions assigned to this group". Text does not say where a name or a description
  ends, so the two blocks are read together and only what every reading the page allows
  agrees on is kept (see `_groups_and_interventions`): NULL + ParseIssue for the rest.
* Eligibility Criteria: the inclusion / exclusion blocks (split by `trialmart.criteria`), then
  the minimum age, maximum age, sex code and healthy-volunteers answer, recognised by value.
* Countries lists the countries of the locations; there is no table for it, so it is not read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from trialmart import normalize
from trialmart.criteria import EXCLUSION, INCLUSION, heading_kind, split_criteria
from trialmart.documents import Document
from trialmart.records import (
    Arm,
    Contact,
    Criterion,
    Identifier,
    Intervention,
    Location,
    ParseIssue,
    RelatedTrial,
    Sponsor,
    Trial,
)
from trialmart.sources._base import (
    Section,
    SplitPage,
    cut_off,
    find_value,
    issue,
    paragraphs,
    split_place,
)

KINDS = ("text", "html")

# --- the layout as data -------------------------------------------------------------------

NCT_ID_LABEL = "NCT ID"
LAST_UPDATED_LABEL = "Last Updated"

SECTIONS: tuple[Section, ...] = (
    Section(
        "study_results",
        ("Study Results",),
        (
            "The study team has not published outcome measurements, participant flow, or safety data "
            "for this trial yet. Check back later for updates.",
        ),
    ),
    Section(
        "basic_information",
        ("Basic Information",),
        (
            "Get a concise snapshot of the trial, including recruitment status, study phase, enrollment "
            "targets, and key timeline milestones.",
        ),
    ),
    Section(
        "brief_summary",
        ("Brief Summary",),
        (
            "Review the sponsor-provided synopsis that highlights what the study is about and why it is "
            "being conducted.",
        ),
    ),
    Section(
        "related_trials",
        ("Related Clinical Trials",),
        ("Explore similar clinical trials based on study characteristics and research focus.",),
    ),
    Section(
        "detailed_description",
        ("Detailed Description",),
        (
            "Dive into the extended narrative that explains the scientific background, objectives, and "
            "procedures in greater depth.",
        ),
    ),
    Section(
        "conditions",
        ("Conditions",),
        ("See the medical conditions and disease areas that this research is targeting or investigating.",),
    ),
    Section(
        "study_design",
        ("Study Design",),
        (
            "Understand how the trial is structured, including allocation methods, masking strategies, "
            "primary purpose, and other design elements.",
        ),
    ),
    Section(
        "study_groups",
        ("Study Groups",),
        ("Review each arm or cohort in the study, along with the interventions and objectives associated with them.",),
    ),
    Section(
        "interventions",
        ("Interventions",),
        (
            "Learn about the drugs, procedures, or behavioral strategies being tested and how they are "
            "applied within this trial.",
        ),
    ),
    Section(
        "eligibility",
        ("Eligibility Criteria",),
        (
            "Check the participation requirements, including inclusion and exclusion rules, age limits, "
            "and whether healthy volunteers are accepted.",
        ),
    ),
    Section(
        "sponsors",
        ("Sponsors",),
        ("Meet the organizations funding or collaborating on the study and learn about their roles.",),
    ),
    Section(
        "responsible_party",
        ("Responsible Party",),
        (
            "Identify the individual or organization who holds primary responsibility for the study "
            "information submitted to regulators.",
        ),
    ),
    Section(
        "central_contacts",
        ("Central Contacts",),
        ("Reach out to these primary contacts for questions about participation or study logistics.",),
    ),
    Section(
        "locations",
        ("Locations",),
        ("Explore where the study is taking place and check the recruitment status at each participating site.",),
    ),
    Section(
        "countries",
        ("Countries",),
        ("Review the countries where the study has at least one active or historical site.",),
    ),
    Section(
        "other_identifiers",
        ("Other Identifiers",),
        ("Review additional registry numbers or institutional identifiers associated with this trial.",),
    ),
    Section(
        "more_related_trials",
        ("More Related Trials",),
        ("Additional clinical trials that may be relevant based on similarity analysis.",),
    ),
    # ASSUMPTION: the site prints every heading followed by its fixed sentence (both seeds do,
    # for every block). Blocks the seeds never show ("Outcome Measures", "Keywords", ...) have
    # no known sentence, so a bare line with such a wording is text of the block it is in,
    # never a heading: they are not listed here.
)
UNREAD_SECTIONS = ("countries",)
# Detection: the layout's id lines plus at least this many of its headings.
MIN_HEADINGS_FOR_DETECTION = 2

NO_RESULTS_STATEMENTS = SECTIONS[0].boilerplate
NO_INTERVENTIONS_FOR_GROUP = "No interventions assigned to this group"
# The block the site prints last on every page (both seeds, with its sentence); a page without
# it was cut off (`_base.cut_off`).
PAGE_ENDINGS = ("More Related Trials",)
SITE_TEXTS = (
    *(text for section in SECTIONS for text in (*section.headings, *section.boilerplate)),
    NO_INTERVENTIONS_FOR_GROUP,
)
# Longest intervention block (name + description paragraphs) considered, to keep the cut linear
# on long lists (the real data's longest description has far fewer paragraphs).
MAX_BLOCK_LINES = 40
IDENTIFIER_TYPE_LABEL = "Identifier Type"
IDENTIFIER_SOURCE_LABEL = "Identifier Source"
IDENTIFIER_SOURCES = {"org study id": "ORG_STUDY_ID", "secondary id": "SECONDARY_ID"}
NO_VALUE = ("-", "", "N/A")
# API v2 secondaryIdInfos.type codes the site prints after "Identifier Type:".
# Only the codes themselves: a display wording ("EudraCT Number") is not guessed at.
_SECONDARY_TYPES = frozenset(
    (
        "NIH",
        "FDA",
        "VA",
        "CDC",
        "AHRQ",
        "SAMHSA",
        "OTHER_GRANT",
        "EUDRACT_NUMBER",
        "CTIS",
        "REGISTRY",
        "OTHER",
        "NCT_ALIAS",
    )
)
# Status wordings that are statuses but map to no single code (kept raw, code NULL).
UNMAPPED_STATUS_WORDINGS = ("Not Recruiting", "Active", "Closed", "Open", "Ongoing")

_AGE_LINE = re.compile(r"^\d+(?:\.\d+)?\s*(?:years?|months?|weeks?|days?|hours?|minutes?)$", re.IGNORECASE)
# a phone line: digits with the separators registries use ("++972...", "03.83 ext +33")
_PHONE_OR_EMAIL = re.compile(r"@|^\+*[\d\s().\-+ext]{6,}$|^(?:phone|tel|email|e-mail)\b", re.IGNORECASE)

# A heading counts only when the next line is its fixed sentence (a summary may hold a line
# "Interventions:" or "Conditions"; that is text, not the start of a block).
_HEADINGS = {normalize.fold(heading): section for section in SECTIONS for heading in section.headings}
# a longer line is no heading (folding every line of a long page costs more than the rest of the cut)
_LONGEST_HEADING = 4 * max(len(heading) for section in SECTIONS for heading in section.headings)


def split_blocks(lines: Sequence[str]) -> SplitPage:
    """Cut the page at each heading line that the block's own sentence follows."""
    preamble: list[str] = []
    content: dict[str, list[str]] = {}
    present: list[str] = []
    current: list[str] = preamble
    skip = False
    for index, line in enumerate(lines):
        if skip:
            skip = False
            continue
        section = _HEADINGS.get(normalize.fold(line)) if len(line) <= _LONGEST_HEADING else None
        if (
            section is not None
            and index + 1 < len(lines)
            and normalize.fold(lines[index + 1]) in _SENTENCES[section.key]
        ):
            current = content.setdefault(section.key, [])
            present.append(section.key)
            skip = True
            continue
        current.append(line)
    return SplitPage(preamble, content, tuple(present))


_SENTENCES = {section.key: frozenset(normalize.fold(text) for text in section.boilerplate) for section in SECTIONS}

# --- detection ------------------------------------------------------------------------------


def _id_line(lines: Sequence[str], label: str) -> str | None:
    return find_value(lines[:10], label)


def detect(document: Document) -> bool:
    lines = document.lines
    nct = _id_line(lines, NCT_ID_LABEL)
    if not nct or not normalize.is_nct_id(nct) or _id_line(lines, LAST_UPDATED_LABEL) is None:
        return False
    page = split_blocks(lines)
    return "basic_information" in page.present and len(set(page.present)) >= MIN_HEADINGS_FOR_DETECTION


# --- parsing --------------------------------------------------------------------------------


def parse(document: Document) -> Iterable[Trial]:
    nct_id = _id_line(document.lines, NCT_ID_LABEL)
    if not nct_id or not normalize.is_nct_id(nct_id):
        return []
    lines, cut_issues = cut_off(document.lines, PAGE_ENDINGS, SITE_TEXTS, "ClinicalTrials.gov mirror", document.kind)
    issues: list[ParseIssue] = list(cut_issues)
    page = split_blocks(lines)
    fields: dict[str, object] = {}

    fields["brief_title"] = _title(page.preamble, issues)
    last_updated_raw = _id_line(lines, LAST_UPDATED_LABEL)
    last_updated, _ = normalize.parse_date(last_updated_raw)
    if last_updated_raw and last_updated is None:
        issues.append(issue("last_update_date", f"unreadable date {last_updated_raw!r}"))
    fields["last_update_date"] = last_updated
    fields["has_results"] = _has_results(page, issues)
    fields.update(_basic_information(page.lines("basic_information"), issues))
    fields.update(_design(page.lines("study_design"), fields.get("study_type"), issues))
    fields["brief_summary"] = paragraphs(page.lines("brief_summary"))
    fields["detailed_description"] = paragraphs(page.lines("detailed_description"))
    arms, interventions = _groups_and_interventions(page.lines("study_groups"), page.lines("interventions"), issues)
    criteria, eligibility = _eligibility(page.lines("eligibility"), issues)
    fields.update(eligibility)
    for key in UNREAD_SECTIONS:
        if page.lines(key) and key != "countries":
            issues.append(issue(key, f"section not read by the ctgov_mirror parser: {page.lines(key)[0]!r}"))

    return [
        Trial(
            nct_id=nct_id,
            **fields,  # type: ignore[arg-type]
            arms=tuple(arms),
            interventions=tuple(interventions),
            conditions=tuple(text for line in page.lines("conditions") if (text := normalize.clean_text(line))),
            criteria=tuple(criteria),
            sponsors=tuple(_sponsors(page.lines("sponsors"), issues)),
            locations=tuple(_locations(page.lines("locations"), issues)),
            identifiers=tuple(_identifiers(page.lines("other_identifiers"), issues)),
            related_trials=tuple(
                _related(page.lines("related_trials"), issues) + _related(page.lines("more_related_trials"), issues)
            ),
            contacts=tuple(
                _responsible_party(page.lines("responsible_party")) + _central_contacts(page.lines("central_contacts"))
            ),
            issues=tuple(issues),
        )
    ]


def _title(preamble: Sequence[str], issues: list[ParseIssue]) -> str | None:
    """The first line, once (a repeated title line is the same title, not a second field)."""
    labels = (NCT_ID_LABEL, LAST_UPDATED_LABEL)
    rest = [
        line for line in preamble if find_value([line], labels[0]) is None and find_value([line], labels[1]) is None
    ]
    if not rest:
        issues.append(issue("brief_title", "the page has no title line"))
        return None
    title = rest[0]
    extra = [line for line in rest[1:] if normalize.fold(line) != normalize.fold(title)]
    if extra:
        issues.append(issue("brief_title", f"unexpected line(s) before the first section: {extra[0]!r}"))
    return normalize.clean_text(title)


def _has_results(page: SplitPage, issues: list[ParseIssue]) -> bool | None:
    if not page.has("study_results"):
        return None
    if page.lines("study_results"):
        issues.append(issue("has_results", "Study Results shows text this parser does not interpret"))
        return None
    # the heading is there and only the "not published" statement was under it
    return False


def _basic_information(lines: Sequence[str], issues: list[ParseIssue]) -> dict[str, object]:
    """Classify each unlabeled value of Basic Information by what it is."""
    values: dict[str, object] = {}
    dates: list[str] = []
    unmapped_status = {normalize.fold(wording) for wording in UNMAPPED_STATUS_WORDINGS}
    for line in lines:
        if (status := normalize.overall_status(line)) and "overall_status" not in values:
            values["overall_status"], values["overall_status_raw"] = status, normalize.clean_text(line)
        elif normalize.fold(line) in unmapped_status and "overall_status_raw" not in values:
            values["overall_status_raw"] = normalize.clean_text(line)
            issues.append(issue("overall_status", f"status {line!r} maps to no single code"))
        elif (phase := normalize.phase(line)) and "phase" not in values:
            values["phase"] = phase
        elif (study_type := normalize.study_type(line)) and "study_type" not in values:
            values["study_type"] = study_type
        elif normalize.enrollment(line)[0] is not None and "enrollment" not in values:
            values["enrollment"], values["enrollment_type"] = normalize.enrollment(line)
        elif normalize.looks_like_date(line):
            dates.append(line)
        else:
            issues.append(issue("basic_information", f"unrecognised value {line!r}"))
    # the two timeline milestones, in page order: start, then (study) completion. A single
    # date does not say which milestone it is (the registry has start-only and end-only
    # records): NULL + ParseIssue, never a guess.
    if len(dates) == 1:
        issues.append(issue("start_date", f"one unlabeled date {dates[0]!r}: start or completion; not read"))
    elif len(dates) >= 2:
        for name, raw in zip(("start_date", "completion_date"), dates, strict=False):
            values[name], values[f"{name}_precision"] = normalize.parse_date(raw)
    if len(dates) > 2:
        issues.append(issue("basic_information", f"{len(dates)} dates; only the first two are read"))
    return values


# The site prints the design values in a fixed order per study type (seed 003: allocation,
# intervention model, primary purpose, masking; seed 000: observational model, time
# perspective), leaving absent ones out. "OTHER" fits several vocabularies; among the design
# fields of one study type it fits only these, so its place among its classified neighbours
# tells which one it is.
DESIGN_ORDER = {
    "INTERVENTIONAL": ("allocation", "intervention_model", "primary_purpose", "masking"),
    "OBSERVATIONAL": ("observational_model", "time_perspective"),
}
OTHER_FIELDS = {"INTERVENTIONAL": ("primary_purpose",), "OBSERVATIONAL": ("observational_model", "time_perspective")}


def _design(lines: Sequence[str], study_type: object, issues: list[ParseIssue]) -> dict[str, object]:
    values: dict[str, object] = {}
    order = DESIGN_ORDER.get(str(study_type), ())
    slots: list[str | None] = []  # the field of each line, None for OTHER (placed below)
    for line in lines:
        classified = normalize.classify_design_value(line)
        if classified is not None and classified[0] not in values:
            values[classified[0]] = classified[1]
            slots.append(classified[0])
        elif normalize.fold(line) == "other" and order:
            slots.append(None)
        else:
            issues.append(issue("study_design", f"unclassifiable design value {line!r}"))
            slots.append("?")
    for index, slot in enumerate(slots):
        if slot is not None:
            continue
        before = max((order.index(f) for f in slots[:index] if f in order), default=-1)
        after = min((order.index(f) for f in slots[index + 1 :] if f in order), default=len(order))
        fits = [f for f in OTHER_FIELDS[str(study_type)] if before < order.index(f) < after and f not in values]
        if len(fits) == 1:
            values[fits[0]] = "OTHER"
        else:
            issues.append(issue("study_design", f"value 'OTHER' fits {fits or 'no field'}; not read"))
    return values


# --- Study Groups and Interventions, read together ------------------------------------------
#
# The two blocks print the same interventions twice: the Interventions list shows each one's
# name, then its description paragraphs (one line each); Study Groups shows each group's label,
# its description paragraphs, then each linked intervention again as that same run of lines
# (name + description), or "No interventions assigned to this group" (seeds 000 and 003).
# Flattened to text, neither block says where one item's lines end, so both are read together
# as a small grammar, and every reading the page allows is enumerated:
#
#   Interventions := Item*            Item  := name line, description line*
#   Study Groups  := Group*           Group := label line, description line*, (Link+ | no-links line)
#   Link          := the lines of one Item, verbatim
#
# under these constraints (ASSUMPTIONS the seeds do not contradict; 6 of the 735 real records of
# the round-trip suite break one, and get no rows: an unlinked intervention, a 16-word name):
#   * every listed intervention is linked by at least one group (when the page has groups);
#   * a group's labels are unique, and a group links an intervention name at most once;
#   * a group's description ends at the first line that opens a link, unless that line is
#     printed twice in a row: then it may also be the description's last line (registries often
#     describe an arm by the name of its one intervention, which the site prints right after).
# PREFERENCE: a sentence-like line (SENTENCE_WORDS words or more, or a final stop) is an
# intervention's name only when no reading makes it description text. In the round-trip suite
# it reads 104 more of the 1,313 arm labels and mis-reads the links of 2 of the 735 pages, whose
# intervention names are whole sentences. A ParseIssue records the doubt when a line it rejects
# as a name does not end a sentence (a many-word name); seed 003 shows the site's sentences.
# FAIL SAFE (faithful-data rule): otherwise only what every reading agrees on is read. Groups
# (and, separately, interventions) are read only when all readings give the same rows with the
# same labels (names), up to the first disagreement; a description or a link list the readings
# disagree on is NULL / empty, and a ParseIssue says what was left out. No reading, or more than
# MAX_READINGS / MAX_STEPS (about 60 ms of search on an adversarial page): no rows + ParseIssue.
# benchmarks/mirror_ambiguity.py measures how much of what these pages state is determined at all.

MAX_READINGS = 1000
PROSE_WORDS = 16
SENTENCE_WORDS = 6
SENTENCE_ENDS = (".", "!", "?", "。")
# Search steps before the page counts as too ambiguous to read (keeps a pathological page linear).
MAX_STEPS = 10_000

_Item = tuple[str, tuple[str, ...]]  # intervention name, description lines
_Group = tuple[str, tuple[str, ...], tuple[str, ...]]  # label, description lines, linked names


def _is_prose(line: str) -> bool:
    """A line too long to be an intervention's name (ASSUMPTION: no real record's name has
    PROSE_WORDS words; 3 of the 1,289 names in the round-trip corpus have 15 or more)."""
    return len(line.split()) >= PROSE_WORDS


def _sentence_like(line: str) -> bool:
    return len(line.split()) >= SENTENCE_WORDS or line.endswith(SENTENCE_ENDS)


class _Ambiguous(Exception):
    """More readings, or more search, than the page is worth: not read."""


class _Search:
    def __init__(self) -> None:
        self.steps = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _Ambiguous


def _intervention_cuts(listed: Sequence[str], groups: Sequence[str], search: _Search) -> Iterable[tuple[_Item, ...]]:
    """Every cut of the Interventions list into items whose lines Study Groups shows verbatim
    and whose names are not prose."""
    count = len(listed)
    where: dict[str, list[int]] = {}
    for at, line in enumerate(groups):
        where.setdefault(line, []).append(at)
    # longest[s]: the most lines from listed[s] that Study Groups shows in a row
    longest = [0] * count
    for start in range(count):
        if not groups:
            longest[start] = count - start
            continue
        for at in where.get(listed[start], ()):
            length = 1
            while (
                start + length < count and at + length < len(groups) and groups[at + length] == listed[start + length]
            ):
                length += 1
            longest[start] = max(longest[start], length)
    ends = [list(range(start + 1, start + 1 + min(longest[start], MAX_BLOCK_LINES))) for start in range(count)]
    possible = [False] * count + [True]
    for start in range(count - 1, -1, -1):
        if _is_prose(listed[start]):
            ends[start] = []
        ends[start] = [stop for stop in ends[start] if possible[stop]]
        possible[start] = bool(ends[start])

    def cuts(start: int) -> Iterable[tuple[_Item, ...]]:
        search.step()
        if start == count:
            yield ()
            return
        for stop in ends[start]:
            item = (listed[start], tuple(listed[start + 1 : stop]))
            for rest in cuts(stop):
                yield (item, *rest)

    return cuts(0)


def _group_readings(
    groups: Sequence[str], closes: Sequence[bool], items: Sequence[_Item], search: _Search, limit: int
) -> list[tuple[_Group, ...]]:
    """Every reading of Study Groups as groups linking `items` (each item linked at least once);
    more than `limit` raise _Ambiguous. A depth-first search over one shared path of groups."""
    count = len(groups)
    runs: dict[str, set[tuple[str, ...]]] = {}
    for name, description in items:
        runs.setdefault(name, set()).add(description)
    needed = frozenset(items)

    def links_at(at: int) -> list[tuple[_Item, int]]:
        found = []
        for description in runs.get(groups[at], ()):
            stop = at + 1 + len(description)
            if tuple(groups[at + 1 : stop]) == description:
                found.append(((groups[at], description), stop))
        return found

    found = [links_at(at) if groups[at] in runs else [] for at in range(count)]
    opens = [bool(links) for links in found]
    readings: list[tuple[_Group, ...]] = []
    path: list[_Group] = []

    def from_label(at: int, labels: frozenset[str], used: frozenset[_Item]) -> None:
        search.step()
        if at == count:
            if used >= needed:
                readings.append(tuple(path))
                if len(readings) > limit:
                    raise _Ambiguous
            return
        label = groups[at]
        if closes[at] or label in labels:
            return
        labels = labels | {label}
        end = at + 1
        while True:
            while end < count and not closes[end] and not opens[end]:
                end += 1
            if end == count:
                return  # a group must end with its links or the no-links line
            description = tuple(groups[at + 1 : end])
            if closes[end]:
                path.append((label, description, ()))
                from_label(end + 1, labels, used)
                path.pop()
                return
            links(end, label, description, (), labels, used)
            if not (end + 1 < count and groups[end + 1] == groups[end]):
                return
            end += 1  # ... or the description's last line repeats the name printed right after it

    def links(
        at: int,
        label: str,
        description: tuple[str, ...],
        names: tuple[str, ...],
        labels: frozenset[str],
        used: frozenset[_Item],
    ) -> None:
        search.step()
        for item, stop in found[at]:
            if item[0] in names:
                continue
            linked, now_used = (*names, item[0]), used | {item}
            path.append((label, description, linked))
            from_label(stop, labels, now_used)  # the group ends here ...
            path.pop()
            if stop < count and opens[stop]:  # ... or links one more intervention
                links(stop, label, description, linked, labels, now_used)

    from_label(0, frozenset(), frozenset())
    return readings


def _groups_and_interventions(
    group_lines: Sequence[str], intervention_lines: Sequence[str], issues: list[ParseIssue]
) -> tuple[list[Arm], list[Intervention]]:
    groups = [normalize.clean_text(line) or "" for line in group_lines]
    listed = [normalize.clean_text(line) or "" for line in intervention_lines]
    if not groups and not listed:
        return [], []
    no_links = normalize.fold(NO_INTERVENTIONS_FOR_GROUP)
    closes = [normalize.fold(line) == no_links for line in groups]
    # PREFERENCE: a sentence-like line is an intervention's name only when no reading makes it
    # description text (short lines get no preference: they may be either, so they decide nothing)
    readings: list[tuple[tuple[_Item, ...], tuple[_Group, ...]]] = []
    cuts: list[tuple[int, tuple[_Item, ...]]] = []  # per cut that has a reading: its sentence-like names
    try:
        search = _Search()
        for items in _intervention_cuts(listed, groups, search):
            found = (
                [(items, ())]
                if not groups
                else [
                    (items, reading)
                    for reading in _group_readings(groups, closes, items, search, MAX_READINGS - len(readings))
                ]
            )
            if found:
                cuts.append((sum(_sentence_like(name) for name, _ in items), items))
                readings += found
            if len(readings) > MAX_READINGS:
                raise _Ambiguous
    except _Ambiguous:
        for field in ("arms", "interventions") if groups else ("interventions",):
            issues.append(
                issue(
                    field,
                    "Study Groups / Interventions allow too many readings to tell names, links and "
                    "descriptions apart; not read",
                )
            )
        return [], []
    if not readings:
        for field in ("arms", "interventions"):
            issues.append(issue(field, "no reading of Study Groups / Interventions fits the site's layout; not read"))
        return [], []

    fewest = min(sentences for sentences, _ in cuts)
    kept = {id(items) for sentences, items in cuts if sentences == fewest}
    preferred = [reading for reading in readings if id(reading[0]) in kept]
    # a rejected name that ends a sentence (". ! ?") was hardly a name; one that merely has many
    # words may have been: that doubt is recorded
    doubted = {
        name
        for sentences, items in cuts
        if sentences > fewest
        for name, _ in items
        if _sentence_like(name) and not name.endswith(SENTENCE_ENDS)
    }
    if doubted:
        issues.append(
            issue(
                "arms" if groups else "interventions",
                f"{len(readings)} readings of Study Groups / Interventions; read as the {len(preferred)} that make "
                f"sentence-like lines descriptions, not intervention names (an assumption): {sorted(doubted)[0]!r}",
            )
        )
    readings = preferred
    arms = _agreed_groups([groups for _, groups in readings], issues)
    interventions = _agreed_items([items for items, _ in readings], issues)
    return arms, interventions


def _agreed(values: Sequence[object]) -> bool:
    return all(value == values[0] for value in values)


def _certain_rows(
    readings: Sequence[Sequence[tuple]], field: str, what: str, issues: list[ParseIssue]
) -> list[list[tuple]]:
    """The rows every reading has at the same position, each as its version per reading.

    Rows are keyed by their first cell (a group's label, an intervention's name). When the
    readings disagree on the rows, the rows up to the first disagreement are still certain,
    position included (the marts' ordinals); the rest are left out with a ParseIssue.
    """
    keys = [[row[0] for row in reading] for reading in readings]
    if _agreed(keys):
        return [[reading[position] for reading in readings] for position in range(len(keys[0]))]
    shared = 0
    while all(len(found) > shared for found in keys) and _agreed([found[shared] for found in keys]):
        shared += 1
    issues.append(
        issue(
            field,
            f"{len(readings)} readings of the page disagree on its {what} after the first {shared}: the rest not read",
        )
    )
    return [[reading[position] for reading in readings] for position in range(shared)]


def _agreed_groups(readings: Sequence[tuple[_Group, ...]], issues: list[ParseIssue]) -> list[Arm]:
    arms = []
    for versions in _certain_rows(readings, "arms", "groups", issues):
        label = versions[0][0]
        descriptions = [version[1] for version in versions]
        links = [version[2] for version in versions]
        if not _agreed(descriptions):
            issues.append(issue("arms", f"group {label!r}: where its description ends is not evidenced; not read"))
        if not _agreed(links):
            issues.append(issue("arms", f"group {label!r}: which interventions it links is not evidenced; not read"))
        arms.append(
            Arm(
                label,
                None,
                paragraphs(descriptions[0]) if _agreed(descriptions) else None,
                links[0] if _agreed(links) else (),
            )
        )
    return arms


def _agreed_items(readings: Sequence[tuple[_Item, ...]], issues: list[ParseIssue]) -> list[Intervention]:
    interventions = []
    for versions in _certain_rows(readings, "interventions", "interventions", issues):
        name = versions[0][0]
        if _agreed([version[1] for version in versions]):
            interventions.append(Intervention(name, None, paragraphs(versions[0][1])))
        else:
            issues.append(issue("interventions", f"{name!r}: where its description ends is not evidenced; not read"))
            interventions.append(Intervention(name, None, None))
    return interventions


# One unlabeled age line: the page does not say which bound it is. Evidence from the registry,
# lone ages by size in 7,521 real records (the 735 API v2 studies of roundtrip_corpus and the
# 6,786 of ../shared/realdata/ctgov-xml-2023), lone minimum : lone maximum:
#   under 1 year 111 : 17, 1-17 years 593 : 59, 18 years 2,213 : 13, 19-59 years 214 : 107,
#   60-79 years 50 : 85, 80 years and over 0 : 473.
# A lone age is read as the bound the registry gives at least twice as often at that size, with
# a parse issue; at 60-79 years neither is (50 : 85, and 5 : 5 in the API v2 studies): not read.
_LONE_AGE_BOUNDS: tuple[tuple[float, str | None], ...] = ((60.0, "minimum_age"), (80.0, None))


def _lone_age_bound(raw: str) -> str | None:
    years = normalize.age_years(raw)
    if years is None:
        return None
    for below, bound in _LONE_AGE_BOUNDS:
        if years < below:
            return bound
    return "maximum_age"


def _eligibility(lines: Sequence[str], issues: list[ParseIssue]) -> tuple[list[Criterion], dict[str, object]]:
    """Inclusion / exclusion blocks, then age, sex and healthy-volunteer values (read from the end)."""
    values: dict[str, object] = {}
    tail: list[str] = []
    body = list(lines)
    while body and (
        _AGE_LINE.match(body[-1]) or normalize.sex(body[-1]) or normalize.healthy_volunteers(body[-1]) is not None
    ):
        tail.insert(0, body.pop())
    ages = [line for line in tail if _AGE_LINE.match(line)]
    for line in tail:
        if _AGE_LINE.match(line):
            continue
        if (sex := normalize.sex(line)) and "sex" not in values:
            values["sex"] = sex
        elif normalize.healthy_volunteers(line) is not None and "healthy_volunteers" not in values:
            values["healthy_volunteers"] = normalize.healthy_volunteers(line)
        else:
            issues.append(issue("eligibility", f"unexpected value {line!r}"))
    if len(ages) == 2:
        for name, raw in zip(("minimum_age", "maximum_age"), ages, strict=True):
            values[f"{name}_raw"] = raw
            values[f"{name}_years"] = normalize.age_years(raw)
    elif len(ages) == 1:
        bound = _lone_age_bound(ages[0])
        if bound is None:
            issues.append(
                issue("minimum_age_years", f"single unlabeled age {ages[0]!r}: minimum or maximum age, not read")
            )
        else:
            values[f"{bound}_raw"] = ages[0]
            values[f"{bound}_years"] = normalize.age_years(ages[0])
            issues.append(issue(f"{bound}_years", f"single unlabeled age {ages[0]!r} read as the {bound} age"))
    elif ages:
        issues.append(issue("minimum_age_years", f"{len(ages)} unlabeled age values {ages!r}; not read"))

    blocks: dict[str, list[str]] = {INCLUSION: [], EXCLUSION: []}
    current: str | None = None
    for line in body:
        if (kind := heading_kind(line)) is not None:
            current = kind
        elif current is None:
            issues.append(issue("criteria", f"eligibility text before any heading: {line[:60]!r}"))
        else:
            blocks[current].append(line)
    criteria = split_criteria(blocks[INCLUSION], INCLUSION) + split_criteria(blocks[EXCLUSION], EXCLUSION)
    return criteria, values


def _sponsors(lines: Sequence[str], issues: list[ParseIssue]) -> list[Sponsor]:
    """Name lines, each optionally followed by its agency class code; the first is the lead."""
    sponsors: list[Sponsor] = []
    for line in lines:
        agency = normalize.agency_class(line)
        if agency is not None and sponsors and sponsors[-1].agency_class is None:
            last = sponsors[-1]
            sponsors[-1] = Sponsor(last.name, last.role, agency)
        elif agency is not None:
            issues.append(issue("sponsors", f"agency class {line!r} without a sponsor name"))
        else:
            role = "LEAD" if not sponsors else "COLLABORATOR"
            sponsors.append(Sponsor(normalize.clean_text(line) or line, role))
    return sponsors


def _responsible_party(lines: Sequence[str]) -> list[Contact]:
    """Name, then its title / affiliation lines."""
    if not lines:
        return []
    detail = "; ".join(text for line in lines[1:] if (text := normalize.clean_text(line)))
    return [Contact(normalize.clean_text(lines[0]) or lines[0], "RESPONSIBLE_PARTY", detail or None)]


def _central_contacts(lines: Sequence[str]) -> list[Contact]:
    """Each name line, followed by its phone / e-mail lines."""
    contacts: list[Contact] = []
    for line in lines:
        text = normalize.clean_text(line) or line
        # compared in NFKC form: CJK records print full-width digits and brackets ("（021）6877 3638")
        if contacts and _PHONE_OR_EMAIL.search(unicodedata.normalize("NFKC", text)):
            last = contacts[-1]
            contacts[-1] = Contact(last.name, last.role, f"{last.detail}; {text}" if last.detail else text)
        else:
            contacts.append(Contact(text, "CENTRAL_CONTACT"))
    return contacts


def _locations(lines: Sequence[str], issues: list[ParseIssue]) -> list[Location]:
    """Facility line, then its "City, State, Country" line."""
    if len(lines) % 2:
        issues.append(issue("locations", "odd number of location lines; the last one is not read"))
    locations = []
    for facility, place in zip(lines[0::2], lines[1::2], strict=False):
        city, state, country = split_place(place)
        locations.append(Location(normalize.clean_text(facility), city, state, country))
    return locations


def _identifiers(lines: Sequence[str], issues: list[ParseIssue]) -> list[Identifier]:
    """Value, then "Identifier Type: x" and "Identifier Source: y" lines."""
    groups: list[list[str]] = []
    attribute_labels = (normalize.fold(IDENTIFIER_TYPE_LABEL), normalize.fold(IDENTIFIER_SOURCE_LABEL))
    for line in lines:
        # "Identifier Type: -" has an empty-looking value, so compare the label, not find_value()
        is_attribute = normalize.fold(line.partition(":")[0]) in attribute_labels
        if is_attribute and groups:
            groups[-1].append(line)
        elif is_attribute:
            issues.append(issue("identifiers", f"{line!r} without an identifier value"))
        else:
            groups.append([line])
    identifiers = []
    for value, *attributes in groups:
        source = find_value(attributes, IDENTIFIER_SOURCE_LABEL)
        declared_type = find_value(attributes, IDENTIFIER_TYPE_LABEL)
        identifier_type = IDENTIFIER_SOURCES.get(normalize.fold(source)) if source else None
        # a secondary id's declared registry type (an API v2 code such as NIH, EUDRACT_NUMBER)
        # is the more specific type; "-" means none is given
        if declared_type is not None and declared_type not in NO_VALUE and identifier_type != "ORG_STUDY_ID":
            identifier_type = declared_type if declared_type in _SECONDARY_TYPES else identifier_type
        if source and normalize.fold(source) not in IDENTIFIER_SOURCES:
            issues.append(issue("identifiers", f"unknown identifier source {source!r}"))
        identifiers.append(Identifier(normalize.clean_text(value) or value, identifier_type))
    return identifiers


def _related(lines: Sequence[str], issues: list[ParseIssue]) -> list[RelatedTrial]:
    """Title line, then the trial's NCT id line."""
    related = []
    title: str | None = None
    for line in lines:
        if normalize.is_nct_id(line):
            related.append(RelatedTrial(line.strip(), normalize.clean_text(title) if title else None))
            title = None
        else:
            if title is not None:
                issues.append(issue("related_trials", f"title without an NCT id: {title[:60]!r}"))
            title = line
    if title is not None:
        issues.append(issue("related_trials", f"title without an NCT id: {title[:60]!r}"))
    return related
