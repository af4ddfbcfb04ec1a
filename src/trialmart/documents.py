"""Raw files -> decoded documents, or a rejection that says why.

Nothing here raises on bad input: `read_document` returns either a `Document` or a
`Rejection` with a human-readable reason (empty, whitespace-only, binary, over the size
limit, undecodable, unreadable). Text is normalised once here (BOM, line ends, Unicode
spaces, invisible characters), so every parser sees the same clean lines whether the page
was saved as text or as HTML.

Decoding rule, in order (the first that applies wins):

1. A byte-order mark names the encoding (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE); bytes that do
   not decode under it are "undecodable".
2. UTF-16 without a BOM, recognised by the NUL in every other byte of ASCII-heavy text.
3. Valid UTF-8 (ASCII included) is UTF-8.
4. An encoding the file declares (HTML ``<meta charset>``/``http-equiv``, XML declaration),
   when Python knows it and the bytes decode under it. ``iso-8859-1``/``ascii`` labels mean
   Windows-1252, as in browsers (WHATWG Encoding Standard).
5. Windows-1252, only when the bytes are clearly text: no NUL, almost no control bytes,
   mostly ASCII (at most a quarter of the bytes above 0x7F) and none of the five bytes
   Windows-1252 leaves undefined. The document then carries a warning, because the
   encoding was guessed.
6. Anything else is "undecodable".

Binary files are recognised before decoding, by magic number (PNG, PDF, gzip, ...) or by
NUL/control bytes, and rejected as binary.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

TEXT_KINDS = ("text", "html")


@dataclass(frozen=True)
class Rejection:
    reason: str


@dataclass(frozen=True)
class Document:
    source_file: str  # relative to the raw folder, POSIX separators
    path: Path
    content_sha256: str
    bytes: int
    kind: str  # text, html, json, xml, zip
    text: str | None = field(default=None, repr=False)  # decoded; visible text for HTML
    # doubts about the document as a whole (guessed encoding, truncated HTML); parse_file
    # records them as issues of every trial read from it
    warnings: tuple[str, ...] = ()

    @cached_property
    def lines(self) -> list[str]:
        """Non-blank lines, stripped."""
        if self.text is None:
            return []
        return [line.strip() for line in self.text.split("\n") if line.strip()]


def sha256_file(path: Path, chunk_size: int = 1 << 20) -> str:
    """Hash a regular file in chunks. Raises OSError for anything else (a FIFO would block)."""
    if not stat.S_ISREG(path.stat().st_mode):
        raise OSError(f"not a regular file: {path}")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------------- binary

# Magic numbers of file types that turn up in scraped folders and are never pages.
BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"%PDF-", "PDF document"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"BM", "BMP image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"\x00\x00\x01\x00", "icon image"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"\x28\xb5\x2f\xfd", "zstd archive"),
    (b"\x7fELF", "executable"),
    (b"PK\x03\x04", "ZIP archive, damaged or incomplete"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE2 file (old Office document or Thumbs.db)"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"\x00\x00\x00\x01Bud1", "macOS .DS_Store"),
    (b"wOFF", "web font"),
    (b"wOF2", "web font"),
    (b"PAR1", "Parquet file"),
    (b"DUCK", "DuckDB database"),
)
_RIFF_TYPES = {b"WEBP": "WebP image", b"WAVE": "WAV audio", b"AVI ": "AVI video"}

# C0 controls that never appear in text (tab, LF, FF, CR and ESC-free text is the norm).
_CONTROL_BYTES = bytes(set(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}) + b"\x7f"
# random binary data has ~12% of these bytes; a text with a few stray ones is still text
_MAX_CONTROL_RATIO = 0.05
_SAMPLE_SIZE = 64 * 1024

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8", "UTF-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32 LE"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32 BE"),
    (b"\xff\xfe", "utf-16-le", "UTF-16 LE"),
    (b"\xfe\xff", "utf-16-be", "UTF-16 BE"),
)


def _bom_of(data: bytes) -> tuple[bytes, str, str] | None:
    for bom, encoding, label in _BOMS:
        if data.startswith(bom):
            return bom, encoding, label
    return None


def _utf16_without_bom(sample: bytes) -> str | None:
    """utf-16-le/be when every other byte is NUL, as in ASCII-heavy UTF-16 text."""
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even_nuls = sample[0 : pairs * 2 : 2].count(0)
    odd_nuls = sample[1 : pairs * 2 : 2].count(0)
    if odd_nuls >= 0.9 * pairs and even_nuls <= 0.05 * pairs:
        return "utf-16-le"
    if even_nuls >= 0.9 * pairs and odd_nuls <= 0.05 * pairs:
        return "utf-16-be"
    return None


def binary_kind(data: bytes) -> str | None:
    """What binary thing these bytes are ("PNG image", "NUL bytes"), or None for text."""
    for signature, name in BINARY_SIGNATURES:
        if data.startswith(signature):
            return name
    if data[:4] == b"RIFF" and data[8:12] in _RIFF_TYPES:
        return _RIFF_TYPES[data[8:12]]
    sample = data[:_SAMPLE_SIZE]
    bom = _bom_of(sample)
    if bom is not None and bom[1] != "utf-8":
        return None  # UTF-16/32: NULs are expected; decoding decides
    if b"\x00" in sample:
        return None if _utf16_without_bom(sample) else "NUL bytes"
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if sample and controls / len(sample) > _MAX_CONTROL_RATIO:
        return "control bytes"
    return None


def looks_binary(data: bytes) -> bool:
    return binary_kind(data) is not None


# ---------------------------------------------------------------------------- decoding

# Browsers read these labels as Windows-1252 (WHATWG Encoding Standard).
_WINDOWS_1252_LABELS = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "iso_8859-1"}
_DECLARED_ENCODING = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
_UNDEFINED_IN_WINDOWS_1252 = b"\x81\x8d\x8f\x90\x9d"
_MAX_HIGH_BYTE_RATIO = 0.25
_ASCII_BYTES = bytes(range(0x80))


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    warning: str | None = None


def declared_encoding(data: bytes) -> str | None:
    """The encoding an HTML or XML file declares in its first 4 KB, as a Python codec name."""
    match = _DECLARED_ENCODING.search(data[:4096])
    if match is None:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii").strip().lower()
    if label in _WINDOWS_1252_LABELS:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _clearly_text(data: bytes) -> bool:
    if not data or b"\x00" in data:
        return False
    high = len(data.translate(None, _ASCII_BYTES))
    return high / len(data) <= _MAX_HIGH_BYTE_RATIO and not any(byte in data for byte in _UNDEFINED_IN_WINDOWS_1252)


def decode_bytes(data: bytes) -> Decoded | Rejection:
    """Bytes -> text by the rule in the module docstring, or the reason it is not text."""
    bom = _bom_of(data)
    if bom is not None:
        mark, encoding, label = bom
        try:
            return Decoded(data[len(mark) :].decode(encoding), encoding)
        except UnicodeDecodeError:
            return Rejection(f"undecodable: the file starts with a {label} byte-order mark but is not valid {label}")
    utf16 = _utf16_without_bom(data[:_SAMPLE_SIZE])
    if utf16 is not None:
        try:
            return Decoded(data.decode(utf16), utf16)
        except UnicodeDecodeError:
            return Rejection("undecodable: looks like UTF-16 without a byte-order mark but is not valid UTF-16")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    declared = declared_encoding(data)
    if declared is not None and declared not in ("utf-8", "utf-16-le", "utf-16-be", "utf-16", "utf-32"):
        try:
            return Decoded(data.decode(declared), declared)
        except (UnicodeDecodeError, LookupError):
            pass
    if _clearly_text(data):
        return Decoded(
            data.decode("cp1252"), "cp1252", "not valid UTF-8 and no usable declared encoding: decoded as Windows-1252"
        )
    return Rejection(
        "undecodable: not valid UTF-8, no byte-order mark or usable declared encoding, "
        "and not plain enough to read as Windows-1252"
    )


def decode(data: bytes) -> str | None:
    """Bytes -> str by the decoding rule; None when the bytes are not text."""
    decoded = decode_bytes(data)
    return decoded.text if isinstance(decoded, Decoded) else None


# ---------------------------------------------------------------------------- normalising

_LINE_BREAKS = re.compile(r"\r\n|[\r\u2028\u2029\x85\v\f]")
_UNICODE_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t]")
# zero-width and other invisible format characters (soft hyphen, BOM, bidi marks)
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# control characters other than the newline (tab and line breaks are handled above)
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_TRAILING = re.compile(r"[ ]+$", re.MULTILINE)


def normalize_text(text: str) -> str:
    """One spelling of whitespace: LF line ends, plain spaces, no invisible characters."""
    text = _LINE_BREAKS.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROLS.sub("", text)
    text = _UNICODE_SPACES.sub(" ", text)
    return _TRAILING.sub("", text)


# ---------------------------------------------------------------------------- kinds

# First tags that make a file without a DOCTYPE an HTML page (or a saved fragment of one).
HTML_FIRST_TAGS = frozenset(
    {"html", "head", "body", "meta", "title", "link", "base", "script", "style", "div", "p", "span",
     "main", "article", "section", "header", "nav", "footer", "table", "ul", "ol", "dl", "h1", "h2",
     "h3", "h4", "h5", "h6", "a", "b", "strong", "em", "i", "br", "form", "noscript", "pre", "center"}
)  # fmt: skip
_LEADING_COMMENTS = re.compile(r"^(\s*<!--.*?-->)*\s*", re.DOTALL)
_FIRST_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9]*)[\s/>]")
_ANY_TAG = re.compile(r"<[A-Za-z!/][^<>]*>")
_HTML_ROOT = re.compile(r"<!doctype\s+html|<html[\s>]", re.IGNORECASE)


def sniff_markup(text: str) -> str | None:
    """ "html" or "xml" when the text is markup, judged by how it starts."""
    head = _LEADING_COMMENTS.sub("", text[:4096], count=1)
    if not head.startswith("<"):
        return None
    if head.startswith("<?xml"):
        return "html" if _HTML_ROOT.search(head) else "xml"
    if _HTML_ROOT.match(head):
        return "html"
    first = _FIRST_TAG.match(head)
    if first is not None and first.group(1).lower() in HTML_FIRST_TAGS:
        return "html"
    if first is not None and first.group(1) == "clinical_study":
        return "xml"
    return None


def sniff_kind(path: Path, data: bytes, text: str | None) -> str:
    """The document kind: content first, the file name when the content is ambiguous."""
    suffix = path.suffix.lower()
    if data[:4] == b"PK\x03\x04":
        return "zip"
    text = text or ""
    stripped = text.lstrip()
    markup = sniff_markup(stripped)
    if markup == "html":
        return "html"
    # a .html file must hold at least one tag: a text page saved as .html is still text
    if suffix in (".html", ".htm", ".xhtml") and _ANY_TAG.search(text[:65536]):
        return "html"
    if suffix == ".json" or stripped[:1] in ("{", "["):
        return "json"
    if suffix == ".xml" or markup == "xml":
        return "xml"
    return "text"


# ---------------------------------------------------------------------------- reading


def _file_type(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_document(raw_dir: Path, path: Path, max_bytes: int) -> Document | Rejection:
    """Read and decode one raw file. Never raises for bad content or an unreadable file."""
    try:
        source_file = path.relative_to(raw_dir).as_posix()
    except ValueError:
        source_file = path.as_posix()
    try:
        return _read_document(source_file, path, max_bytes)
    except FileNotFoundError:
        if path.is_symlink():
            return Rejection("broken symbolic link: its target does not exist")
        return Rejection("file vanished before it could be read")
    except PermissionError:
        return Rejection("cannot read the file: permission denied")
    except OSError as error:
        return Rejection(f"cannot read the file: {error.strerror or error}")


def _read_document(source_file: str, path: Path, max_bytes: int) -> Document | Rejection:
    status = path.stat()  # follows symlinks
    if not stat.S_ISREG(status.st_mode):
        return Rejection(f"not a regular file: {_file_type(status.st_mode)}")
    size = status.st_size
    if size == 0:
        return Rejection("empty file (0 bytes)")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04") and zipfile.is_zipfile(path):
        # archives are streamed by their family parser, member by member
        return Document(source_file, path, sha256_file(path), size, "zip")
    # checked before reading: a 50 GB log must not be pulled into memory to be refused
    if size > max_bytes:
        return Rejection(f"over the size limit: {size} bytes > {max_bytes} bytes")
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew after stat
        return Rejection(f"over the size limit: more than {max_bytes} bytes")
    if not data:
        return Rejection("empty file (0 bytes)")
    digest = hashlib.sha256(data).hexdigest()
    binary = binary_kind(data)
    if binary is not None:
        return Rejection(f"binary file ({binary}), not a text or HTML page")
    decoded = decode_bytes(data)
    if isinstance(decoded, Rejection):
        return decoded
    text = decoded.text
    warnings: list[str] = [decoded.warning] if decoded.warning else []
    if not normalize_text(text).strip():
        return Rejection("whitespace-only file: no text")
    kind = sniff_kind(path, data, text)
    if kind == "html":
        from trialmart.html_text import html_to_text, truncation_warning

        truncated = truncation_warning(text)
        if truncated:
            warnings.append(truncated)
        text = html_to_text(text)
    text = normalize_text(text)
    if not text.strip():
        if kind == "html":
            return Rejection("no visible text: the HTML page holds only markup, scripts or site chrome")
        return Rejection("whitespace-only file: no text")
    return Document(source_file, path, digest, len(data), kind, text, tuple(warnings))


def file_size(path: Path) -> int:
    """Size in bytes, 0 when the file cannot be stat'ed (vanished, broken link)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def storable_source_file(source_file: str) -> str:
    """A source_file that any UTF-8 store accepts.

    File names that are not UTF-8 reach Python with surrogate escapes ("caf\\udce9.txt"),
    which round-trip to the file system but cannot be written to Arrow or DuckDB. This
    spells those bytes as backslash escapes ("caf\\xe9.txt"); names that are valid UTF-8
    come back unchanged.
    """
    return source_file.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
