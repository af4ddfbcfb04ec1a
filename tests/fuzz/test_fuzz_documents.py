"""Property tests: whatever the input, reading and parsing may reject it but never raise.

Inputs are arbitrary bytes and text, arbitrary HTML, and mutations of the five seed pages
(text and HTML versions): truncated, lines deleted/duplicated/shuffled, random bytes
inserted, re-encoded. Each family's detect/parse is called directly too, so a crash in a
layout parser shows up here with the input that caused it.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialmart.documents import Document, Rejection, read_document
from trialmart.html_text import html_to_text
from trialmart.records import ParsedDocument, ParseStatus
from trialmart.sources import FAMILIES, parse_file

MESSY = Path(__file__).resolve().parents[1] / "fixtures" / "messy"
SEEDS = sorted([*MESSY.glob("0*.txt"), *MESSY.glob("0*.html")])
SEED_BYTES = {path.name: path.read_bytes() for path in SEEDS}
LIMIT = 2_000_000
NCT_ID = re.compile(r"NCT\d{8}")

# a quick pass by default (the suite stays well under 30 s); TRIALMART_FUZZ_EXAMPLES=2000 for a deep run
EXAMPLES = int(os.environ.get("TRIALMART_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def _read(name: str, data: bytes) -> tuple[Document | Rejection, ParsedDocument]:
    with tempfile.TemporaryDirectory() as folder:
        raw_dir = Path(folder)
        path = raw_dir / name
        path.write_bytes(data)
        return read_document(raw_dir, path, LIMIT), parse_file(raw_dir, path, LIMIT)


def _check(document: Document | Rejection, parsed: ParsedDocument) -> None:
    """The guarantees every input must keep."""
    assert isinstance(document, (Document, Rejection))
    if isinstance(document, Rejection):
        assert document.reason
        assert parsed.parse_status is ParseStatus.REJECTED
    if parsed.parse_status is not ParseStatus.PARSED:
        assert parsed.message
    if isinstance(document, Document) and document.text is not None:
        assert "\r" not in document.text
        assert all(line and line == line.strip() for line in document.lines)
        _families_never_raise(document)
        # nothing invented: every trial's NCT id is written in the document
        for trial in parsed.trials:
            assert trial.nct_id in document.text, trial.nct_id


def _families_never_raise(document: Document) -> None:
    for name, module in FAMILIES.items():
        if document.kind not in module.KINDS:
            continue
        try:
            claimed = module.detect(document)
        except Exception as error:  # a family bug: fail with a message that names the family
            raise AssertionError(f"{name}.detect raised {type(error).__name__}: {error}") from error
        if not claimed:
            continue
        try:
            trials = list(module.parse(document))
        except Exception as error:
            raise AssertionError(f"{name}.parse raised {type(error).__name__}: {error}") from error
        for trial in trials:
            assert NCT_ID.fullmatch(trial.nct_id), f"{name} invented an id: {trial.nct_id!r}"


# ------------------------------------------------------------------ arbitrary input

NAMES = st.sampled_from(["page.txt", "page.html", "page", "record.json", "record.xml", "x.htm"])


@FUZZ
@given(name=NAMES, data=st.binary(max_size=4096))
def test_arbitrary_bytes_never_raise(name: str, data: bytes) -> None:
    _check(*_read(name, data))


ENCODE = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1"])


@FUZZ
@given(name=NAMES, text=st.text(max_size=2000), encoding=ENCODE)
def test_arbitrary_text_in_any_encoding_never_raises(name: str, text: str, encoding: str) -> None:
    _check(*_read(name, text.encode(encoding, errors="replace")))


TAGS = ["div", "p", "span", "b", "a", "ul", "ol", "li", "table", "tr", "td", "th", "dl", "dt", "dd", "br",
        "h1", "h2", "pre", "script", "style", "nav", "footer", "header", "aside", "form", "button", "article",
        "main", "section", "template", "noscript", "title", "head", "body", "html", "select", "option"]  # fmt: skip
ATTRIBUTES = st.sampled_from(
    ["", " hidden", ' aria-hidden="true"', ' style="display:none"', ' class="cookie-banner"', ' role="navigation"',
     ' start="3"', ' value="x"', ' type="a"', ' style="list-style:none"', " reversed", ' class="sr-only"',
     ' style="display: block"', ' style="display:inline"', ' start="-5"', ' value="99999999999999999999"']
)  # fmt: skip
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@st.composite
def html_fragments(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        choice = draw(st.integers(0, 5 if depth < 4 else 1))
        if choice <= 1:
            parts.append(draw(TEXT.map(lambda value: value.replace("<", "&lt;"))))
        elif choice == 2:
            parts.append(
                draw(st.sampled_from(["&amp;", "&nbsp;", "&#8226;", "&#x0;", "&bogus;", "<!-- c -->", "<", ">"]))
            )
        else:
            tag = draw(st.sampled_from(TAGS))
            attributes = draw(ATTRIBUTES)
            inner = draw(html_fragments(depth + 1))
            closed = draw(st.booleans())
            parts.append(f"<{tag}{attributes}>{inner}" + (f"</{tag}>" if closed else ""))
    return "".join(parts)


@FUZZ
@given(markup=html_fragments())
def test_arbitrary_html_never_raises_and_script_text_never_shows(markup: str) -> None:
    secret = "NCT99999999"
    page = f"<html><head><title>{secret}</title><script>var s='{secret}'</script></head><body>{markup}</body></html>"
    text = html_to_text(page)
    assert secret not in text or secret in markup
    _check(*_read("page.html", page.encode("utf-8")))


# ------------------------------------------------------------------ mutated seed pages


@st.composite
def mutated_seeds(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SEED_BYTES)))
    text = SEED_BYTES[name].decode("utf-8")
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        mutation = draw(st.sampled_from(["truncate", "delete", "duplicate", "shuffle", "swap", "insert_text"]))
        if mutation == "truncate":
            lines = "\n".join(lines)[: draw(st.integers(0, len("\n".join(lines))))].split("\n")
        elif mutation == "delete" and lines:
            del lines[draw(st.integers(0, len(lines) - 1))]
        elif mutation == "duplicate" and lines:
            index = draw(st.integers(0, len(lines) - 1))
            lines.insert(index, lines[index])
        elif mutation == "shuffle":
            lines = draw(st.permutations(lines))
        elif mutation == "swap" and len(lines) > 1:
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif mutation == "insert_text" and lines:
            lines.insert(draw(st.integers(0, len(lines))), draw(TEXT))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252"]))
    data = "\n".join(lines).encode(encoding, errors="replace")
    if draw(st.booleans()):
        line_end = draw(st.sampled_from([b"\r\n", b"\r"]))
        data = data.replace(b"\n", line_end) if encoding in ("utf-8", "utf-8-sig", "cp1252") else data
    if draw(st.booleans()) and data:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=16)) + data[at:]
    return name, data


@FUZZ
@given(case=mutated_seeds())
def test_mutated_seed_pages_never_raise(case: tuple[str, bytes]) -> None:
    name, data = case
    _check(*_read(name, data))


@settings(max_examples=max(10, EXAMPLES * 2 // 3), deadline=None, database=None)
@given(name=st.sampled_from(sorted(SEED_BYTES)), cut=st.floats(0.3, 0.95))
def test_a_truncated_seed_is_never_silently_complete(name: str, cut: float) -> None:
    data = SEED_BYTES[name]
    document, parsed = _read(name, data[: int(len(data) * cut)])
    _check(document, parsed)
    if name.endswith(".html") and parsed.trials:
        # a half-downloaded HTML page always says so
        assert parsed.parse_status is ParseStatus.PARTIAL
        assert "truncated HTML" in (parsed.message or "")
