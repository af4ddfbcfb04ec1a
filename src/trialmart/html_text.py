"""HTML -> the visible text of the page, one block per line, in reading order.

The goal is that a page saved as HTML gives the parsers the same lines as the same page
saved as text by a browser-like "select all, copy" dump. So the rules follow what a reader
sees, not what the markup says:

* Block elements (headings, paragraphs, divs, list items, table cells and rows, dt/dd ...)
  start and end a line; inline elements (<b>, <a>, <span> ...) never do. ``<br>`` is a line
  break. Whitespace inside text collapses as a browser collapses it, except in ``<pre>``.
* List items get the marker a text dump writes for them: ``- `` in an unordered list and
  ``1. `` (honouring ``start``/``value``/``type``) in an ordered list, unless the list
  declares ``list-style: none`` inline, in which case a reader sees no marker either.
* A table gives one cell per line, row after row (a text dump that runs a whole table into
  one line loses where each cell ends; keeping cells apart loses nothing).
* Nothing that a reader does not see as the page's content survives: the <head> (so the
  <title>), scripts, styles, templates, form controls, hidden elements (``hidden``,
  ``aria-hidden="true"``, inline ``display:none``/``visibility:hidden``, screen-reader-only
  classes) and the site's chrome (navigation, the page-level header and footer, asides,
  cookie/consent banners, dialogs). An NCT id or a status word inside a script, the title
  or the footer is not data.

Image ``alt`` text is not rendered: it is not visible on a page whose images load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup
from bs4.element import CData, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

# Elements whose whole subtree is never visible content.
NEVER_VISIBLE = frozenset(
    {
        "head", "title", "meta", "link", "base", "script", "style", "noscript", "template",
        "svg", "math", "canvas", "iframe", "object", "embed", "video", "audio", "picture",
        "map", "button", "input", "select", "option", "optgroup", "textarea", "datalist",
        "output", "progress", "meter", "dialog", "img",
    }
)  # fmt: skip

# Site chrome: dropped wherever it appears.
CHROME_ELEMENTS = frozenset({"nav", "aside"})

# Page-level landmarks: a <header>/<footer> is the site's banner/footer unless it sits
# inside the content (an <article>'s header holds the article's own title).
PAGE_LANDMARKS = frozenset({"header", "footer"})
CONTENT_SECTIONING = frozenset({"article", "main", "section"})

CHROME_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog", "menu", "menubar"}
)

# id/class words of chrome that has no element of its own (cookie banners, skip links,
# screen-reader-only text). Matched against whole hyphen/underscore-separated words.
CHROME_CLASS_WORDS = frozenset(
    {"cookie", "cookies", "consent", "gdpr", "cookiebanner", "skiplink", "skip-link", "skip-to-content",
     "sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text", "offscreen"}
)  # fmt: skip

BLOCK_ELEMENTS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
        "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
        "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu",
        "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "ul",
    }
)  # fmt: skip

_BLOCK_DISPLAYS = ("block", "flex", "grid", "list-item", "table")
_COLLAPSIBLE_WHITESPACE = re.compile(r"[ \t\n\r\f]+")
_STYLE_DECLARATION = re.compile(r"([a-z-]+)\s*:\s*([^;]+)", re.IGNORECASE)


class _Break:
    """A soft line break: ends the current line unless it is already empty."""


class _Newline:
    """A hard line break (<br>): always ends the current line."""


_BREAK = _Break()
_NEWLINE = _Newline()


@dataclass
class _Output:
    # (text, collapsible): collapsible text is outside <pre>, where a browser collapses a
    # run of white space to one space even across element boundaries ("<b>a </b> b")
    pieces: list[tuple[str, bool] | _Break | _Newline] = field(default_factory=list)

    def text(self, value: str, collapsible: bool = True) -> None:
        if value:
            self.pieces.append((value, collapsible))

    def lines(self) -> list[str]:
        lines: list[str] = []
        current = ""
        for piece in self.pieces:
            if isinstance(piece, tuple):
                value, collapsible = piece
                if collapsible and value.startswith(" ") and (not current or current.endswith(" ")):
                    value = value.lstrip(" ")
                current += value
                continue
            line = current.rstrip(" ")
            if line or isinstance(piece, _Newline):
                lines.append(line)
            current = ""
        tail = current.rstrip(" ")
        if tail:
            lines.append(tail)
        return lines


def _style(tag: Tag) -> dict[str, str]:
    style = tag.get("style")
    if not isinstance(style, str):
        return {}
    return {name.lower(): value.strip().lower() for name, value in _STYLE_DECLARATION.findall(style)}


def _class_words(tag: Tag) -> set[str]:
    words: set[str] = set()
    values = tag.get("class") or []
    if isinstance(values, str):
        values = values.split()
    identifier = tag.get("id")
    for value in [*values, identifier if isinstance(identifier, str) else ""]:
        value = value.lower()
        words.add(value)
        words.update(re.split(r"[-_]", value))
    return words


def _is_hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden"):
        return True
    if str(tag.get("aria-hidden", "")).strip().lower() == "true":
        return True
    style = _style(tag)
    return style.get("display", "").startswith("none") or style.get("visibility", "").startswith(("hidden", "collapse"))


def _is_chrome(tag: Tag, inside_content: bool) -> bool:
    name = tag.name
    if name in CHROME_ELEMENTS:
        return True
    if name in PAGE_LANDMARKS and not inside_content:
        return True
    role = str(tag.get("role", "")).strip().lower()
    if role in CHROME_ROLES:
        return True
    if name == "form" and not _holds_content(tag):
        return True
    # a state class on a wrapper ("has-cookie-banner") must not take the content with it
    return bool(_class_words(tag) & CHROME_CLASS_WORDS) and name not in _NEVER_CHROME and not _holds_content(tag)


_NEVER_CHROME = frozenset({"html", "body", "main", "article"})


def _holds_content(tag: Tag) -> bool:
    """Whether an element wraps the page's content (ASP.NET pages wrap everything in a <form>)."""
    return tag.find(["main", "article", "h1"]) is not None


def _is_block(tag: Tag) -> bool:
    display = _style(tag).get("display", "")
    if display.startswith(_BLOCK_DISPLAYS):
        return True
    if display.startswith(("inline", "contents")):
        return False
    return tag.name in BLOCK_ELEMENTS


def _ordered_marker(number: int, list_type: str) -> str:
    if list_type in ("a", "A"):
        letters = ""
        while number > 0:
            number, remainder = divmod(number - 1, 26)
            letters = chr(ord("a") + remainder) + letters
        return (letters.upper() if list_type == "A" else letters) + ". "
    if list_type in ("i", "I") and 0 < number < 4000:
        numerals = (
            (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
            (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
        )  # fmt: skip
        roman = ""
        for value, numeral in numerals:
            while number >= value:
                roman += numeral
                number -= value
        return (roman.upper() if list_type == "I" else roman) + ". "
    return f"{number}. "


def _int_attribute(tag: Tag, name: str) -> int | None:
    value = tag.get(name)
    if not isinstance(value, str):
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


@dataclass
class _ListState:
    ordered: bool
    list_type: str
    show_markers: bool
    step: int
    number: int


_SKIPPED_STRINGS = (Comment, CData, Declaration, Doctype, ProcessingInstruction)
_PREFORMATTED = frozenset({"pre", "textarea", "listing", "xmp"})
_LISTS = frozenset({"ul", "ol", "menu", "dir"})


class _Renderer:
    """Walks the tree with an explicit stack: real pages nest deeper than Python recursion allows."""

    def __init__(self) -> None:
        self.output = _Output()

    def render(self, root: Tag) -> None:
        # a stack entry is either a piece to emit, or a node with its context:
        # (node, preformatted, inside_content, the enclosing list's state for an <li>)
        stack: list[object] = [(child, False, False, None) for child in reversed(list(root.children))]
        while stack:
            entry = stack.pop()
            if isinstance(entry, (_Break, _Newline)):
                self.output.pieces.append(entry)
                continue
            if isinstance(entry, _ListState):  # the end of an <li>: next number
                entry.number += entry.step
                continue
            node, preformatted, inside_content, list_state = entry  # type: ignore[misc]
            if isinstance(node, _SKIPPED_STRINGS):
                continue
            if isinstance(node, NavigableString):
                self._text(str(node), preformatted)
            elif isinstance(node, Tag):
                self._element(node, preformatted, inside_content, list_state, stack)

    def _text(self, value: str, preformatted: bool) -> None:
        if not preformatted:
            self.output.text(_COLLAPSIBLE_WHITESPACE.sub(" ", value))
            return
        for index, part in enumerate(value.replace("\r\n", "\n").split("\n")):
            if index:
                self.output.pieces.append(_NEWLINE)
            self.output.text(part, collapsible=False)

    def _element(
        self, tag: Tag, preformatted: bool, inside_content: bool, list_state: _ListState | None, stack: list[object]
    ) -> None:
        name = tag.name
        if name in NEVER_VISIBLE or _is_hidden(tag) or _is_chrome(tag, inside_content):
            return
        if name == "br":
            self.output.pieces.append(_NEWLINE)
            return
        child_state: _ListState | None = None
        if name in _LISTS:
            child_state = _list_state(tag)
        preformatted = preformatted or name in _PREFORMATTED
        inside_content = inside_content or name in CONTENT_SECTIONING
        is_item = name == "li" and list_state is not None
        block = is_item or child_state is not None or _is_block(tag)
        # pushed in reverse: what is pushed last runs first
        if is_item:
            stack.append(list_state)
        if block:
            stack.append(_BREAK)
        stack.extend(
            (child, preformatted, inside_content, child_state if child_state is not None else None)
            for child in reversed(list(tag.children))
        )
        if block:
            self.output.pieces.append(_BREAK)
        if is_item and list_state is not None:
            value = _int_attribute(tag, "value")
            if value is not None:
                list_state.number = value
            if list_state.show_markers and not _style(tag).get("list-style-type", "").startswith("none"):
                marker = _ordered_marker(list_state.number, list_state.list_type) if list_state.ordered else "- "
                self.output.text(marker, collapsible=False)


def _list_state(tag: Tag) -> _ListState:
    ordered = tag.name == "ol"
    style = _style(tag)
    list_style = style.get("list-style-type", style.get("list-style", ""))
    reversed_order = ordered and tag.has_attr("reversed")
    start = _int_attribute(tag, "start")
    if start is None:
        start = len(tag.find_all("li", recursive=False)) if reversed_order else 1
    return _ListState(
        ordered=ordered,
        list_type=str(tag.get("type", "1")).strip() or "1",
        show_markers=not list_style.startswith("none"),
        step=-1 if reversed_order else 1,
        number=start,
    )


def html_to_lines(markup: str) -> list[str]:
    """The visible lines of an HTML page, in reading order (blank lines only from <br><br>)."""
    soup = BeautifulSoup(markup, "lxml")
    renderer = _Renderer()
    root = soup.body or soup
    renderer.render(root)
    return renderer.output.lines()


def html_to_text(markup: str) -> str:
    """The visible text of an HTML page, one block per line."""
    return "\n".join(html_to_lines(markup))


_CLOSING_HTML = re.compile(r"</html\s*>", re.IGNORECASE)
_OPENING_HTML = re.compile(r"<html[\s>]|<body[\s>]", re.IGNORECASE)
_CLOSING_BODY = re.compile(r"</body\s*>", re.IGNORECASE)


def truncation_warning(markup: str) -> str | None:
    """A warning when a full HTML page stops before its end (a half-downloaded file).

    Only pages that open <html> or <body> are judged: a fragment has no end to miss.
    """
    if not _OPENING_HTML.search(markup):
        return None
    if _CLOSING_HTML.search(markup) or _CLOSING_BODY.search(markup):
        return None
    return "truncated HTML: the page opens <html> but ends before </body> and </html> (half-downloaded?)"
