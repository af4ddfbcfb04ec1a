"""The bulleted registry layout (seed 001): dash-bulleted label/value pairs.

The page is a title line, then ``- Label`` lines each followed by its value lines
(``- value`` bullets or plain paragraphs), grouped under a few undashed section
headings. Two quirks of the layout:

* eligibility has no labels: after the recruitment fields come two blocks, each
  opened by a lone ``-``; the first is inclusion, the second exclusion, and each is a
  one-line list numbered inline ("...criteria; 2. Newly-onset ...");
* the arms table and the outcome tables are flattened into running text
  ("Group Intervention Description Group I <intervention> <description> ...",
  "Name Time Method <measure> 18 months <description> ...").

HTML versions of the page reach us as `Document.lines` whose bullets may have lost
their dashes, so nothing here depends on blank lines, and labels are recognised by
name with or without the dash.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from trialmart import normalize
from trialmart.criteria import EXCLUSION, INCLUSION, split_criteria
from trialmart.documents import Document
from trialmart.records import (
    Arm,
    Criterion,
    Identifier,
    Intervention,
    Location,
    Outcome,
    ParseIssue,
    Sponsor,
    Trial,
)
from trialmart.sources._base import paragraphs, split_place

KINDS = ("text", "html")

# --- the layout as data -----------------------------------------------------------------

# Undashed section headings: they group fields and carry no value.
SECTION_HEADINGS = ("Recruitment & Eligibility", "Study & Design", "Trial Locations")

# "- Label" -> the field it opens.
FIELD_LABELS: dict[str, str] = {
    "Conditions": "conditions",
    "Interventions": "interventions",
    "Registration Number": "registration_number",
    "Lead Sponsor": "lead_sponsor",
    "Brief Summary": "brief_summary",
    "Detailed Description": "detailed_description",
    "Status": "status",
    "Sex": "sex",
    "Target Recruitment": "target_recruitment",
    "Study Type": "study_type",
    "Study Design": "study_design",
    "Arm && Interventions": "arms_table",
    "Primary Outcome Measures": "primary_outcomes",
    "Secondary Outcome Measures": "secondary_outcomes",
    "Other Outcome Measures": "other_outcomes",
}
# The section each label is printed in (0 = before the first heading). The site prints the
# labels in FIELD_LABELS order, so a line equal to a label counts as one only when it comes
# after the current label and in its section (section heading seen): "Study Design" inside a
# Detailed Description stays text. Assumption (the seed shows each label once): a label is
# never repeated, and a section heading is printed before any label of its section.
LABEL_SECTION: dict[str, int] = {
    "conditions": 0,
    "interventions": 0,
    "registration_number": 0,
    "lead_sponsor": 0,
    "brief_summary": 0,
    "detailed_description": 0,
    "status": 1,
    "sex": 1,
    "target_recruitment": 1,
    "study_type": 2,
    "study_design": 2,
    "arms_table": 2,
    "primary_outcomes": 2,
    "secondary_outcomes": 2,
    "other_outcomes": 2,
    "locations": 3,
}
_LABEL_ORDER = {name: index for index, name in enumerate(LABEL_SECTION)}
# Free-text fields: the site prints their lines undashed (seed 001's Brief Summary and Detailed
# Description), so a line of theirs that starts with "-" is the text's own bullet and is kept.
_FREE_TEXT_FIELDS = frozenset({"brief_summary", "detailed_description"})
_LOCATIONS_LABEL = re.compile(r"^Locations\s*\((\d+)\)$")

# Column headers of the flattened tables (printed once, before the first row).
ARMS_TABLE_HEADER = ("Group", "Intervention", "Description")
OUTCOMES_TABLE_HEADER = ("Name", "Time", "Method")

# The unlabeled eligibility blocks, in the order the layout prints them.
ELIGIBILITY_BLOCK_ORDER = (INCLUSION, EXCLUSION)

_OUTCOME_FIELDS = {
    "primary_outcomes": "PRIMARY",
    "secondary_outcomes": "SECONDARY",
    "other_outcomes": "OTHER",
}

_DASH = re.compile(r"^-\s*")
_LONE_DASH = "-"
_FLAG = re.compile(r"^((?:[\U0001F1E6-\U0001F1FF]{2})+)\s*")

# Labels the detector looks for; "Registration Number" and "Target Recruitment" are what
# set this layout apart from the ClinicalTrials.gov mirrors, which share "Brief Summary".
_DISTINCTIVE_LABELS = ("Registration Number", "Target Recruitment", "Arm && Interventions")
_DETECT_WINDOW = 400


# --- detection ----------------------------------------------------------------------------


def detect(document: Document) -> bool:
    lines = document.lines[:_DETECT_WINDOW]
    dashed = {_DASH.sub("", line) for line in lines if line.startswith("-")}
    plain = {line for line in lines}
    distinctive = sum(1 for label in _DISTINCTIVE_LABELS if label in dashed or label in plain)
    labels = sum(1 for label in FIELD_LABELS if label in dashed)
    headings = sum(1 for heading in SECTION_HEADINGS if heading in plain)
    # dashed label bullets are the layout's signature; the undashed variant (HTML list
    # items) must show the distinctive labels and the section headings instead
    # a study without enrollment or arms shows only "Registration Number": the dashed labels
    # and both section headings must then be there
    if distinctive == 1:
        return labels >= 4 and headings >= 2
    return distinctive >= 2 and (labels >= 4 or headings >= 2)


# --- splitting the page into fields -------------------------------------------------------


@dataclass
class _Field:
    name: str  # a FIELD_LABELS value, "locations", or "unlabeled"
    values: list[str] = field(default_factory=list)
    stated_count: int | None = None  # "Locations (1)"


@dataclass
class _Page:
    title: str | None
    fields: list[_Field]

    def values(self, name: str) -> list[str]:
        for page_field in self.fields:
            if page_field.name == name:
                return page_field.values
        return []

    def first(self, name: str) -> str | None:
        values = self.values(name)
        return values[0] if values else None

    def all_named(self, name: str) -> list[_Field]:
        return [page_field for page_field in self.fields if page_field.name == name]


def _split_page(lines: Sequence[str]) -> _Page:
    title: str | None = None
    fields: list[_Field] = []
    section = 0
    last_order = -1

    def opens(name: str) -> bool:
        nonlocal last_order
        if _LABEL_ORDER[name] <= last_order or LABEL_SECTION[name] != section:
            return False
        last_order = _LABEL_ORDER[name]
        return True

    for line in lines:
        text = _DASH.sub("", line).strip() if line.startswith("-") else line
        if line == _LONE_DASH and section == 1:
            fields.append(_Field("unlabeled"))
            continue
        if line in SECTION_HEADINGS and SECTION_HEADINGS.index(line) + 1 > section:
            section = SECTION_HEADINGS.index(line) + 1
            continue
        if text in FIELD_LABELS and opens(FIELD_LABELS[text]):
            fields.append(_Field(FIELD_LABELS[text]))
            continue
        if (match := _LOCATIONS_LABEL.match(text)) and opens("locations"):
            fields.append(_Field("locations", stated_count=int(match.group(1))))
            continue
        if not fields:
            if title is None:
                title = text
            continue
        fields[-1].values.append(line if fields[-1].name in _FREE_TEXT_FIELDS else text)
    return _Page(title, fields)


# --- field readers ----------------------------------------------------------------------------


def _criteria(blocks: list[_Field], issues: list[ParseIssue]) -> list[Criterion]:
    if len(blocks) > len(ELIGIBILITY_BLOCK_ORDER):
        issues.append(
            ParseIssue(
                "criteria", f"{len(blocks)} unlabeled eligibility blocks, expected at most 2; extra blocks ignored"
            )
        )
    criteria: list[Criterion] = []
    for block, criterion_type in zip(blocks, ELIGIBILITY_BLOCK_ORDER, strict=False):
        # each block is one line numbered inline ("...; 2. ..."): split_criteria splits it
        # the numbering 1, 2, 3... is the evidence: the next expected number starts an item
        # whether or not the previous item ends in punctuation
        doubts: list[str] = []
        criteria.extend(split_criteria(block.values, criterion_type, sequence_only=True, doubts=doubts))
        issues.extend(ParseIssue("criteria", doubt) for doubt in doubts)
    return criteria


def _undashed_eligibility_blocks(page: _Page) -> list[_Field]:
    """Without lone dashes (HTML), the two blocks are the extra lines after "Target Recruitment"."""
    extra = page.values("target_recruitment")[1:]
    return [_Field("unlabeled", [value]) for value in extra]


# One cell of the flattened arms table starts with an arm label such as "Group I",
# "Group 2", "Arm A" or "Cohort B", at the start or after the end of the previous cell.
_ARM_LABEL = re.compile(r"(?:^|(?<=[.。)\]]))\s*((?:Group|Arm|Cohort)\s+(?:[IVX]+|\d+|[A-Z]))(?=\s|$)")
_CONNECTORS = frozenset({"and", "or", "of", "with", "plus", "+", "&", "/", "-", "in", "for", "the"})


def _split_name_and_description(cell: str, known_names: Sequence[str]) -> tuple[str, str | None]:
    """ "Prednisone and Mycophenolate Mofetil Patients are treated ..." -> (name, description).

    A name the page lists elsewhere wins (longest first). Otherwise the name is the run of
    Title-Case words (connectors allowed) before the description's first sentence, which
    starts with the capitalised word just before the first lower-case word.
    """
    for name in sorted(known_names, key=len, reverse=True):
        if cell == name or cell.startswith(name + " "):
            return name, normalize.clean_text(cell[len(name) :])
    words = cell.split()
    for index, word in enumerate(words):
        if word[:1].islower() and word not in _CONNECTORS:
            boundary = index - 1
            while boundary > 0 and words[boundary] in _CONNECTORS:
                boundary -= 1
            if boundary <= 0:
                return cell, None
            return " ".join(words[:boundary]), " ".join(words[boundary:])
    return cell, None


_ROW_START = re.compile(r"(?<=[.!?)\]])\s+(?=[A-Z0-9])")


def _common_prefix(heads: Sequence[list[str]]) -> list[str]:
    prefix = heads[0]
    for head in heads[1:]:
        size = 0
        while size < min(len(prefix), len(head)) and prefix[size] == head[size]:
            size += 1
        prefix = prefix[:size]
    return prefix


def _rows_by_repetition(
    text: str, known_names: Sequence[str], issues: list[ParseIssue]
) -> list[tuple[str, str, str | None]]:
    """Rows of a table whose labels are not "Group I"-like ("Sham", "Bevacizumab and Erlotinib").

    Assumptions (the seed shows only Group I/II): a row is "label name description"; a row
    starts after a sentence end with Title-Case words before the description's first sentence;
    the site repeats an arm's label and description once per intervention, so rows sharing a
    description share the arm, whose label is the words their heads have in common. A one-row
    arm's head splits only at an intervention name seen elsewhere; otherwise the row is left
    out with a ParseIssue (label and intervention cannot be told apart), unless the head is one
    phrase printed twice ("Placebo Placebo": label and intervention are the same words).
    """
    pieces: list[tuple[list[str], list[str]]] = []  # (head words, description sentences)
    start = 0
    for boundary in [*_ROW_START.finditer(text), None]:
        end = boundary.start() if boundary else len(text)
        sentence = text[start:end].strip()
        start = boundary.end() if boundary else len(text)
        if not sentence:
            continue
        head, description = _split_name_and_description(sentence, ())
        if description is not None and head:
            pieces.append((head.split(), [description]))
        elif pieces:
            pieces[-1][1].append(sentence)
        else:
            issues.append(ParseIssue("arms", "arms table text before the first recognisable row was ignored"))
    groups: dict[str, list[list[str]]] = {}
    for head, sentences in pieces:
        groups.setdefault(" ".join(sentences), []).append(head)
    rows: list[tuple[str, str, str | None]] = []
    names = set(known_names)
    split_heads: dict[str, tuple[str, list[str]]] = {}
    for description, heads in groups.items():
        prefix = _common_prefix(heads) if len(heads) > 1 else []
        if prefix and all(len(head) > len(prefix) for head in heads):
            rest = [" ".join(head[len(prefix) :]) for head in heads]
            names.update(rest)
            split_heads[description] = (" ".join(prefix), rest)
    for description, heads in groups.items():
        if description in split_heads:
            label, rest = split_heads[description]
            rows += [(label, name, description) for name in rest]
            continue
        for head in heads:
            joined = " ".join(head)
            half = len(head) // 2
            if len(head) % 2 == 0 and [w.lower() for w in head[:half]] == [w.lower() for w in head[half:]]:
                # "Placebo Placebo": the arm is named after its one intervention
                rows.append((" ".join(head[:half]), " ".join(head[half:]), description))
                continue
            name = next((n for n in sorted(names, key=len, reverse=True) if joined.endswith(" " + n)), None)
            if name:
                rows.append((joined[: -len(name)].strip(), name, description))
            else:
                issues.append(ParseIssue("arms", f"row {joined!r}: arm label and intervention cannot be told apart"))
    return rows


# Any arm label, also one the row boundary rule above does not see ("sildenafil Arm 2 placebo").
_ANY_ARM_LABEL = re.compile(r"\b(?:Group|Arm|Cohort)\s+(?:[IVX]+|\d+|[A-Z])\b")
# A label that goes on past the recognised words ("Arm II (No sural nerve grafting)", "Arm A: ...").
_LABEL_GOES_ON = re.compile(r"^[(:\-–\[]")


def _evidenced_split(cells: Sequence[str], names: Sequence[str]) -> tuple[list[str], str | None] | None:
    """(name per cell, description) of one arm's cells "name description", or None.

    The site prints an arm's description once per intervention, so the boundary is evidenced
    by a name seen elsewhere at the start of a cell (the rest is the description, which every
    other cell of the arm must end with), or by two or more cells that share a description:
    their longest common word suffix, when every cell keeps a name before it. Nothing else
    (capitalisation, sentence shape) is taken as evidence.
    """
    description: str | None = None
    for cell in cells:
        name = next((n for n in sorted(names, key=len, reverse=True) if cell == n or cell.startswith(n + " ")), None)
        if name is not None:
            description = cell[len(name) :].strip()
            break
    if description is None and len(cells) > 1:
        words = [cell.split() for cell in cells]
        size = 0
        while all(len(w) > size for w in words) and len({w[-1 - size] for w in words}) == 1:
            size += 1
        if size and all(len(w) > size for w in words):
            description = " ".join(words[0][-size:])
    if not description and description != "":
        return None
    split_names: list[str] = []
    for cell in cells:
        if description and not cell.endswith(" " + description):
            return None
        name = cell[: len(cell) - len(description)].strip() if description else cell
        if not name:
            return None
        split_names.append(name)
    return split_names, description or None


def _arms(values: Sequence[str], known_names: Sequence[str], issues: list[ParseIssue]) -> tuple[list[Arm], list[str]]:
    """Arms in page order and the distinct intervention names they receive.

    Fail safe: an arm whose label is recognised but whose name/description boundary is not
    evidenced (see `_evidenced_split`) keeps its label only; the intervention list stops at the
    first row whose name is not evidenced (so the names kept are the page's first ones, in
    order); a row whose label or row boundary is in doubt ends the arms read from the table.
    """
    rows: list[tuple[str, str | None, str | None]] = []
    unresolved: set[str] = set()
    header = list(ARMS_TABLE_HEADER)
    if list(values[: len(header)]) == header:
        # table cells kept on their own lines (HTML): label, intervention, description
        cells = list(values[len(header) :])
        for start in range(0, len(cells) - len(cells) % 3, 3):
            rows.append((cells[start], cells[start + 1], cells[start + 2] or None))
        if len(cells) % 3:
            issues.append(ParseIssue("arms", "arms table has an incomplete last row; it was ignored"))
    else:
        text = " ".join(values)
        heading = " ".join(header)
        if text.startswith(heading):
            text = text[len(heading) :].strip()
        matches = list(_ARM_LABEL.finditer(text))
        if not matches and text:
            rows = _rows_by_repetition(text, known_names, issues)
        elif matches and text[: matches[0].start()].strip():
            issues.append(ParseIssue("arms", "arms table text before the first arm label; the arms were left out"))
            matches = []
        labelled: list[tuple[str, str]] = []
        for position, match in enumerate(matches):
            end = matches[position + 1].start() if position + 1 < len(matches) else len(text)
            cell = text[match.end(1) : end].strip()
            if _LABEL_GOES_ON.match(cell):
                issues.append(ParseIssue("arms", f"{match.group(1)!r} may be part of a longer label; arms left out"))
                break
            labelled.append((match.group(1), cell))
            if _ANY_ARM_LABEL.search(cell):
                issues.append(
                    ParseIssue("arms", f"{match.group(1)!r}: its cell names another arm label; later arms left out")
                )
                unresolved.add(match.group(1))
                break
        by_label: dict[str, list[str]] = {}
        for label, cell in labelled:
            by_label.setdefault(label, []).append(cell)
        names = list(known_names)
        resolved: dict[str, tuple[list[str], str | None]] = {}
        progress = True
        while progress:
            progress = False
            for label, cells in by_label.items():
                if label in resolved or label in unresolved:
                    continue
                split = _evidenced_split(cells, names)
                if split is not None:
                    resolved[label] = split
                    names += [name for name in split[0] if name not in names]
                    progress = True
        seen: dict[str, int] = {}
        for label, _cell in labelled:
            index = seen.get(label, 0)
            seen[label] = index + 1
            if label in resolved:
                split_names, description = resolved[label]
                rows.append((label, split_names[index], description))
            else:
                rows.append((label, None, None))
        for label in by_label:
            if label not in resolved:
                unresolved.add(label)
                issues.append(ParseIssue("arms", f"{label}: intervention and description cannot be told apart"))

    arms: dict[str, Arm] = {}
    intervention_names: list[str] = []
    names_complete = True
    for label, name, description in rows:
        if not label:
            continue
        if name is None:
            names_complete = False
        elif names_complete and name not in intervention_names:
            intervention_names.append(name)
        arm = arms.get(label)
        if arm is None:
            arms[label] = Arm(label, None, description, (name,) if name else ())
            continue
        if description and arm.description and description != arm.description:
            issues.append(ParseIssue("arms", f"{label}: rows give different descriptions; the first one was kept"))
        names = arm.intervention_names + ((name,) if name and name not in arm.intervention_names else ())
        arms[label] = Arm(label, None, arm.description or description, names)
    return list(arms.values()), intervention_names


# A time frame cell: "18 months", "12 weeks", "Up to 2 years", "Baseline to 6 months",
# "Six months", "Baseline and week 12", "Day 28". Assumption (the seed shows only "18 months"):
# the site prints the registry's free-text time frame; only those built from a number (digits or
# a number word) and a unit, with the usual lead words, are recognised; a row whose time frame is
# not recognised is left out with a ParseIssue rather than cut at a guess.
_NUMBER = r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty)"
_UNIT = r"(?:years?|months?|weeks?|days?|hours?|minutes?)"
_TIME_FRAME = re.compile(
    r"(?i:(?:up to|through|baseline(?:,| and| to| through)?)\s+)?"
    r"(?i:(?:baseline(?:,| and| to| through)?\s+)?(?:"
    + _NUMBER
    + r"(?:\s*(?:-|–|to|and)\s*"
    + _NUMBER
    + r")?\s*"
    + _UNIT
    + r"|(?:week|month|day|year|visit)\s+\d+(?:\s*(?:-|–|to|and)\s*\d+)?))"
)
# Words that make a duration part of a sentence ("relapse rate in 18 months") rather than a cell.
_TIME_PREPOSITIONS = frozenset(
    {
        "in",
        "at",
        "within",
        "over",
        "after",
        "for",
        "to",
        "of",
        "by",
        "until",
        "during",
        "from",
        "before",
        "the",
        "first",
    }
)
_SENTENCE_END = re.compile(r"[.。!?]\s+(?=[A-Z0-9])")


def _time_frame_cells(text: str) -> list[re.Match[str]]:
    cells = []
    for match in _TIME_FRAME.finditer(text):
        after = text[match.end() :]
        # a cell boundary follows: end of text, or the next cell starting with a capital
        if after.strip() and not re.match(r"\s+[A-Z]", after):
            continue
        before = text[: match.start()].split()
        if before and before[-1].lower() in _TIME_PREPOSITIONS:
            continue
        cells.append(match)
    return cells


_OUTCOMES_HEADER = re.compile(r"^\s*" + r"\s+".join(OUTCOMES_TABLE_HEADER) + r"\s*")


def _outcomes(values: Sequence[str], outcome_type: str, issues: list[ParseIssue]) -> list[Outcome]:
    """The rows of one outcome table, in page order, as far as their boundaries are evidenced.

    Assumptions (fail safe: a cell boundary the page does not evidence is never guessed):

    * a line starts a row ("Name Time Method" removed from the first);
    * a line with one recognised time frame cell is "measure time_frame [description]";
    * a line with several recognised time frame cells holds several rows (the seed's
      "... two groups. 18 months Side effects 18 months Any side effects ...") only when the
      cells are the same words (the table's column repeated) and the text between two cells
      has no sentence end, so it is the next measure and the previous row has no description;
    * any other line (no recognised time frame, or several differing ones, which may be
      durations inside a description) cannot be split: it and the rows after it in the table
      are left out with a ParseIssue, so the rows kept are the table's first rows in order.
    """
    field_name = f"outcomes.{outcome_type.lower()}"
    if list(values[: len(OUTCOMES_TABLE_HEADER)]) == list(OUTCOMES_TABLE_HEADER):
        return _outcome_cells(values[len(OUTCOMES_TABLE_HEADER) :], outcome_type, field_name, issues)
    lines = [line for line in values if line.strip()]
    if lines:
        lines[0] = _OUTCOMES_HEADER.sub("", lines[0], count=1)
    outcomes: list[Outcome] = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        rows = _outcome_line(line)
        if rows is None:
            left = len(lines) - number + 1
            issues.append(
                ParseIssue(
                    field_name,
                    f"line {number}: measure, time frame and description cannot be told apart; {left} line(s) left out",
                )
            )
            break
        outcomes += [
            Outcome(outcome_type, measure, time_frame, description) for measure, time_frame, description in rows
        ]
    return outcomes


def _outcome_cells(cells: Sequence[str], outcome_type: str, field_name: str, issues: list[ParseIssue]) -> list[Outcome]:
    """Table cells kept on their own lines (HTML): measure, time frame, description.

    Only a table of full rows whose every time frame cell is recognised is read; otherwise
    which cell is which is not evidenced and the table is left out with a ParseIssue.
    """
    rows = [cells[start : start + 3] for start in range(0, len(cells), 3)]
    if len(cells) % 3 or not all(_TIME_FRAME.fullmatch(row[1].strip()) and row[0].strip() for row in rows):
        issues.append(ParseIssue(field_name, "outcome table cells do not form full rows; the table was left out"))
        return []
    return [Outcome(outcome_type, row[0].strip(), row[1].strip(), row[2].strip() or None) for row in rows]


# The word before a time frame cell that makes the cell the end of a longer free-text time
# frame ("Baseline, 6 months, 12 months", "Week 4 and Week 6", "Day 1 to Week 8").
_TIME_FRAME_LINKS = frozenset(
    {"and", "or", "&", "-", "–", "/", "then", "through", "thru", "baseline", "versus", "vs", "vs."}
    | {"approx", "approx.", "approximately", "about", "around", "altogether", "average", "every", "each"}
    | {"±", "+/-", "~", "than", "assessed", "between", "up", "post-operative", "postoperative", "post-op"}
)
_TIME_FRAME_WORDS = re.compile(r"(?i)^(?:\d+(?:\.\d+)?|" + _UNIT + r"|week|month|day|year|visit)$")


def _continues_a_time_frame(before: str, cell: str) -> bool:
    words = before.split()
    if not words:
        return False
    last = words[-1]
    if len(words) >= 3 and words[-3].lower() in _TIME_PREPOSITIONS and " ".join(words[-2:]) == cell:
        return False  # "Relapse rate at 12 months | 12 months": the measure ends with the same duration
    return last[-1] in ",;:(-–/" or last.lower() in _TIME_FRAME_LINKS or bool(_TIME_FRAME_WORDS.match(last))


def _outcome_line(text: str) -> list[tuple[str, str, str | None]] | None:
    """(measure, time frame, description) rows of one line, or None when not evidenced."""
    cells = _time_frame_cells(text)
    if not cells:
        return None
    if len(cells) > 1 and len({" ".join(cell.group(0).split()).lower() for cell in cells}) > 1:
        return None
    if any(_continues_a_time_frame(text[: cell.start()], cell.group(0).strip()) for cell in cells):
        return None
    # a duration outside a sentence ("score One month after treatment ...") before the last cell
    # may be the real time frame's start: the cells are then not evidenced
    starts = {cell.start() for cell in cells}
    for match in _TIME_FRAME.finditer(text[: cells[-1].start()]):
        before = text[: match.start()].split()
        if match.start() not in starts and not (before and before[-1].lower() in _TIME_PREPOSITIONS):
            return None
    segments = [text[: cells[0].start()]]
    segments += [text[cells[index].end() : cells[index + 1].start()] for index in range(len(cells) - 1)]
    segments.append(text[cells[-1].end() :])
    middle = segments[1:-1]
    if any(_SENTENCE_END.search(segment.strip() + " X") for segment in middle):
        return None
    measures = [normalize.clean_text(segment) for segment in segments[:-1]]
    if not all(measures):
        return None
    descriptions: list[str | None] = [None] * (len(cells) - 1) + [normalize.clean_text(segments[-1]) or None]
    return [
        (measure, cell.group(0).strip(), description)
        for measure, cell, description in zip(measures, cells, descriptions, strict=True)
    ]


def _locations(page_field: _Field, issues: list[ParseIssue]) -> list[Location]:
    """Facility line, then the place line that starts with a country flag."""
    locations: list[Location] = []
    facility: str | None = None
    values = page_field.values
    has_flags = any(_FLAG.match(value) for value in values)
    # "Locations (N)" with exactly 2N lines: facility / place pairs, flag or not
    paired = page_field.stated_count is not None and len(values) == 2 * page_field.stated_count
    for index, value in enumerate(values):
        flag = _FLAG.match(value)
        is_place = index % 2 == 1 if paired or not has_flags else bool(flag)
        if not is_place:
            if facility is not None:
                locations.append(Location(facility=facility))
            facility = value
            continue
        city, state, country = split_place(value[flag.end() :] if flag else value)
        locations.append(Location(facility, city, state, country))
        facility = None
    if facility is not None:
        locations.append(Location(facility=facility))
    if page_field.stated_count is not None and page_field.stated_count != len(locations):
        issues.append(
            ParseIssue(
                "locations",
                f"the page counts {page_field.stated_count} locations but lists {len(locations)}",
            )
        )
    return locations


_TYPED_NAME = re.compile(r"^([A-Za-z /]+):\s*(.+)$")


def _listed_interventions(values: Sequence[str]) -> list[Intervention]:
    interventions = []
    for value in values:
        typed = _TYPED_NAME.match(value)
        kind = normalize.intervention_type(typed.group(1)) if typed else None
        if typed and kind:
            interventions.append(Intervention(typed.group(2).strip(), kind))
        else:
            interventions.append(Intervention(value))
    return interventions


# --- the parser -----------------------------------------------------------------------------


def parse(document: Document) -> Iterable[Trial]:
    page = _split_page(document.lines)
    issues: list[ParseIssue] = []

    registration = page.first("registration_number")
    nct_id = registration if normalize.is_nct_id(registration) else None
    if nct_id is None:
        found = normalize.NCT_ID.search(document.text or "")
        nct_id = found.group(0) if found else None
    if nct_id is None:
        return []
    identifiers = (Identifier(registration, None),) if registration and not normalize.is_nct_id(registration) else ()

    status_raw = page.first("status")
    overall_status = normalize.overall_status(status_raw)
    if status_raw and overall_status is None:
        issues.append(ParseIssue("overall_status", f"{status_raw!r} does not map to one status code"))

    sex_raw = page.first("sex")
    sex = normalize.sex(sex_raw)
    if sex_raw and sex is None:
        issues.append(ParseIssue("sex", f"unrecognised sex {sex_raw!r}"))

    # "Target Recruitment" is the site's fixed label for every trial, not a statement
    # that the count is an estimate, so the enrollment type stays NULL.
    enrollment_raw = page.first("target_recruitment")
    enrollment, _ = normalize.enrollment(enrollment_raw)
    if enrollment_raw and enrollment is None:
        issues.append(ParseIssue("enrollment", f"unreadable target recruitment {enrollment_raw!r}"))

    study_type_raw = page.first("study_type")
    study_type = normalize.study_type(study_type_raw)
    if study_type_raw and study_type is None:
        issues.append(ParseIssue("study_type", f"unrecognised study type {study_type_raw!r}"))

    design: dict[str, str] = {}
    design_values = page.values("study_design")
    for value in design_values:
        classified = normalize.classify_design_value(value)
        # ASSUMPTION (seed 001 prints the model alone under "Study Design": "PARALLEL"): a lone
        # OTHER there is the observational model of an observational study (OTHER is no
        # intervention model code); of any other study it fits no field
        if classified is None and len(design_values) == 1 and study_type == "OBSERVATIONAL":
            classified = ("observational_model", "OTHER") if normalize.fold(value) == "other" else None
        if classified is None:
            issues.append(ParseIssue("study_design", f"design value {value!r} fits no single design field"))
        else:
            design[classified[0]] = classified[1]

    listed = _listed_interventions(page.values("interventions"))
    arms, arm_intervention_names = _arms(
        page.values("arms_table"), [intervention.name for intervention in listed], issues
    )
    # the page's Interventions list is often empty: the arms table then names them (type unknown)
    listed_names = {intervention.name for intervention in listed}
    interventions = listed + [Intervention(name) for name in arm_intervention_names if name not in listed_names]

    # outcomes are kept up to the first row that cannot be read: a table cut short stops the
    # tables after it too, so the rows kept are the page's first outcome rows in page order
    outcomes: list[Outcome] = []
    for field_name, outcome_type in _OUTCOME_FIELDS.items():
        values = page.values(field_name)
        count = len(issues)
        outcomes += _outcomes(values, outcome_type, issues)
        if len(issues) > count:
            later = [
                name
                for name in list(_OUTCOME_FIELDS)[list(_OUTCOME_FIELDS).index(field_name) + 1 :]
                if page.values(name)
            ]
            if later:
                issues.append(ParseIssue("outcomes", f"outcome tables after a cut one left out: {', '.join(later)}"))
            break

    blocks = page.all_named("unlabeled") or _undashed_eligibility_blocks(page)
    criteria = _criteria(blocks, issues)

    locations: list[Location] = []
    for locations_field in page.all_named("locations"):
        locations += _locations(locations_field, issues)

    sponsor_name = page.first("lead_sponsor")
    sponsors = (Sponsor(sponsor_name, "LEAD", None),) if sponsor_name else ()

    return [
        Trial(
            nct_id=nct_id,
            brief_title=normalize.clean_text(page.title),
            overall_status=overall_status,
            overall_status_raw=status_raw,
            study_type=study_type,
            enrollment=enrollment,
            enrollment_type=None,
            allocation=design.get("allocation"),
            intervention_model=design.get("intervention_model"),
            primary_purpose=design.get("primary_purpose"),
            masking=design.get("masking"),
            observational_model=design.get("observational_model"),
            time_perspective=design.get("time_perspective"),
            sex=sex,
            brief_summary=paragraphs(page.values("brief_summary")),
            detailed_description=paragraphs(page.values("detailed_description")),
            arms=tuple(arms),
            interventions=tuple(interventions),
            outcomes=tuple(outcomes),
            conditions=tuple(page.values("conditions")),
            criteria=tuple(criteria),
            sponsors=sponsors,
            locations=tuple(locations),
            identifiers=identifiers,
            issues=tuple(issues),
        )
    ]
