"""HTML pages -> the same lines a reader sees, and nothing of the site's chrome."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialmart.documents import Document, read_document
from trialmart.html_text import html_to_lines, html_to_text, truncation_warning

MESSY = Path(__file__).resolve().parents[1] / "fixtures" / "messy"
SEED_NAMES = sorted(path.stem for path in MESSY.glob("0*.txt"))

# Everything the fixtures put in chrome: scripts, <title>, meta, nav, cookie banner, hidden
# and template elements, aside, sr-only text and the footer. None of it is page content.
CHROME_MARKERS = (
    "NCT00000000", "NCT01234567", "NCT02222222", "NCT05000001", "NCT06666666", "NCT07777777",
    "NCT08888888", "NCT09999999", "cookies", "Accept all", "Skip to main content", "Find trials",
    "Privacy Policy", "All rights reserved", "Sign in", "Sponsored", "SUSPENDED", "TERMINATED",
    "COMPLETED", "Last crawl status", "enable JavaScript", "| TrialMirror", "Hero picture",
)  # fmt: skip


def _read(path: Path) -> Document:
    document = read_document(path.parent, path, 10_000_000)
    assert isinstance(document, Document), document
    return document


def test_the_five_seed_pages_have_html_versions() -> None:
    assert len(SEED_NAMES) == 5
    assert all((MESSY / f"{name}.html").is_file() for name in SEED_NAMES)


@pytest.mark.parametrize("name", SEED_NAMES)
def test_html_version_of_a_seed_gives_the_lines_of_its_text_version(name: str) -> None:
    text_page = _read(MESSY / f"{name}.txt")
    html_page = _read(MESSY / f"{name}.html")
    assert text_page.kind == "text"
    assert html_page.kind == "html"
    assert html_page.lines == text_page.lines
    assert html_page.warnings == ()


@pytest.mark.parametrize("name", SEED_NAMES)
def test_no_chrome_survives_in_the_html_version(name: str) -> None:
    text = _read(MESSY / f"{name}.html").text or ""
    for marker in CHROME_MARKERS:
        assert marker not in text, marker


def test_the_page_title_is_not_text() -> None:
    markup = "<html><head><title>NCT01 | Recruiting</title></head><body><p>Body</p></body></html>"
    assert html_to_lines(markup) == ["Body"]


def test_inline_tags_do_not_break_lines_and_blocks_do() -> None:
    markup = (
        "<div><h2>Study <b>type</b></h2><p>Phase <a href='#'>2</a>, <span>open</span><em>label</em></p>"
        "<div>Second</div>block</div>"
    )
    assert html_to_lines(markup) == ["Study type", "Phase 2, openlabel", "Second", "block"]


def test_white_space_collapses_like_a_browser_even_across_tags() -> None:
    markup = "<p>\n   one\n\t two  <b> three </b>  four\n</p>"
    assert html_to_lines(markup) == ["one two three four"]


def test_br_is_a_line_break_and_entities_are_decoded() -> None:
    markup = (
        "<p>Inclusion Criteria:<br><br>&nbsp;&nbsp;&bull; age &ge; 18 &amp; &lt;80&gt;<br/>&#8226; women&#x27;s</p>"
    )
    assert html_to_text(markup).split("\n") == [
        "Inclusion Criteria:",
        "",
        "\u00a0\u00a0\u2022 age \u2265 18 & <80>",
        "\u2022 women's",
    ]


def test_table_cells_come_one_per_line_row_after_row() -> None:
    markup = """
      <table><thead><tr><th>Arm</th><th>Intervention</th></tr></thead>
      <tbody><tr><td>Group I</td><td>Drug: <b>MMF</b></td></tr>
             <tr><td>Group II</td><td></td></tr></tbody></table>"""
    assert html_to_lines(markup) == ["Arm", "Intervention", "Group I", "Drug: MMF", "Group II"]


def test_definition_lists_put_terms_and_definitions_on_their_own_lines() -> None:
    assert html_to_lines("<dl><dt>Status</dt><dd>Recruiting</dd><dt>Phase</dt><dd>Phase 2</dd></dl>") == [
        "Status",
        "Recruiting",
        "Phase",
        "Phase 2",
    ]


def test_list_items_carry_the_marker_a_text_dump_writes() -> None:
    markup = """
      <ul><li>Conditions</li><li></li><li>Lupus<ul><li>nested</li></ul></li></ul>
      <ol><li>first</li><li>second</li></ol>
      <ol start="2"><li>two</li><li value="7">seven</li><li>eight</li></ol>
      <ol type="a"><li>a-item</li><li>b-item</li></ol>
      <ol type="I" reversed><li>three</li><li>two</li><li>one</li></ol>
      <ul style="list-style: none"><li>Drug: rituximab</li></ul>
      <ul style="list-style-type:none"><li>• literal bullet</li></ul>"""
    assert html_to_lines(markup) == [
        "- Conditions",
        "-",
        "- Lupus",
        "- nested",
        "1. first",
        "2. second",
        "2. two",
        "7. seven",
        "8. eight",
        "a. a-item",
        "b. b-item",
        "III. three",
        "II. two",
        "I. one",
        "Drug: rituximab",
        "• literal bullet",
    ]


def test_hidden_elements_are_dropped() -> None:
    markup = """
      <p>shown</p><p hidden>NCT00000001</p><div aria-hidden="true">Recruiting</div>
      <div style="color: red; display : none">Completed</div><span style="visibility:hidden">x</span>
      <span class="sr-only">screen reader</span><span class="visually-hidden">also hidden</span>
      <input type="hidden" value="NCT00000002"><button>Apply</button><select><option>Phase 3</option></select>"""
    assert html_to_lines(markup) == ["shown"]


def test_scripts_styles_templates_and_comments_are_dropped() -> None:
    markup = """<body><script>var s = "RECRUITING NCT00000003";</script><style>p:after{content:"x"}</style>
      <noscript>Enable JS</noscript><template><p>NCT00000004</p></template><!-- NCT00000005 -->
      <svg><text>chart</text></svg><iframe>frame</iframe><p>Data</p></body>"""
    assert html_to_lines(markup) == ["Data"]


def test_page_chrome_is_dropped_but_an_articles_own_header_and_footer_are_kept() -> None:
    markup = """<body>
      <header><a href="/">Site</a><nav><a>Home</a></nav></header>
      <div id="cookie-banner">We use cookies</div>
      <div class="gdpr-notice">Consent</div>
      <div role="navigation">Breadcrumbs</div>
      <main><article><header><h1>Trial title</h1></header><p>Body</p>
        <footer>Last updated 2025-01-01</footer></article>
        <aside>Related ads</aside></main>
      <footer><p>&copy; 2026 Site NCT09999999</p></footer></body>"""
    assert html_to_lines(markup) == ["Trial title", "Body", "Last updated 2025-01-01"]


def test_state_classes_on_wrappers_do_not_take_the_content_with_them() -> None:
    markup = """<body class="cookie-consent-pending"><div class="consent-given-layout">
      <h1>Trial</h1><p>Body</p></div></body>"""
    assert html_to_lines(markup) == ["Trial", "Body"]


def test_a_form_that_wraps_the_page_is_kept_but_its_controls_are_not() -> None:
    page = """<body><form id="aspnetForm"><input type="hidden" name="__VIEWSTATE" value="x">
      <h1>Trial</h1><p>Status: Recruiting</p><button>Save</button></form>
      <form action="/subscribe"><label>E-mail</label><input name="email"></form></body>"""
    assert html_to_lines(page) == ["Trial", "Status: Recruiting"]


def test_preformatted_text_keeps_its_lines() -> None:
    markup = "<pre>Inclusion:\n  1. adults\n  2.  aged 18+</pre><p>after</p>"
    assert html_to_text(markup).split("\n") == ["Inclusion:", "  1. adults", "  2.  aged 18+", "after"]


def test_a_fragment_without_html_or_body_is_read() -> None:
    assert html_to_lines("<div><h2>Status</h2><span>Recruiting</span></div>") == ["Status", "Recruiting"]


def test_garbage_markup_does_not_raise() -> None:
    for markup in ("", "<", "<<<>>>", "</p></div>", "<p", "<!--", "<![CDATA[x", "&#xFFFFFFFF; &#0; &bogus;"):
        html_to_text(markup)


def test_truncation_is_noticed_only_for_pages_that_open_html_or_body() -> None:
    assert truncation_warning("<html><body><p>NCT01234567</p>") is not None
    assert truncation_warning("<!doctype html><body><p>x</p></body>") is None
    assert truncation_warning("<html><body><p>x</p></body></html>") is None
    assert truncation_warning("<div>a fragment</div>") is None


def test_a_truncated_seed_page_keeps_its_visible_text_and_carries_a_warning(tmp_path: Path) -> None:
    markup = (MESSY / "000_5c26534db39ab199.html").read_text(encoding="utf-8")
    cut = markup[: markup.index("Eligibility Criteria")]
    path = tmp_path / "truncated.html"
    path.write_text(cut, encoding="utf-8")
    document = _read(path)
    assert document.kind == "html"
    assert "NCT ID: NCT06949241" in document.lines
    assert any("truncated HTML" in warning for warning in document.warnings)


def test_deeply_nested_markup_does_not_exhaust_the_stack() -> None:
    depth = 5000
    markup = "<div>" * depth + "<p>NCT01234567</p>" + "</div>" * depth
    assert html_to_lines(markup) == ["NCT01234567"]
