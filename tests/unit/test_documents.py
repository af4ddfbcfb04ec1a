"""Raw files -> Documents or Rejections: decoding, normalising, kinds, and parse_file's guarantees."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from trialmart import sources
from trialmart.documents import Document, Rejection, read_document
from trialmart.records import ParseIssue, ParseStatus, Trial
from trialmart.sources import parse_file

MESSY = Path(__file__).resolve().parents[1] / "fixtures" / "messy"
SEED_NAMES = sorted(path.stem for path in MESSY.glob("0*.txt"))
LIMIT = 10_000_000


def _seed_text(name: str) -> str:
    return (MESSY / f"{name}.txt").read_bytes().decode("utf-8")


def _expected_lines(text: str) -> list[str]:
    """What a reader sees: the seed's non-blank lines without surrounding blanks."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _document(tmp_path: Path, name: str, data: bytes, max_bytes: int = LIMIT) -> Document:
    result = read_document(tmp_path, _write(tmp_path, name, data), max_bytes)
    assert isinstance(result, Document), result
    return result


def _rejection(tmp_path: Path, name: str, data: bytes, max_bytes: int = LIMIT) -> str:
    result = read_document(tmp_path, _write(tmp_path, name, data), max_bytes)
    assert isinstance(result, Rejection), result
    return result.reason


# ------------------------------------------------------------------ decoding


@pytest.mark.parametrize("name", SEED_NAMES)
def test_a_seed_page_reads_as_its_lines(name: str) -> None:
    document = read_document(MESSY, MESSY / f"{name}.txt", LIMIT)
    assert isinstance(document, Document)
    assert document.kind == "text"
    assert document.source_file == f"{name}.txt"
    assert document.lines == _expected_lines(_seed_text(name))


ENCODINGS = {
    "utf-8 with BOM": lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
    "utf-16 LE with BOM": lambda text: b"\xff\xfe" + text.encode("utf-16-le"),
    "utf-16 BE with BOM": lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
    "utf-32 LE with BOM": lambda text: b"\xff\xfe\x00\x00" + text.encode("utf-32-le"),
    "utf-32 BE with BOM": lambda text: b"\x00\x00\xfe\xff" + text.encode("utf-32-be"),
    "utf-16 LE without BOM": lambda text: text.encode("utf-16-le"),
    "CRLF": lambda text: text.replace("\n", "\r\n").encode("utf-8"),
    "CR": lambda text: text.replace("\n", "\r").encode("utf-8"),
    "UTF-16 with CRLF": lambda text: text.replace("\n", "\r\n").encode("utf-16"),
}


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("name", SEED_NAMES)
def test_encodings_and_line_ends_give_the_same_lines(tmp_path: Path, name: str, encoding: str) -> None:
    text = _seed_text(name)
    document = _document(tmp_path, f"{name}.txt", ENCODINGS[encoding](text))
    assert document.lines == _expected_lines(text)
    assert "\r" not in (document.text or "")
    assert "\ufeff" not in (document.text or "")
    assert document.warnings == ()


@pytest.mark.parametrize("encoding", ["utf-8 with BOM", "utf-16 LE with BOM", "utf-16 BE with BOM", "CRLF"])
@pytest.mark.parametrize("name", SEED_NAMES)
def test_the_html_versions_survive_encodings_too(tmp_path: Path, name: str, encoding: str) -> None:
    markup = (MESSY / f"{name}.html").read_text(encoding="utf-8")
    document = _document(tmp_path, f"{name}.html", ENCODINGS[encoding](markup))
    assert document.kind == "html"
    assert document.lines == _expected_lines(_seed_text(name))


def test_unicode_spaces_zero_width_characters_and_stray_blanks_are_normalised(tmp_path: Path) -> None:
    text = _seed_text("002_16bf8b040da96ccd")
    messy = (
        text.replace("Status and phase", "Status\u00a0and\u2009phase")
        .replace("Conditions", "Condi\u200btions\u00ad")
        .replace("\n", "   \t\n\n\u3000\n", 5)
        .replace("Phase 4", "\u2060Phase\u202f4\ufeff")
    )
    document = _document(tmp_path, "page.txt", messy.encode("utf-8"))
    assert document.lines == _expected_lines(text)
    assert all(line == line.rstrip() for line in (document.text or "").split("\n"))


def test_control_characters_are_removed_but_tabs_become_spaces(tmp_path: Path) -> None:
    document = _document(tmp_path, "page.txt", b"NCT ID:\tNCT06949241\x07\nStatus\x1f: Recruiting\n")
    assert document.lines == ["NCT ID: NCT06949241", "Status: Recruiting"]


def test_a_declared_legacy_encoding_is_honoured_without_a_warning(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="windows-1252"></head>'
        "<body><p>Caf\u00e9 \u201cstudy\u201d \u2013 Phase 2</p></body></html>"
    )
    document = _document(tmp_path, "page.html", page.encode("cp1252"))
    assert document.lines == ["Caf\u00e9 \u201cstudy\u201d \u2013 Phase 2"]
    assert document.warnings == ()


def test_an_iso_8859_1_label_is_read_as_windows_1252_like_browsers_do(tmp_path: Path) -> None:
    page = b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"></head>'
    page += b"<body><p>patient\x92s \x93consent\x94</p></body></html>"
    document = _document(tmp_path, "page.html", page)
    assert document.lines == ["patient\u2019s \u201cconsent\u201d"]


def test_undeclared_windows_1252_text_is_decoded_with_a_warning(tmp_path: Path) -> None:
    text = "Trial title\nNCT ID: NCT06949241\nSj\u00f6gren\u2019s syndrome \u2013 na\u00efve patients\n"
    document = _document(tmp_path, "page.txt", text.encode("cp1252"))
    assert document.lines == _expected_lines(text)
    assert len(document.warnings) == 1
    assert "Windows-1252" in document.warnings[0]


def test_bytes_that_are_no_text_encoding_are_rejected_as_undecodable(tmp_path: Path) -> None:
    # mostly bytes above 0x7F, including ones Windows-1252 leaves undefined; no NUL or control bytes
    reason = _rejection(tmp_path, "page.txt", bytes(range(0x80, 0x100)) * 40 + b"NCT01234567\n")
    assert reason.startswith("undecodable")


def test_a_byte_order_mark_that_lies_is_rejected_as_undecodable(tmp_path: Path) -> None:
    reason = _rejection(tmp_path, "page.txt", b"\xff\xfe" + "NCT01234567".encode("utf-16-le") + b"\x00\xdc")
    assert reason.startswith("undecodable")
    assert "UTF-16 LE byte-order mark" in reason


# ------------------------------------------------------------------ rejections


def test_an_empty_file_is_rejected_as_empty() -> None:
    result = read_document(MESSY, MESSY / "empty.txt", LIMIT)
    assert isinstance(result, Rejection)
    assert result.reason.startswith("empty file")


def test_a_whitespace_only_file_is_rejected_as_whitespace_only() -> None:
    result = read_document(MESSY, MESSY / "whitespace_only.txt", LIMIT)
    assert isinstance(result, Rejection)
    assert result.reason.startswith("whitespace-only")


def test_html_without_visible_text_is_rejected(tmp_path: Path) -> None:
    page = b"<html><head><title>NCT01234567</title><script>x='Recruiting'</script></head><body> </body></html>"
    assert _rejection(tmp_path, "page.html", page).startswith("no visible text")


def test_a_png_image_is_rejected_as_binary() -> None:
    result = read_document(MESSY, MESSY / "blob.png", LIMIT)
    assert result == Rejection("binary file (PNG image), not a text or HTML page")


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj NCT01234567", "PDF document"),
        (b"\x1f\x8b\x08\x00" + bytes(40), "gzip archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "OLE2 file"),
        (b"\x00\x00\x00\x01Bud1" + bytes(100), ".DS_Store"),
        (b"NCT01234567\x00\x01\x02 Recruiting \x00" * 10, "NUL bytes"),
        (b"NCT01234567" + bytes(range(1, 9)) * 20, "control bytes"),
        (b"PK\x03\x04\x14\x00" + bytes(30), "ZIP archive, damaged"),
    ],
)
def test_binary_blobs_are_rejected_as_binary(tmp_path: Path, data: bytes, what: str) -> None:
    reason = _rejection(tmp_path, "download", data)
    assert reason.startswith("binary file")
    assert what in reason


def test_a_50_mb_log_over_the_limit_is_rejected_without_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "crawler.log"
    line = b"2026-11-22T03:00:00 INFO fetched https://example.org/trial/NCT06949241 status=200\n"
    with path.open("wb") as handle:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            handle.write(line)
    size = path.stat().st_size

    bytes_read: list[int] = []
    real_open = Path.open

    class CountingHandle:
        def __init__(self, handle: object) -> None:
            self.handle = handle

        def read(self, size: int = -1) -> bytes:
            data = self.handle.read(size)  # type: ignore[attr-defined]
            bytes_read.append(len(data))
            return data

        def __enter__(self) -> CountingHandle:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()  # type: ignore[attr-defined]

    def spy_open(self: Path, *args: object, **kwargs: object) -> CountingHandle:
        return CountingHandle(real_open(self, *args, **kwargs))  # type: ignore[arg-type]

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the whole file was read although it is over the size limit")

    monkeypatch.setattr(Path, "open", spy_open)
    monkeypatch.setattr(Path, "read_bytes", refuse)
    monkeypatch.setattr(Path, "read_text", refuse)
    result = read_document(tmp_path, path, 10 * 1024 * 1024)
    assert result == Rejection(f"over the size limit: {size} bytes > {10 * 1024 * 1024} bytes")
    # at most a peek at the first bytes (is it a ZIP archive?), never the content
    assert sum(bytes_read) <= 8


def test_a_file_exactly_at_the_limit_is_read(tmp_path: Path) -> None:
    data = b"NCT ID: NCT06949241\n"
    assert _document(tmp_path, "page.txt", data, max_bytes=len(data)).lines == ["NCT ID: NCT06949241"]
    assert _rejection(tmp_path, "page.txt", data, max_bytes=len(data) - 1).startswith("over the size limit")


def test_a_vanished_file_is_rejected(tmp_path: Path) -> None:
    assert read_document(tmp_path, tmp_path / "gone.txt", LIMIT) == Rejection("file vanished before it could be read")


def test_a_broken_symlink_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "link.txt").symlink_to(tmp_path / "missing.txt")
    result = read_document(tmp_path, tmp_path / "link.txt", LIMIT)
    assert isinstance(result, Rejection)
    assert "broken symbolic link" in result.reason


def test_a_directory_and_a_named_pipe_are_rejected_without_blocking(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "pipe")
    assert read_document(tmp_path, tmp_path / "folder", LIMIT) == Rejection("not a regular file: a directory")
    assert read_document(tmp_path, tmp_path / "pipe", LIMIT) == Rejection("not a regular file: a named pipe")


def test_an_unreadable_file_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, "page.txt", b"NCT ID: NCT06949241\n")

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)
    assert read_document(tmp_path, path, LIMIT) == Rejection("cannot read the file: permission denied")


# ------------------------------------------------------------------ kinds


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("page.txt", b"<!DOCTYPE html><html><body><p>NCT01234567</p></body></html>", "html"),
        ("page", b"  <!-- saved by wget -->\n<html><body><p>x</p></body></html>", "html"),
        ("fragment.txt", b"<div class='trial'><h1>Title</h1></div>", "html"),
        ("page.html", b"A page saved as .html that holds no markup at all\nNCT01234567\n", "text"),
        ("page.htm", b"Title\n<b>NCT01234567</b>\n", "html"),
        ("page.xhtml.txt", b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "x"><html><body>x</body></html>', "html"),
        ("record", b'<?xml version="1.0"?>\n<clinical_study><id>x</id></clinical_study>', "xml"),
        ("record.xml", b"<clinical_study><id>x</id></clinical_study>", "xml"),
        ("record", b'  {"protocolSection": {}}', "json"),
        ("notes.txt", b"Age < 18 years or > 65 years\n", "text"),
    ],
)
def test_the_kind_follows_the_content_first(tmp_path: Path, name: str, data: bytes, kind: str) -> None:
    assert _document(tmp_path, name, data).kind == kind


def test_a_text_page_saved_as_html_keeps_its_lines(tmp_path: Path) -> None:
    text = _seed_text("000_5c26534db39ab199")
    document = _document(tmp_path, "page.html", text.encode("utf-8"))
    assert document.kind == "text"
    assert document.lines == _expected_lines(text)


def test_source_file_is_the_posix_path_relative_to_the_raw_folder(tmp_path: Path) -> None:
    (tmp_path / "sub dir" / "é").mkdir(parents=True)
    document = _document(tmp_path, "sub dir/é/page one.txt", b"NCT01234567\n")
    assert document.source_file == "sub dir/é/page one.txt"


# ------------------------------------------------------------------ parse_file


def _family(detect: object, parse: object, kinds: tuple[str, ...] = ("text", "html")) -> ModuleType:
    return SimpleNamespace(KINDS=kinds, detect=detect, parse=parse)  # type: ignore[return-value]


@pytest.fixture
def one_fake_family(monkeypatch: pytest.MonkeyPatch) -> None:
    """A family that claims every page naming NCT06949241 and reads one trial from it."""

    def parse(document: Document) -> Iterable[Trial]:
        return [Trial("NCT06949241")]

    fake = _family(lambda document: "NCT06949241" in (document.text or ""), parse)
    monkeypatch.setattr(sources, "FAMILIES", {"fake": fake})


def test_parse_file_rejects_with_the_reading_reason() -> None:
    for name, reason in (
        ("empty.txt", "empty file"),
        ("blob.png", "binary file"),
        ("whitespace_only.txt", "whitespace"),
    ):
        parsed = parse_file(MESSY, MESSY / name, LIMIT)
        assert parsed.parse_status is ParseStatus.REJECTED
        assert parsed.message is not None and parsed.message.startswith(reason)
        assert parsed.source_file == name
        assert parsed.bytes == (MESSY / name).stat().st_size


def test_parse_file_never_raises_for_files_that_vanish_or_are_not_files(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    for name in ("gone.txt", "folder", "pipe", "dangling"):
        parsed = parse_file(tmp_path, tmp_path / name, LIMIT)
        assert parsed.parse_status is ParseStatus.REJECTED
        assert parsed.content_sha256 == ""
        assert parsed.source_file == name


@pytest.mark.usefixtures("one_fake_family")
def test_document_warnings_make_a_parsed_page_partial(tmp_path: Path) -> None:
    markup = (MESSY / "000_5c26534db39ab199.html").read_text(encoding="utf-8")
    path = _write(tmp_path, "cut.html", markup[: markup.index("Study Design")].encode("utf-8"))
    parsed = parse_file(tmp_path, path, LIMIT)
    assert parsed.parse_status is ParseStatus.PARTIAL
    assert parsed.message is not None and "truncated HTML" in parsed.message
    assert parsed.trials[0].issues[0].field == "document"
    assert "truncated HTML" in parsed.trials[0].issues[0].message


@pytest.mark.usefixtures("one_fake_family")
def test_a_whole_page_without_doubts_is_parsed(tmp_path: Path) -> None:
    parsed = parse_file(MESSY, MESSY / "000_5c26534db39ab199.html", LIMIT)
    assert parsed.parse_status is ParseStatus.PARSED
    assert parsed.source_family == "fake"
    assert parsed.trials == (Trial("NCT06949241"),)


def test_a_crashing_detector_does_not_hide_the_page_from_the_next_family(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(document: Document) -> bool:
        raise KeyError("boom")

    good = _family(lambda document: True, lambda document: [Trial("NCT06949241", issues=(ParseIssue("phase", "odd"),))])
    monkeypatch.setattr(sources, "FAMILIES", {"crashy": _family(crash, None), "good": good})
    parsed = parse_file(MESSY, MESSY / "000_5c26534db39ab199.txt", LIMIT)
    assert parsed.source_family == "good"
    assert parsed.parse_status is ParseStatus.PARTIAL
    assert parsed.message == "phase: odd"


def test_a_crashing_parser_becomes_a_rejected_row(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(document: Document) -> Iterable[Trial]:
        raise ValueError("unexpected layout")

    monkeypatch.setattr(sources, "FAMILIES", {"fragile": _family(lambda document: True, crash)})
    parsed = parse_file(MESSY, MESSY / "000_5c26534db39ab199.txt", LIMIT)
    assert parsed.parse_status is ParseStatus.REJECTED
    assert parsed.source_family == "fragile"
    assert parsed.message == "fragile parser error: ValueError: unexpected layout"
    assert parsed.content_sha256 != ""


def test_a_page_no_family_claims_is_not_a_trial_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "FAMILIES", {"never": _family(lambda document: False, None)})
    parsed = parse_file(MESSY, MESSY / "news_article.html", LIMIT)
    assert parsed.parse_status is ParseStatus.REJECTED
    assert parsed.message == "not a trial page: no known layout matched this html document"


# ------------------------------------------------------------------ with the real families


def test_a_news_article_is_not_a_trial_page() -> None:
    parsed = parse_file(MESSY, MESSY / "news_article.html", LIMIT)
    assert parsed.parse_status is ParseStatus.REJECTED
    assert parsed.trials == ()


@pytest.mark.parametrize("name", SEED_NAMES)
def test_the_same_page_as_text_or_html_parses_to_the_same_trials(name: str) -> None:
    as_text = parse_file(MESSY, MESSY / f"{name}.txt", LIMIT)
    as_html = parse_file(MESSY, MESSY / f"{name}.html", LIMIT)
    assert as_html.source_family == as_text.source_family
    assert as_html.parse_status == as_text.parse_status
    assert as_html.trials == as_text.trials


def test_a_truncated_text_page_that_names_its_trial_is_never_silently_complete() -> None:
    parsed = parse_file(MESSY, MESSY / "truncated_003.txt", LIMIT)
    if parsed.trials:
        assert parsed.trials[0].nct_id == "NCT06663943"
        assert parsed.trials[0].criteria == () or parsed.parse_status is ParseStatus.PARTIAL
    else:
        assert parsed.parse_status is ParseStatus.REJECTED
