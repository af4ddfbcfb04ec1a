"""Shared extraction helpers for the text page layouts.

A layout module describes its page as data - a tuple of `Section`s, each with the heading
lines the site prints and the site's own sentences under it (boilerplate) - and uses these
helpers to cut the page's lines into sections and drop the boilerplate. Headings and
boilerplate are recognised by their folded wording (`normalize.fold`: case, punctuation and
spacing do not matter), never by position, so a section the site left empty is an empty list,
not the next heading's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from trialmart import normalize
from trialmart.records import ParseIssue


@dataclass(frozen=True)
class Section:
    """One headed block of a layout: its key, the heading wordings, the site's sentences under it."""

    key: str
    headings: tuple[str, ...]
    boilerplate: tuple[str, ...] = ()


@dataclass(frozen=True)
class SplitPage:
    """A page cut at its headings: the lines before the first heading, and each section's lines."""

    preamble: list[str]
    sections: dict[str, list[str]]  # key -> content lines (boilerplate removed), page order
    present: tuple[str, ...]  # keys of the headings the page printed, in page order

    def lines(self, key: str) -> list[str]:
        return self.sections.get(key, [])

    def has(self, key: str) -> bool:
        return key in self.present


def heading_table(sections: Iterable[Section]) -> dict[str, Section]:
    """Folded heading wording -> its Section."""
    return {normalize.fold(heading): section for section in sections for heading in section.headings}


def is_boilerplate(line: str, sentences: Iterable[str]) -> bool:
    key = normalize.fold(line)
    return bool(key) and key in _folded(tuple(sentences))


@lru_cache(maxsize=256)
def _folded(sentences: tuple[str, ...]) -> frozenset[str]:
    return frozenset(normalize.fold(sentence) for sentence in sentences)


def drop_boilerplate(lines: Sequence[str], sentences: Iterable[str]) -> list[str]:
    """The lines that are not one of the site's boilerplate sentences."""
    folded = {normalize.fold(sentence) for sentence in sentences}
    return [line for line in lines if normalize.fold(line) not in folded]


def split_sections(lines: Sequence[str], sections: Iterable[Section]) -> SplitPage:
    """Cut `lines` at every line that is exactly one of the headings; drop each section's boilerplate.

    A heading printed twice appends to the same section. Lines before the first heading are
    the preamble (title, ids).
    """
    table = heading_table(sections)
    preamble: list[str] = []
    content: dict[str, list[str]] = {}
    present: list[str] = []
    current: Section | None = None
    for line in lines:
        section = table.get(normalize.fold(line))
        if section is not None:
            current = section
            content.setdefault(section.key, [])
            present.append(section.key)
            continue
        if current is None:
            preamble.append(line)
        elif not is_boilerplate(line, current.boilerplate):
            content[current.key].append(line)
    return SplitPage(preamble, content, tuple(present))


def find_value(lines: Sequence[str], label: str) -> str | None:
    """The value of the first "Label: value" line (label compared folded), else None."""
    wanted = normalize.fold(label)
    for line in lines:
        head, separator, value = line.partition(":")
        if separator and normalize.fold(head) == wanted:
            return value.strip() or None
    return None


def paragraphs(lines: Sequence[str]) -> str | None:
    """Lines of a text section as paragraphs joined by a blank line (the contract's rule)."""
    cleaned = [text for line in lines if (text := normalize.clean_text(line))]
    return "\n\n".join(cleaned) or None


def looks_like_prose(line: str, min_words: int = 6) -> bool:
    """A sentence rather than a name or label: several words, or it ends a sentence."""
    text = line.strip()
    return len(text.split()) >= min_words or text.endswith((".", "!", "?", "。"))


def issue(field: str, message: str) -> ParseIssue:
    return ParseIssue(field, message)


# Country names that contain a comma, so "Seoul, Korea, Republic of" keeps its country whole:
# every ISO 3166 name with a comma (pycountry's names and official names) plus the spellings
# ClinicalTrials.gov's own country list uses that ISO does not (the registry prints these).
_REGISTRY_COMMA_COUNTRIES = (
    "Korea, Republic of",
    "Korea, Democratic People's Republic of",
    "Iran, Islamic Republic of",
    "Moldova, Republic of",
    "Congo, The Democratic Republic of the",
    "Macedonia, The Former Yugoslav Republic of",
    "Palestinian Territories, Occupied",
    "Micronesia, Federated States of",
    "Tanzania, United Republic of",
    "Venezuela, Bolivarian Republic of",
    "Bolivia, Plurinational State of",
    "Taiwan, Province of China",
    "Virgin Islands, U.S.",
    "Virgin Islands, British",
)


_POSTAL_CODE = re.compile(r"^(?=[^a-z]*\d)[A-Z0-9][A-Z0-9 .\-]*$")

# A capital district written after its city ("Washington, D.C.", "México, D. F.") is part of the
# city's name when the state follows it: "México, D. F., Distrito Federal, Mexico" is the city
# "México, D. F." in the state "Distrito Federal". With no state after it the registry has it
# either way ("Bogota, D.C." as a city; "Mexico", "Mexico city" with the state "D.f.", 3 of the
# 4 such sites in the API v2 studies of roundtrip_corpus), so "X, D.F., Country" keeps it as the
# state.
_CITY_DISTRICT = re.compile(r"^D\.\s?[CF]\.$", re.IGNORECASE)


@cache
def comma_countries() -> frozenset[str]:
    """Folded country names that hold a comma (loaded once, on first use)."""
    import pycountry  # imported lazily: most pages never need it

    names = set(_REGISTRY_COMMA_COUNTRIES)
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name and "," in name:
                names.add(name)
    return frozenset(normalize.fold(name) for name in names)


def split_place(line: str) -> tuple[str | None, str | None, str | None]:
    """(city, state, country) from "City, State, Country" / "City, Country" / "Country".

    Parts that are postal codes (digits, with upper-case letters, spaces or dashes: "02114",
    "D-80336", "SW1A 1AA") are dropped; a part with a lower-case letter is a name even when it
    holds digits ("Lyon Cedex 03", "Bratislava 37"). With two parts the first is the city:
    ClinicalTrials.gov prints "City, Country" when a site has no state. A country whose name
    holds a comma ("Korea, Republic of") is recognised from the gazetteer above and kept whole.
    """
    parts = [part.strip() for part in line.split(",") if part.strip()]
    parts = [part for part in parts if not _POSTAL_CODE.match(part)]
    if len(parts) >= 2 and normalize.fold(", ".join(parts[-2:])) in comma_countries():
        parts[-2:] = [", ".join(parts[-2:])]
    if len(parts) >= 4 and _CITY_DISTRICT.match(parts[1]):
        parts[:2] = [", ".join(parts[:2])]
    if not parts:
        return None, None, None
    if len(parts) == 1:
        return None, None, parts[0]
    if len(parts) == 2:
        return parts[0], None, parts[1]
    return parts[0], ", ".join(parts[1:-1]), parts[-1]


# --- pages cut off mid-download ---------------------------------------------------------------
#
# A crawler can leave a page that stops part-way: its last blocks missing, the last line ending
# inside a sentence. Every page layout here prints fixed texts at its end (a last block, a
# footer), so their absence says the page was cut off. ASSUMPTION: a page without them is cut
# off; it is still read (what it holds is real), as PARTIAL with a warning naming what is
# missing, and its last line is dropped when it is the start of one of the site's own fixed
# texts (a fragment of boilerplate is never data). Shorter fragments than this are not judged.
MIN_FRAGMENT_CHARS = 12


def cut_off(
    lines: Sequence[str], endings: Iterable[str], site_texts: Iterable[str], layout: str, kind: str = "text"
) -> tuple[list[str], list[ParseIssue]]:
    """`lines` without a trailing fragment of site text, and the warnings of a cut-off page.

    Text pages only: the visible text of an HTML page leaves out its footer, and a cut-off HTML
    file is told by its missing closing tags (`trialmart.documents`).

    `endings`: lines of which the site prints at least one, exactly, near the end of every
    page. `site_texts`: the layout's headings and fixed sentences.
    """
    lines = list(lines)
    endings = tuple(endings)
    if kind != "text" or not lines or any(line in endings for line in reversed(lines)):
        return lines, []
    issues = [
        ParseIssue(
            "page",
            f"the page ends before the text the {layout} site prints at the end of every page "
            f"({'; '.join(repr(text) for text in endings)}): it was cut off, so what followed "
            f"{lines[-1][:60]!r} is missing",
        )
    ]
    last = normalize.fold(lines[-1])
    if len(last) >= MIN_FRAGMENT_CHARS:
        for text in site_texts:
            folded = normalize.fold(text)
            if folded != last and folded.startswith(last):
                issues.append(
                    ParseIssue(
                        "page", f"last line {lines[-1]!r} is the cut-off start of the site's text {text!r}: not read"
                    )
                )
                lines.pop()
                break
    return lines, issues
