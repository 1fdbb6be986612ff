"""Turn a feed's HTML body into Markdown that is safe to show in the reader pane.

The conversion is markdownify's, with feedtui's rules on top:

- `<script>`, `<style>`, `<iframe>`, `<object>`, forms and the like are dropped with their content.
- Links are resolved against the post's own URL and kept only if `safe_link` accepts them;
  otherwise only their text remains. Images become a link line (`[image: alt](url)`) and are
  never fetched; an image whose address is not safe shows as `🖼 alt`.
- Every piece of text goes through `clean_text`, so no escape or control character survives,
  and Markdown punctuation in the text is escaped, so text never turns into a link or HTML.
- Runaway bodies are bounded: input is cut at `MAX_HTML_CHARS` (1 MiB; tag-dense HTML converts
  at roughly 150-250 KB a second, so a hostile body costs the reader's worker thread a few
  seconds at most) and output at `MAX_LINES` lines and `MAX_MARKDOWN_CHARS` characters (the
  Markdown widget lays out every block on the UI thread). A note says when a body was cut.
  Nesting too deep for the converter falls back to the document's plain text.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urljoin

from bs4 import BeautifulSoup
from bs4.element import NavigableString, PageElement, PreformattedString, Tag
from markdownify import ATX, BACKSLASH, MarkdownConverter

from feedtui.core.sanitize import clean_line, clean_text, safe_link

MAX_HTML_CHARS = 1024 * 1024
"""Bodies longer than this (in characters) are cut before conversion."""

MAX_LINES = 1000
"""Markdown lines kept: the reader pane mounts a widget for about every line (paragraph, item)."""

MAX_MARKDOWN_CHARS = 200_000
"""Markdown characters kept: Textual lays out each paragraph on the UI thread."""

TRUNCATED_NOTE = "*(This post is too long to show in full.)*"
"""The paragraph added after a body that was cut."""

DROPPED_TAGS = frozenset(
    {
        "applet", "audio", "button", "canvas", "embed", "form", "frame", "frameset", "head",
        "iframe", "input", "link", "map", "math", "meta", "noscript", "object", "option",
        "script", "select", "source", "style", "svg", "template", "textarea", "title", "track",
    }
)  # fmt: skip
"""Elements removed together with everything inside them."""

_TAG = re.compile(r"<[A-Za-z!/?]")
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_EXTRA_NEWLINES = re.compile(r"\n{3,}")
_CODE_LANGUAGE = re.compile(r"^(?:language|lang)-([\w+#.-]{1,30})$")
_BACKTICKS = re.compile(r"`+")
_FENCE = re.compile(r"^(`{3,})")
_DESTINATION = str.maketrans({" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E"})


def html_to_markdown(html_text: str, base_url: str = "") -> str:
    """Markdown for a post's HTML (or plain-text) body.

    Args:
        html_text: The body as the feed gave it.
        base_url: The post's own URL, against which relative links and images are resolved.
    """
    truncated = len(html_text) > MAX_HTML_CHARS
    if truncated:
        html_text = html_text[:MAX_HTML_CHARS]
    if not _TAG.search(html_text):
        html_text = _plain_text_as_html(html_text)
    soup = BeautifulSoup(html_text, "html.parser")
    _prepare(soup)
    try:
        markdown = _FeedConverter(base_url).convert_soup(soup)
    except RecursionError:
        markdown = _plain_markdown(soup)
    markdown = _EXTRA_NEWLINES.sub("\n\n", markdown).strip()
    markdown, cut = _bounded(markdown)
    if truncated or cut:
        markdown = f"{markdown}\n\n{TRUNCATED_NOTE}"
    return markdown


def _bounded(markdown: str) -> tuple[str, bool]:
    """At most `MAX_MARKDOWN_CHARS` and `MAX_LINES`, an open code fence closed; (text, was cut)."""
    if len(markdown) > MAX_MARKDOWN_CHARS:
        markdown = markdown[:MAX_MARKDOWN_CHARS]
        markdown = markdown[: markdown.rfind("\n")] if "\n" in markdown else markdown
    elif markdown.count("\n") < MAX_LINES:
        return markdown, False
    lines = markdown.split("\n")[:MAX_LINES]
    fence = ""
    for line in lines:
        match = _FENCE.match(line)
        if match and (not fence or match.group(1).startswith(fence)):
            fence = "" if fence else match.group(1)
    if fence:
        lines.append(fence)
    return "\n".join(lines).rstrip(), True


def _plain_text_as_html(text: str) -> str:
    """Plain text as paragraphs (blank lines) and line breaks, ready for the converter."""
    paragraphs = (part.strip() for part in _BLANK_LINES.split(text))
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in part.splitlines()) + "</p>"
        for part in paragraphs
        if part
    )


def _clean_lines(text: str) -> str:
    """`clean_text` on each line, keeping the line breaks (code blocks need them)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    return "\n".join(clean_text(line) for line in text.split("\n"))


def _prepare(soup: BeautifulSoup) -> None:
    """Drop what is never shown and clean every piece of text that is left (one walk)."""
    doomed: list[PageElement] = []
    heads: list[Tag] = []
    texts: list[NavigableString] = []
    for node in soup.descendants:
        if isinstance(node, Tag):
            if node.name in DROPPED_TAGS:
                doomed.append(node)
            elif node.name == "thead":
                heads.append(node)
        elif isinstance(node, PreformattedString):  # comments, CDATA, doctypes…
            doomed.append(node)
        elif isinstance(node, NavigableString):
            texts.append(node)
    for node in doomed:
        node.extract()
    for thead in heads:
        # markdownify re-counts a <thead>'s rows for each of its rows (quadratic); a head of
        # more than one row is shown as body rows anyway.
        if len(thead.find_all("tr", recursive=False)) > 1:
            thead.name = "tbody"
    for text in texts:
        cleaned = _clean_lines(text)
        if cleaned != text:
            text.replace_with(NavigableString(cleaned))


def _plain_markdown(soup: BeautifulSoup) -> str:
    """The document's text alone, escaped, for HTML too deeply nested to convert."""
    converter = _FeedConverter("")
    text = soup.get_text("\n")
    paragraphs = (" ".join(part.split()) for part in _BLANK_LINES.split(text))
    return "\n\n".join(converter.escape(part, set()) for part in paragraphs if part)


# markdownify's stubs declare only convert() and convert_soup(); the convert_<tag>() hooks
# and escape() overridden and called here are its documented way of customising the output.
_Converter: Any = MarkdownConverter


class _FeedConverter(_Converter):  # type: ignore[misc]
    """markdownify with feedtui's link, image, code and escaping rules."""

    def __init__(self, base_url: str) -> None:
        super().__init__(
            heading_style=ATX,
            bullets="-",
            escape_misc=True,
            newline_style=BACKSLASH,
            table_infer_header=True,
        )
        self.base_url = base_url
        self._numbers: dict[int, dict[int, int]] = {}

    def resolve(self, address: Any) -> str:
        """The absolute URL for an href/src, or "" when it may not be shown as a link."""
        if not isinstance(address, str) or not address.strip():
            return ""
        try:
            # Browsers send a space inside an href as %20; safe_link would squeeze it out.
            absolute = urljoin(self.base_url, clean_line(address).replace(" ", "%20"))
        except ValueError:
            return ""
        return safe_link(absolute)

    def convert_a(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        prefix, suffix, text = _chomp(text)
        if not text:
            return ""
        url = self.resolve(el.get("href"))
        # A link around an image: the image already became a link, and links do not nest.
        if "_noformat" in parent_tags or not url or el.find("img") is not None:
            return f"{prefix}{text}{suffix}"
        return f"{prefix}[{text}]({_destination(url)}){suffix}"

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        alt = self.escape(clean_line(str(el.get("alt") or "")).strip(), parent_tags)
        url = self.resolve(el.get("src"))
        if url:
            label = f"image: {alt}" if alt else "image"
            return _own_line(f"[{label}]({_destination(url)})", parent_tags)
        return _own_line(f"🖼 {alt}", parent_tags) if alt else ""

    def convert_video(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        url = self.resolve(el.get("src"))
        return _own_line(f"[video]({_destination(url)})", parent_tags) if url else text

    def convert_pre(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if not text.strip():
            return ""
        fence = "`" * max(3, 1 + max(map(len, _BACKTICKS.findall(text)), default=0))
        language = _code_language(el)
        return f"\n\n{fence}{language}\n{text.strip(chr(10))}\n{fence}\n\n"

    def convert_li(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        # markdownify numbers an ordered item by counting its earlier siblings: quadratic
        # in the list's length, so a hostile 100 000-item list would hang the worker.
        parent = el.parent
        if parent is None or parent.name != "ol":
            return str(super().convert_li(el, text, parent_tags))
        text = (text or "").strip()
        if not text:
            return "\n"
        numbers = self._numbers
        if id(parent) not in numbers:
            start = str(parent.get("start") or "1")
            first = int(start) if start.isdigit() and len(start) < 10 else 1
            items = (child for child in parent.children if getattr(child, "name", None) == "li")
            numbers[id(parent)] = {id(item): first + n for n, item in enumerate(items)}
        bullet = f"{numbers[id(parent)].get(id(el), 1)}. "
        indent = " " * len(bullet)
        lines = text.split("\n")
        rest = [indent + line if line else "" for line in lines[1:]]
        return "\n".join([bullet + lines[0], *rest]) + "\n"


def _chomp(text: str) -> tuple[str, str, str]:
    """(leading space, trailing space, stripped text): `<a> x </a>` must not become `[ x ]`."""
    prefix = " " if text.startswith(" ") else ""
    suffix = " " if text.endswith(" ") else ""
    return prefix, suffix, text.strip()


def _code_language(el: Tag) -> str:
    """The language named by a `language-x`/`lang-x` class on a `<pre>` or its `<code>`."""
    code = el.find("code")
    for tag in (el, code if isinstance(code, Tag) else None):
        classes = tag.get("class") if tag is not None else None
        for name in classes if isinstance(classes, list) else ():
            match = _CODE_LANGUAGE.match(name)
            if match:
                return match.group(1)
    return ""


def _own_line(markdown: str, parent_tags: set[str]) -> str:
    """A paragraph of its own, unless inside a heading or table cell, which must stay one line."""
    return f" {markdown} " if "_inline" in parent_tags else f"\n\n{markdown}\n\n"


def _destination(url: str) -> str:
    """A URL written so that Markdown reads it back as one link destination."""
    return url.translate(_DESTINATION)
