"""The benchmark corpus builder makes pages the parsers accept, deterministically (not timed)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY / "benchmarks"))

from build_corpus import build_corpus, cached_manifest, nct_id, render_document  # noqa: E402

from trialmart.records import ParseStatus  # noqa: E402
from trialmart.sources import parse_file  # noqa: E402

PAGES = 60


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "corpus"
    build_corpus(out, PAGES, seed=3, html_share=0.5, realdata=None, workers=1)
    return out


def _pages(corpus: Path) -> list[Path]:
    return sorted(path for path in corpus.rglob("*") if path.is_file())


def test_every_page_is_parsed_with_its_own_nct_id(corpus: Path) -> None:
    pages = _pages(corpus)
    assert len(pages) == PAGES
    families: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for path in pages:
        parsed = parse_file(corpus, path, 1 << 20)
        assert parsed.parse_status in (ParseStatus.PARSED, ParseStatus.PARTIAL), (path.name, parsed.message)
        assert len(parsed.trials) == 1
        # the file name carries the id the generator gave the page; the parser must find it
        assert parsed.trials[0].nct_id == path.stem.split("_")[1]
        families[parsed.source_family] += 1
        kinds[path.suffix] += 1
    assert set(families) == {"ctgov_mirror", "bulleted_registry", "veeva", "aggregator"}
    assert set(kinds) == {".txt", ".html"}


def test_html_pages_carry_site_chrome_that_is_not_data(corpus: Path) -> None:
    html = next(path for path in _pages(corpus) if path.suffix == ".html")
    markup = html.read_text()
    assert "<nav>" in markup and "<footer>" in markup and "<script" in markup
    parsed = parse_file(corpus, html, 1 << 20)
    assert parsed.trials[0].brief_title and "All rights reserved" not in parsed.trials[0].brief_title


def test_ids_are_unique_and_the_build_is_deterministic(tmp_path: Path) -> None:
    assert len({nct_id(index, 7) for index in range(20_000)}) == 20_000
    assert render_document(41, seed=7) == render_document(41, seed=7)
    changed_path, changed = render_document(41, seed=7, revision=1)
    assert changed_path == render_document(41, seed=7)[0] and changed != render_document(41, seed=7)[1]
    out = tmp_path / "again"
    manifest = build_corpus(out, 10, seed=3, html_share=0.5, realdata=None, workers=1)
    assert cached_manifest(out, 10, 3, 0.5, None) == manifest
    assert cached_manifest(out, 11, 3, 0.5, None) is None
