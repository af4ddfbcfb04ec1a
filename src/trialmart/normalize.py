"""Source wording -> contract codes.

Every function takes the text a source printed and returns the contract's code, or
``None`` when the wording does not map to exactly one code. Lookups are made on a
folded key (lower case, punctuation and underscores as spaces), so ``"Active, not
recruiting"``, ``"ACTIVE_NOT_RECRUITING"`` and ``"active not recruiting"`` agree.
The vocabularies are data (dicts below), not branches.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from trialmart.records import DatePrecision

_NON_WORD = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=1 << 16)
def fold(text: str | None) -> str:
    """Lower-case key with every run of non-alphanumerics collapsed to one space.

    Cached: the same headings, boilerplate sentences and codes are folded on every page."""
    if text is None:
        return ""
    return _NON_WORD.sub(" ", text.lower()).strip()


def _vocabulary(mapping: dict[str, str], codes: Iterable[str]) -> dict[str, str]:
    table = {fold(code): code for code in codes}
    table.update({fold(label): code for label, code in mapping.items()})
    return table


def _lookup(table: dict[str, str], raw: str | None) -> str | None:
    if raw is None:
        return None
    return table.get(fold(raw))


# --- overall status ---------------------------------------------------------------

OVERALL_STATUS_CODES = (
    "NOT_YET_RECRUITING",
    "RECRUITING",
    "ENROLLING_BY_INVITATION",
    "ACTIVE_NOT_RECRUITING",
    "SUSPENDED",
    "TERMINATED",
    "COMPLETED",
    "WITHDRAWN",
    "UNKNOWN",
    "AVAILABLE",
    "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE",
    "APPROVED_FOR_MARKETING",
    "WITHHELD",
)
_STATUS = _vocabulary(
    {
        "Unknown status": "UNKNOWN",
        "Active, not recruiting": "ACTIVE_NOT_RECRUITING",
        "Not yet recruiting": "NOT_YET_RECRUITING",
        "Enrolling by invitation": "ENROLLING_BY_INVITATION",
        "Temporarily not available": "TEMPORARILY_NOT_AVAILABLE",
        "No longer available": "NO_LONGER_AVAILABLE",
        "Approved for marketing": "APPROVED_FOR_MARKETING",
    },
    OVERALL_STATUS_CODES,
)


def overall_status(raw: str | None) -> str | None:
    """Status code, or None when the wording is ambiguous (e.g. "Not Recruiting")."""
    return _lookup(_STATUS, raw)


# --- phase -------------------------------------------------------------------------

PHASE_CODES = (
    "EARLY_PHASE1",
    "PHASE1",
    "PHASE1/PHASE2",
    "PHASE2",
    "PHASE2/PHASE3",
    "PHASE3",
    "PHASE4",
    "NA",
)
_SINGLE_PHASE = _vocabulary(
    {
        "Early Phase 1": "EARLY_PHASE1",
        "Early Phase I": "EARLY_PHASE1",
        "Phase 0": "EARLY_PHASE1",
        "Phase 1": "PHASE1",
        "Phase I": "PHASE1",
        "Phase 2": "PHASE2",
        "Phase II": "PHASE2",
        "Phase 3": "PHASE3",
        "Phase III": "PHASE3",
        "Phase 4": "PHASE4",
        "Phase IV": "PHASE4",
        "N/A": "NA",
        "Not Applicable": "NA",
        "phase1": "PHASE1",
        "phase2": "PHASE2",
        "phase3": "PHASE3",
        "phase4": "PHASE4",
    },
    ("EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA"),
)
_COMBINED_PHASES = {("PHASE1", "PHASE2"): "PHASE1/PHASE2", ("PHASE2", "PHASE3"): "PHASE2/PHASE3"}
_WHOLE_PHASE = _vocabulary({}, PHASE_CODES)
_BARE_PHASE_NUMBER = re.compile(r"^(?:[0-4]|i{1,3}|iv)$", re.IGNORECASE)
_PHASE_SPLIT = re.compile(r"\s*(?:/|\||,|\band\b|&)\s*", re.IGNORECASE)


def phase(raw: str | Iterable[str] | None) -> str | None:
    """Phase code from "Phase 4", "PHASE1/PHASE2", "Phase 1/Phase 2", "Phase 1/2" or a list."""
    if raw is None:
        return None
    if isinstance(raw, str):
        # "N/A" and "PHASE1/PHASE2" are whole codes: look them up before splitting on "/"
        whole = _lookup(_SINGLE_PHASE, raw) or _lookup(_WHOLE_PHASE, raw)
        if whole:
            return whole
    parts = list(raw) if not isinstance(raw, str) else _PHASE_SPLIT.split(raw.strip())
    parts = [p for p in parts if p and p.strip()]
    if not parts:
        return None
    if len(parts) == 1:
        return _lookup(_SINGLE_PHASE, parts[0])
    if len(parts) == 2:
        first = _lookup(_SINGLE_PHASE, parts[0])
        second_raw = parts[1].strip()
        if first and _BARE_PHASE_NUMBER.match(second_raw):  # "Phase 1/2", "Phase I/II"
            second_raw = f"Phase {second_raw}"
        second = _lookup(_SINGLE_PHASE, second_raw)
        if first and second:
            return _COMBINED_PHASES.get((first, second))
    return None


# --- study type and design -----------------------------------------------------------

STUDY_TYPE_CODES = ("INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS")
_STUDY_TYPE = _vocabulary(
    {
        "Observational [Patient Registry]": "OBSERVATIONAL",
        "Observational (Patient Registry)": "OBSERVATIONAL",
        "Patient Registry": "OBSERVATIONAL",
        "Interventional (Clinical Trial)": "INTERVENTIONAL",
    },
    STUDY_TYPE_CODES,
)

ALLOCATION_CODES = ("RANDOMIZED", "NON_RANDOMIZED", "NA")
_ALLOCATION = _vocabulary(
    {"Randomised": "RANDOMIZED", "Non-Randomised": "NON_RANDOMIZED", "N/A": "NA"}, ALLOCATION_CODES
)

INTERVENTION_MODEL_CODES = ("SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL")
_INTERVENTION_MODEL = _vocabulary(
    {
        "Single Group Assignment": "SINGLE_GROUP",
        "Single Group": "SINGLE_GROUP",
        "Parallel Assignment": "PARALLEL",
        "Crossover Assignment": "CROSSOVER",
        "Cross-over": "CROSSOVER",
        "Factorial Assignment": "FACTORIAL",
        "Sequential Assignment": "SEQUENTIAL",
    },
    INTERVENTION_MODEL_CODES,
)

PRIMARY_PURPOSE_CODES = (
    "TREATMENT",
    "PREVENTION",
    "DIAGNOSTIC",
    "SUPPORTIVE_CARE",
    "SCREENING",
    "HEALTH_SERVICES_RESEARCH",
    "BASIC_SCIENCE",
    "DEVICE_FEASIBILITY",
    "ECT",
    "OTHER",
)
_PRIMARY_PURPOSE = _vocabulary(
    {
        "Educational/Counseling/Training": "ECT",
        "Educational Counseling Training": "ECT",
        "Health Services Research": "HEALTH_SERVICES_RESEARCH",
        "Supportive Care": "SUPPORTIVE_CARE",
        "Basic Science": "BASIC_SCIENCE",
        "Device Feasibility": "DEVICE_FEASIBILITY",
    },
    PRIMARY_PURPOSE_CODES,
)

MASKING_CODES = ("NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE")
_MASKING = _vocabulary({"None (Open Label)": "NONE", "Open Label": "NONE", "No masking": "NONE"}, MASKING_CODES)
_MASKING_HEAD = re.compile(r"^\s*(none|single|double|triple|quadruple)\b", re.IGNORECASE)

OBSERVATIONAL_MODEL_CODES = (
    "COHORT",
    "CASE_CONTROL",
    "CASE_ONLY",
    "CASE_CROSSOVER",
    "ECOLOGIC_OR_COMMUNITY",
    "FAMILY_BASED",
    "DEFINED_POPULATION",
    "NATURAL_HISTORY",
    "OTHER",
)
_OBSERVATIONAL_MODEL = _vocabulary(
    {
        "Case-Control": "CASE_CONTROL",
        "Case Control": "CASE_CONTROL",
        "Case-Only": "CASE_ONLY",
        "Case-Crossover": "CASE_CROSSOVER",
        "Ecologic or Community": "ECOLOGIC_OR_COMMUNITY",
        "Ecologic or Community Studies": "ECOLOGIC_OR_COMMUNITY",
        "Family-Based": "FAMILY_BASED",
        "Defined Population": "DEFINED_POPULATION",
        "Natural History": "NATURAL_HISTORY",
    },
    OBSERVATIONAL_MODEL_CODES,
)

TIME_PERSPECTIVE_CODES = ("PROSPECTIVE", "RETROSPECTIVE", "CROSS_SECTIONAL", "OTHER")
_TIME_PERSPECTIVE = _vocabulary(
    {"Cross-Sectional": "CROSS_SECTIONAL", "Retrospective/Prospective": "OTHER"},
    TIME_PERSPECTIVE_CODES,
)


def study_type(raw: str | None) -> str | None:
    return _lookup(_STUDY_TYPE, raw)


def allocation(raw: str | None) -> str | None:
    return _lookup(_ALLOCATION, raw)


def intervention_model(raw: str | None) -> str | None:
    return _lookup(_INTERVENTION_MODEL, raw)


def primary_purpose(raw: str | None) -> str | None:
    return _lookup(_PRIMARY_PURPOSE, raw)


def masking(raw: str | None) -> str | None:
    """Masking code; "Double (Participant, Investigator)" and "None (Open label)" included."""
    code = _lookup(_MASKING, raw)
    if code is None and raw:
        head = _MASKING_HEAD.match(raw)
        if head:
            code = head.group(1).upper()
    return code


def observational_model(raw: str | None) -> str | None:
    return _lookup(_OBSERVATIONAL_MODEL, raw)


def time_perspective(raw: str | None) -> str | None:
    return _lookup(_TIME_PERSPECTIVE, raw)


# Design blocks print bare codes with no label: classify each value by vocabulary.
DESIGN_VOCABULARIES: dict[str, dict[str, str]] = {
    "allocation": _ALLOCATION,
    "intervention_model": _INTERVENTION_MODEL,
    "primary_purpose": _PRIMARY_PURPOSE,
    "masking": _MASKING,
    "observational_model": _OBSERVATIONAL_MODEL,
    "time_perspective": _TIME_PERSPECTIVE,
}


def classify_design_value(raw: str) -> tuple[str, str] | None:
    """(design field, code) for an unlabeled design value, or None if not exactly one field fits.

    "OTHER" belongs to several vocabularies and is therefore ambiguous here; "NA" is only an
    allocation code among the design vocabularies (phase NA is read by `phase`, not here).
    """
    hits = [(name, table[fold(raw)]) for name, table in DESIGN_VOCABULARIES.items() if fold(raw) in table]
    return hits[0] if len(hits) == 1 else None


# --- arms, interventions, sponsors --------------------------------------------------

ARM_TYPE_CODES = (
    "EXPERIMENTAL",
    "ACTIVE_COMPARATOR",
    "PLACEBO_COMPARATOR",
    "SHAM_COMPARATOR",
    "NO_INTERVENTION",
    "OTHER",
)
_ARM_TYPE = _vocabulary({}, ARM_TYPE_CODES)


def arm_type(raw: str | None) -> str | None:
    """Arm type from "Active Comparator", "Experimental group", "PLACEBO_COMPARATOR"."""
    if raw is None:
        return None
    key = fold(raw)
    for suffix in (" group", " arm"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
    return _ARM_TYPE.get(key)


INTERVENTION_TYPE_CODES = (
    "DRUG",
    "BIOLOGICAL",
    "DEVICE",
    "PROCEDURE",
    "RADIATION",
    "BEHAVIORAL",
    "GENETIC",
    "DIETARY_SUPPLEMENT",
    "COMBINATION_PRODUCT",
    "DIAGNOSTIC_TEST",
    "OTHER",
)
_INTERVENTION_TYPE = _vocabulary(
    {
        "Biologic": "BIOLOGICAL",
        "Procedure/Surgery": "PROCEDURE",
        "Surgery": "PROCEDURE",
        "Behavioural": "BEHAVIORAL",
        "Dietary Supplement": "DIETARY_SUPPLEMENT",
        "Combination Product": "COMBINATION_PRODUCT",
        "Diagnostic Test": "DIAGNOSTIC_TEST",
    },
    INTERVENTION_TYPE_CODES,
)


def intervention_type(raw: str | None) -> str | None:
    return _lookup(_INTERVENTION_TYPE, raw)


AGENCY_CLASS_CODES = ("NIH", "FED", "OTHER_GOV", "INDUSTRY", "NETWORK", "OTHER", "UNKNOWN")
_AGENCY_CLASS = _vocabulary(
    {
        "U.S. Fed": "FED",
        "US Fed": "FED",
        "Other Government": "OTHER_GOV",
        "Other U.S. Federal agency": "FED",
        # API v2 has two classes the contract folds: an individual is OTHER, ambiguous is UNKNOWN
        "INDIV": "OTHER",
        "Individual": "OTHER",
        "AMBIG": "UNKNOWN",
    },
    AGENCY_CLASS_CODES,
)


def agency_class(raw: str | None) -> str | None:
    return _lookup(_AGENCY_CLASS, raw)


# --- sex, volunteers, ages, enrollment ------------------------------------------------

SEX_CODES = ("ALL", "FEMALE", "MALE")
_SEX = _vocabulary(
    {
        "Both": "ALL",
        "All genders": "ALL",
        "All sexes": "ALL",
        "Both sexes": "ALL",
        "Male and Female": "ALL",
        "Males and Females": "ALL",
        "Female and Male": "ALL",
        "Female only": "FEMALE",
        "Male only": "MALE",
        "Women": "FEMALE",
        "Men": "MALE",
    },
    SEX_CODES,
)


def sex(raw: str | None) -> str | None:
    return _lookup(_SEX, raw)


_VOLUNTEERS = {
    "yes": True,
    "true": True,
    "accepts healthy volunteers": True,
    "accepts healthy volunteer": True,
    "healthy volunteers accepted": True,
    "no": False,
    "false": False,
    "no healthy volunteers": False,
    "does not accept healthy volunteers": False,
    "healthy volunteers not accepted": False,
}


def healthy_volunteers(raw: str | bool | None) -> bool | None:
    if isinstance(raw, bool) or raw is None:
        return raw
    return _VOLUNTEERS.get(fold(raw))


# The contract's conversions: months/12, weeks/52.1775, days/365.25.
_UNIT_DIVISORS = {
    "year": 1.0,
    "month": 12.0,
    "week": 52.1775,
    "day": 365.25,
    "hour": 365.25 * 24,
    "minute": 365.25 * 24 * 60,
}
_UNIT_ALIASES = {
    "yr": "year",
    "yrs": "year",
    "y": "year",
    "mo": "month",
    "mos": "month",
    "wk": "week",
    "wks": "week",
    "d": "day",
    "h": "hour",
    "hr": "hour",
    "hrs": "hour",
    "min": "minute",
    "mins": "minute",
}
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]+)?", re.IGNORECASE)


def _unit(word: str | None) -> str | None:
    if not word:
        return None
    word = word.lower()
    word = _UNIT_ALIASES.get(word, word)
    word = word[:-1] if word.endswith("s") and word[:-1] in _UNIT_DIVISORS else word
    return word if word in _UNIT_DIVISORS else None


def age_in_years(value: float, unit: str) -> float:
    return round(value / _UNIT_DIVISORS[unit], 6)


def age_years(raw: str | None, default_unit: str | None = None) -> float | None:
    """Years from "18 Years", "6 Months", "28 days", "12 Hours"; None for "N/A" or no number."""
    if raw is None:
        return None
    match = _AGE.match(raw)
    if not match:
        return None
    unit = _unit(match.group(2)) or (default_unit if match.group(2) is None else None)
    if unit is None:
        return None
    return age_in_years(float(match.group(1)), unit)


_AGE_RANGE = re.compile(
    r"(?P<low>\d+(?:\.\d+)?)\s*(?P<low_unit>[a-z]+)?\s*(?:-|–|—|to|and)\s*(?P<high>\d+(?:\.\d+)?)\s*(?P<unit>[a-z]+)",
    re.IGNORECASE,
)
_AGE_MIN_ONLY = re.compile(
    r"(?P<low>\d+(?:\.\d+)?)\s*(?P<unit>[a-z]+)?\s*(?:\+|and (?:older|over|above)|or older|or over)", re.IGNORECASE
)
_AGE_MAX_ONLY = re.compile(r"(?:up to|under|below|to|<=?)\s*(?P<high>\d+(?:\.\d+)?)\s*(?P<unit>[a-z]+)", re.IGNORECASE)


def age_range_years(raw: str | None) -> tuple[float | None, float | None]:
    """(minimum, maximum) in years from "18 to 65 years old", "18-80 years", "65+ years"."""
    if not raw:
        return None, None
    match = _AGE_RANGE.search(raw)
    if match:
        unit = _unit(match.group("unit"))
        low_unit = _unit(match.group("low_unit")) or unit
        if unit and low_unit:
            return age_in_years(float(match.group("low")), low_unit), age_in_years(float(match.group("high")), unit)
    match = _AGE_MIN_ONLY.search(raw)
    if match:
        unit = _unit(match.group("unit")) or "year"
        return age_in_years(float(match.group("low")), unit), None
    match = _AGE_MAX_ONLY.search(raw)
    if match:
        unit = _unit(match.group("unit"))
        if unit:
            return None, age_in_years(float(match.group("high")), unit)
    return None, None


ENROLLMENT_TYPE_CODES = ("ACTUAL", "ESTIMATED")
_ENROLLMENT_TYPE = _vocabulary(
    {"Anticipated": "ESTIMATED", "Estimate": "ESTIMATED", "Expected": "ESTIMATED", "Target": "ESTIMATED"},
    ENROLLMENT_TYPE_CODES,
)
_ENROLLMENT = re.compile(
    r"^\s*(?:(?P<label>actual|estimated|anticipated)\s*:\s*)?"  # "Estimated: 60 participants"
    r"(?P<count>\d[\d,]*)\s*(?:(?P<before>actual|estimated|anticipated)\s+)?"
    r"(?:participants?|patients?|subjects?|people|persons?)?\s*"
    r"(?:\((?P<after>actual|estimated|anticipated)\))?\s*"
    # "110 participants in 2 patient groups"
    r"(?:in\s+\d+\s+(?:patient\s+|participant\s+|treatment\s+)?(?:groups?|arms?|cohorts?))?\s*$",
    re.IGNORECASE,
)


def enrollment_type(raw: str | None) -> str | None:
    return _lookup(_ENROLLMENT_TYPE, raw)


def enrollment(raw: str | None) -> tuple[int | None, str | None]:
    """(count, type) from "76 participants", "110 estimated patients", "60", "250 (Actual)"."""
    if raw is None:
        return None, None
    match = _ENROLLMENT.match(raw)
    if not match:
        return None, None
    count = int(match.group("count").replace(",", ""))
    kind = match.group("label") or match.group("before") or match.group("after")
    return count, enrollment_type(kind)


# --- dates -----------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
# ISO dates, also with "/" separators (year first is unambiguous) and a time part that is ignored;
# day-first/month-first "07/08/2020" is ambiguous and deliberately not read
_ISO = re.compile(
    r"^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)?)?$"
)
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s+([a-z]+)\.?,?\s+(\d{4})$", re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(r"^([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$", re.IGNORECASE)
_MONTH_YEAR = re.compile(r"^([a-z]+)\.?,?\s+(\d{4})$", re.IGNORECASE)


def parse_date(raw: str | None) -> tuple[date | None, str | None]:
    """(date, precision) from ISO ("2020-07-15", "2020-07", "2020") or English dates.

    Partial dates map to the first day of the period: "2020-07" is 2020-07-01 with
    precision MONTH, "2020" is 2020-01-01 with precision YEAR.
    """
    if raw is None:
        return None, None
    text = raw.strip()
    try:
        if match := _ISO.match(text):
            year, month, day = match.groups()
            if day:
                return date(int(year), int(month), int(day)), DatePrecision.DAY.value
            if month:
                return date(int(year), int(month), 1), DatePrecision.MONTH.value
            return date(int(year), 1, 1), DatePrecision.YEAR.value
        if match := _DAY_MONTH_YEAR.match(text):
            day, month_name, year = match.groups()
            month = _MONTHS.get(month_name.lower())
            if month:
                return date(int(year), month, int(day)), DatePrecision.DAY.value
        if match := _MONTH_DAY_YEAR.match(text):
            month_name, day, year = match.groups()
            month = _MONTHS.get(month_name.lower())
            if month:
                return date(int(year), month, int(day)), DatePrecision.DAY.value
        if match := _MONTH_YEAR.match(text):
            month_name, year = match.groups()
            month = _MONTHS.get(month_name.lower())
            if month:
                return date(int(year), month, 1), DatePrecision.MONTH.value
    except ValueError:  # 2021-02-30 and the like
        return None, None
    return None, None


def looks_like_date(raw: str) -> bool:
    return parse_date(raw)[0] is not None


# --- identifiers and text ---------------------------------------------------------------

NCT_ID = re.compile(r"\bNCT\d{8}\b")
NCT_ID_EXACT = re.compile(r"^NCT\d{8}$")


def is_nct_id(raw: str | None) -> bool:
    return bool(raw) and bool(NCT_ID_EXACT.match(raw.strip()))


_ESCAPED_QUOTE = re.compile(r"\\(['\"])")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def clean_text(raw: str | None) -> str | None:
    """Decode entities and escaped quotes, collapse runs of spaces; empty becomes None."""
    if raw is None:
        return None
    text = html.unescape(raw) if "&" in raw else raw
    if "\\" in text:
        text = _ESCAPED_QUOTE.sub(r"\1", text)
    # a plain ASCII line has nothing for _SPACES to collapse (the common case): skip the regex
    plain = text.isascii() and "\t" not in text and "  " not in text
    text = text.strip() if plain else _SPACES.sub(" ", text).strip()
    return text or None
