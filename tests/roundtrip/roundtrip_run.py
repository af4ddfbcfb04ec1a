"""Print studies in a layout, read the pages back with trialmart, and tally the agreement.

Printers live beside this file as ``print_<family>.py`` (the family names of
`trialmart.sources.FAMILIES`), each with ``print_page(study) -> Printed``. A page is
written to a folder, read with `trialmart.documents.read_document`, must be claimed by its
own family, and is parsed by that family's parser (strictly: an exception propagates).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from roundtrip_compare import Check, Tally, compare
from roundtrip_corpus import Printed, Study

from trialmart.documents import Document, read_document
from trialmart.records import Trial
from trialmart.sources import FAMILIES, detect

HERE = Path(__file__).resolve().parent
LAYOUTS = ("ctgov_mirror", "bulleted_registry", "veeva", "aggregator")
MAX_BYTES = 50 * 1024 * 1024


def printer(layout: str) -> ModuleType | None:
    """The printer module of a layout, or None while it is not written."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    try:
        return importlib.import_module(f"print_{layout}")
    except ModuleNotFoundError as error:
        if error.name == f"print_{layout}":
            return None
        raise


def page_name(layout: str, study: Study, printed: Printed) -> str:
    return f"{layout}_{study.nct_id}{printed.suffix}"


def read_page(folder: Path, name: str, layout: str) -> list[Trial]:
    document = read_document(folder, folder / name, MAX_BYTES)
    assert isinstance(document, Document), f"{name}: rejected: {document}"
    family = detect(document)
    assert family == layout, f"{name}: detected as {family!r}, not {layout!r}"
    return list(FAMILIES[layout].parse(document))


def roundtrip(layout: str, studies: Iterable[Study], folder: Path, *, strict: bool = True) -> tuple[Tally, list[Check]]:
    """Print every study in `layout` under `folder`, read it back, and compare.

    A page that is rejected or not claimed by its own layout fails at once when `strict`;
    otherwise it counts as read with nothing (every stated value missing, check "detected").
    """
    module = printer(layout)
    assert module is not None, f"no printer for {layout}"
    folder.mkdir(parents=True, exist_ok=True)
    tally = Tally()
    all_checks: list[Check] = []
    for study in studies:
        printed = module.print_page(study)
        name = page_name(layout, study, printed)
        (folder / name).write_text(printed.text, encoding="utf-8")
        try:
            trials = read_page(folder, name, layout)
            detected = True
        except AssertionError:
            if strict:
                raise
            trials, detected = [], False
        parsed = next((trial for trial in trials if trial.nct_id == printed.stated.nct_id), None)
        checks = compare(printed.stated, parsed)
        if not detected:
            checks.append(Check(study.nct_id, "detected", "missing", layout, None))
        elif len(trials) != 1:
            checks.append(Check(study.nct_id, "trials", "wrong", 1, len(trials)))
        tally.add(checks)
        all_checks.extend(checks)
    return tally, all_checks
