"""One parametrised test over every golden pair under tests/golden/<family>/ (see README.md)."""

from __future__ import annotations

import pytest
from golden_support import GoldenCase, compare_trials, discover_cases, load_expected

from trialmart.documents import Document, read_document
from trialmart.sources import FAMILIES, detect

MAX_BYTES = 50 * 1024 * 1024
CASES = discover_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_golden_pair(case: GoldenCase) -> None:
    expected = load_expected(case)
    document = read_document(case.input_path.parent, case.input_path, MAX_BYTES)
    assert isinstance(document, Document), f"{case.id}: rejected: {document}"

    # the folder names the family; the JSON may override it (e.g. to assert "no family": null)
    expected_family = expected.get("family", case.family)
    assert detect(document) == expected_family, f"{case.id}: detected {detect(document)!r}"
    if expected_family is None:
        return

    # strict in tests: call the parser directly so an exception fails loudly
    trials = list(FAMILIES[expected_family].parse(document))
    problems = compare_trials(trials, expected)
    assert not problems, f"{case.id}: {len(problems)} difference(s):\n" + "\n".join(problems)
