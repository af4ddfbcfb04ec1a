"""Eligibility text -> one Criterion per item, inclusion and exclusion kept apart, in page order.

Used by every page layout (`split_criteria` on the lines of one block) and by the official
JSON/XML parsers (`split_eligibility` on a whole "Inclusion Criteria: ... Exclusion Criteria: ..."
text). The rules, in the order they are applied:

1. **Headings are never criteria.** "Inclusion Criteria", "Exclusion Criteria:", "Key Inclusion
   Criteria", "INCLUSION CRITERIA" (and "... for Part A:") are dropped. A numbered or bulleted
   lead-in such as "7. Other exclusions include:" is *not* a heading: it is an item of the page
   and stays one row (its sub-items are rows of their own, see 3). Upper-case sub-headings of
   old records ("DISEASE CHARACTERISTICS:", "PATIENT CHARACTERISTICS:") are headings too.
2. **A line that starts with a list marker starts a new item**, whatever the marker: `1.` `1)`
   `(1)` `1、` `a)` `(a)` `ii.` circled numbers `①`..`⑳` and `⑴`.., bullets `*` `-` `•` `·` `▪` ...
   The marker is stripped. Numbering may start anywhere ("2." when the page lost item 1).
3. **Nested items are separate rows.** Sub-bullets under a lead-in ("Other exclusions include:",
   "Adequate organ function:") are each their own criterion, in page order; the lead-in keeps its
   own row. Nothing is prefixed or duplicated, so every row is text the page printed.
4. **Unmarked lines**: a line without a marker *continues* the current item (a wrapped line,
   joined with one space) when the item so far does not end a sentence (it ends with a word, a
   comma or a colon - so a lead-in such as "Histopathological findings:" takes the line that
   follows) or when the line starts in lower case. An unmarked line that starts a new capitalised
   sentence after a finished one (". ! ? ;") is its *own* item: pages that lost their markers
   (seed 003: "Formation of persistent erosions ...", "Diagnosis is confirmed with ...") print
   one criterion per line.
5. **Inline numbering is split**: "...classification criteria; 2. Newly-onset ..." on one line is
   two items. A split happens only at a number that continues the item numbering (the item's own
   number + 1, or 2 when the item had no number) and that follows ";" "." ":" or "," plus a space,
   so "2.0-3.0 mg" or "NYHA Class III" never split. Inline letters ("a) ... b) ...") are the parts
   of one criterion and are kept together.
6. **A second numbering stops the splitting.** When, inside one line, the numbers go back and
   run on again ("13. ... 15. Lack of suitability 14. Subjects ... 15. Acute ... 16. ..."), a
   sub-list was flattened into the outer one and every later split would be a guess: the item
   keeps the rest of the line, and `split_criteria(doubts=...)` says so.
7. Texts are cleaned with `normalize.clean_text` (entities, escaped quotes \\' -> ', spaces).

`split_eligibility` finds the headings in an official text block; text before the first heading
is ignored (it is a preamble such as "Patients must meet:"). When there is no heading at all the
items are returned as INCLUSION only if the text is clearly a list (at least two marked lines,
and at least half of the lines marked); free prose without headings returns no rows - the caller may record a
ParseIssue, as it cannot know which kind the prose is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from trialmart.normalize import clean_text
from trialmart.records import Criterion

INCLUSION = "INCLUSION"
EXCLUSION = "EXCLUSION"

_CIRCLED = "\u2460-\u2473\u2474-\u2487\u2488-\u249b\u24f5-\u24fe\u2776-\u277f\u2780-\u2793"
_BULLETS_ANY_SPACING = "•·◦▪▫■□●○‣⁃∙➢➤►▶✓✔☐"
_BULLETS_NEED_SPACE = r"\-*+–—>o"
_ROMAN = r"(?:i|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii)"
_MARKER = re.compile(
    rf"""^\s*(?:
        (?P<number>\d{{1,3}})[.)、．](?!\d)                   # 1.  1)  1、
      | \((?P<paren_number>\d{{1,3}})\)                      # (1)
      | \(?(?P<letter>[a-zA-Z])\)                            # a)  (a)
      | (?P<dotted_letter>[a-z])\.(?=\s)                     # a.
      | \(?(?P<roman>{_ROMAN})[.)](?=\s)                     # ii.  (iv)
      | (?P<circled>[{_CIRCLED}])                            # ① ⑴ ❶
      | (?P<bullet_any>[{_BULLETS_ANY_SPACING}])             # •item
      | (?P<bullet>[{_BULLETS_NEED_SPACE}])(?=\s)            # "* item", "- item"
    )\s*""",
    re.VERBOSE | re.IGNORECASE,
)

_HEADING_PREFIX = r"(?:key|main|major|general|additional|specific|study|trial)\s+"
_HEADING = re.compile(
    rf"""^\s*(?:{_HEADING_PREFIX})?
        (?P<kind>inclusion|exclusion)
        (?:\s+(?:criteria|criterion|criterias)
           (?:\s+(?:for|in|of)\s+[^:]{{1,60}}?)?    # "Inclusion Criteria for Part A"
           (?:\s*\([^)]{{0,60}}\))?                 # "Exclusion criteria (all cohorts)"
        )?
        \s*(?::|-|–)?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)
# Looser headings: "Inclusion criteria were as follows:", "Erectile dysfunction cohort Inclusion
# Criteria:", "Exclusion Citeria:" - an unmarked short line naming the kind and ending with ":"
_HEADING_LOOSE = re.compile(
    r"^[^:]{0,60}?\b(?P<kind>inclusion|exclusion)\s+(?:criteria|criterias|criterion|citeria|critera|criteria\s+\w+)\b[^:]{0,40}:\s*$",
    re.IGNORECASE,
)
# "DISEASE CHARACTERISTICS:", "PATIENT CHARACTERISTICS:" - upper-case sub-headings of old records
_SUB_HEADING = re.compile(r"^[A-Z][A-Z0-9 ,/&()-]{2,60}:$")
# "Inclusion Criteria: Age 18 or older" - a heading with its first item on the same line
_HEADING_WITH_TEXT = re.compile(
    rf"^\s*(?:{_HEADING_PREFIX})?(?P<kind>inclusion|exclusion)\s+criteria\s*:\s*(?P<rest>\S.*)$",
    re.IGNORECASE,
)

_SENTENCE_END = re.compile(r"[.!?;。；！？][\"'”’)\]]*$")
_INLINE_NUMBER = re.compile(r"(?<=[;.:,；。：，])\s+(?P<number>\d{1,3})[.)、]\s+(?=\S)")
# sequence_only=True: any " N. " that continues the numbering splits, punctuation before it or not
_INLINE_NUMBER_ANY = re.compile(r"(?<=\S)\s+(?P<number>\d{1,3})[.)、](?=\s+\S)")


@dataclass
class _Item:
    number: int | None
    parts: list[str] = field(default_factory=list)
    doubt: str | None = None

    @property
    def text(self) -> str:
        return " ".join(self.parts)


def is_heading(line: str) -> bool:
    """True for "Inclusion Criteria", "Exclusion Criteria:", "Key Inclusion Criteria" and the like."""
    return heading_kind(line) is not None


def heading_kind(line: str) -> str | None:
    """INCLUSION / EXCLUSION for a heading line, else None (a marked line is never a heading)."""
    style, _, text = strip_marker(line)
    # "* Exclusion Criteria:" - a heading some records print as a bullet
    match = _HEADING.match(text)
    if not match and style is None:
        match = _HEADING_LOOSE.match(line.strip())
    if not match:
        return None
    return INCLUSION if match.group("kind").lower() == "inclusion" else EXCLUSION


@lru_cache(maxsize=4096)  # each line is asked up to three times (heading?, list?, item)
def strip_marker(line: str) -> tuple[str | None, int | None, str]:
    """(marker style or None, its number if numeric, the line's text without the marker)."""
    match = _MARKER.match(line)
    if not match or not line[match.end() :].strip():
        return None, None, line.strip()
    style = next(name for name, value in match.groupdict().items() if value is not None)
    number = match.group("number") or match.group("paren_number")
    return style, int(number) if number else None, line[match.end() :].strip()


def _continues(item: _Item, line: str) -> bool:
    """Whether an unmarked line is the wrapped rest of `item` (rule 4 of the module doc)."""
    if line[:1].islower():
        return True
    return not _SENTENCE_END.search(item.text)


def _split_inline(item: _Item, pattern: re.Pattern[str] = _INLINE_NUMBER) -> list[_Item]:
    """Rule 5: "...; 2. Newly-onset ..." -> two items when 2 continues the numbering.

    A second numbering inside an item ("15. Lack of suitability 14. Subjects ... 15. Acute ...":
    a sub-list flattened into the line) makes every later split a guess, because its numbers
    run on from the outer list's: the splitting stops at the number that goes back, and the
    item keeps the rest with `doubt` set (rule 6).
    """
    items = [item]
    text = item.text
    current = item
    while True:
        expected = (current.number or 1) + 1
        markers = list(pattern.finditer(text))
        found = next((m for m in markers if int(m.group("number")) == expected), None)
        if found is None:
            break
        if restart := _restarted_numbering(markers, found, expected):
            current.doubt = (
                f"the numbering goes back to {restart} after item {expected - 1} and runs on "
                f"({restart}, {restart + 1}, ...): a list inside an item; items from there are not split"
            )
            break
        # the ";" or "," before an inline number separates the items: it is not part of either
        current.parts = [text[: found.start()].strip().rstrip(";,；，").rstrip()]
        text = text[found.end() :].strip()
        current = _Item(expected, [text])
        items.append(current)
    return items


def _restarted_numbering(markers: Sequence[re.Match[str]], found: re.Match[str], expected: int) -> int | None:
    """The start of a second numbering that runs up to `expected` - 1 before `found`, if any.

    "13. ... 15. Lack 14. Subjects ... 15. Acute ... 16. History" - the 16 may continue either
    numbering. An inner list that stays below the outer numbers ("9. Patients who showed 1. risk
    ..., 2. gradual ... 10. CEA") leaves no doubt and is kept inside its item.
    """
    before = [int(m.group("number")) for m in markers if m.start() < found.start()]
    for index, start in enumerate(before):
        if start >= expected - 1:
            continue
        reached = start
        for number in before[index + 1 :]:
            if number == reached + 1:
                reached = number
        if reached == expected - 1:
            return start
    return None


def _items(lines: Sequence[str], pattern: re.Pattern[str] = _INLINE_NUMBER) -> list[_Item]:
    items: list[_Item] = []
    for raw_line in lines:
        line = raw_line.strip()
        if not line or is_heading(line) or _SUB_HEADING.match(line):
            continue
        style, number, text = strip_marker(line)
        if style is not None or not items or not _continues(items[-1], text):
            items.append(_Item(number, [text]))
        else:
            items[-1].parts.append(text)
    return [piece for item in items for piece in _split_inline(item, pattern)]


def split_criteria(
    lines: Sequence[str], criterion_type: str, *, sequence_only: bool = False, doubts: list[str] | None = None
) -> list[Criterion]:
    """Criteria of one type from the lines of its block (markers stripped, wraps joined).

    ``sequence_only``: an inline " N. " splits when N is the next expected number, with or
    without punctuation before it (pages that number items inline without ending them).
    ``doubts``: where the numbering leaves a doubt (rule 6), a message is appended here.
    """
    criteria = []
    for item in _items(lines, _INLINE_NUMBER_ANY if sequence_only else _INLINE_NUMBER):
        text = clean_text(item.text)
        if text:
            criteria.append(Criterion(criterion_type, text))
            if item.doubt and doubts is not None:
                doubts.append(f"{criterion_type.lower()} criterion {len(criteria)}: {item.doubt}")
    return criteria


def _clearly_a_list(lines: Sequence[str]) -> bool:
    content = [line for line in lines if line.strip()]
    marked = [line for line in content if strip_marker(line)[0] is not None]
    return len(marked) >= 2 and 2 * len(marked) >= len(content)


def split_eligibility(text: str | None) -> list[Criterion]:
    """Criteria from an official eligibility text block (see the module doc for the rules)."""
    if not text:
        return []
    current: str | None = None
    saw_heading = False
    blocks: list[tuple[str, list[str]]] = []
    preamble: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        kind = heading_kind(line)
        rest = None
        if kind is None and (inline := _HEADING_WITH_TEXT.match(line)):
            kind = INCLUSION if inline.group("kind").lower() == "inclusion" else EXCLUSION
            rest = inline.group("rest")
        if kind is not None:
            saw_heading = True
            current = kind
            blocks.append((kind, [rest] if rest else []))
            continue
        if current is None:
            preamble.append(line)
        else:
            blocks[-1][1].append(line)
    if not saw_heading:
        return split_criteria(preamble, INCLUSION) if _clearly_a_list(preamble) else []
    criteria: list[Criterion] = []
    # inclusion first, then exclusion; each in page order (a text may repeat a heading)
    for kind in (INCLUSION, EXCLUSION):
        for block_kind, block_lines in blocks:
            if block_kind == kind:
                criteria.extend(split_criteria(block_lines, kind))
    return criteria
