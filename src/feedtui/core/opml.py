"""Reading and writing OPML subscription lists.

Real OPML files are often broken (raw `&` and `"` in attributes), nested deeply, encoded in GBK,
or carry a DTD; reading is iterative (no recursion limit), never expands entities, and either
returns every subscription or raises one `OpmlError` line naming the file (and the line).
"""

from __future__ import annotations

import html.entities
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import quoteattr

from feedtui.core.encoding import decide_encoding
from feedtui.core.models import Subscription
from feedtui.core.sanitize import clean_line
from feedtui.core.urls import is_fetchable, normalise_url

MAX_FOLDER_DEPTH = 32
"""Deeper outlines join the folder at this depth."""
MAX_OPML_BYTES = 50_000_000
"""Larger files are refused: the biggest real lists are a few hundred kilobytes."""

_STRAY_AMPERSAND = re.compile(rb"&(?!(?:[A-Za-z][A-Za-z0-9._-]*|#[0-9]+|#x[0-9A-Fa-f]+);)")
_NAMED_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z][A-Za-z0-9]*);")
# An outline tag ends at the first `>` followed by the next outline or the body's end: values may
# hold `"`, `>`, newlines and HTML (`<br>`, `<p>...</p>`). A tag never spans another `<outline`,
# which keeps the scan linear on hostile input.
_OUTLINE_TAG = re.compile(
    rb"<outline\b((?:(?!<outline\b).)*?)(/?)>(?=\s*(?:<(?:/?outline\b|/body\b)|\Z))",
    re.IGNORECASE | re.DOTALL,
)
_ATTRIBUTE_START = re.compile(rb"\s([A-Za-z_][\w:.-]*)\s*=\s*\"")
_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>", re.IGNORECASE | re.DOTALL)
_DTD_LEFTOVER = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class OpmlError(Exception):
    """An OPML file that cannot be imported; its message is one line naming file and line."""


def parse_opml(data: bytes, source: str) -> list[Subscription]:
    """Every http(s) feed in the file, with folder paths, de-duplicated by normalised URL."""
    root = _parse_xml(data, source)
    if _local(root.tag) != "opml":
        name = _local(root.tag)[:40]
        raise OpmlError(f"{source}: not an OPML file (root element is <{name}>)")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise OpmlError(f"{source}: not an OPML file (no <body>)")
    seen: set[str] = set()
    result: list[Subscription] = []
    for attributes, folder in _outlines(body):
        url = attributes.get("xmlurl", "").strip()
        # Only http(s): newsboat's `|command` and `exec:` pseudo-URLs are never imported.
        if not is_fetchable(url):
            continue
        key = normalise_url(url)
        if key in seen:
            continue
        seen.add(key)
        title = _first_named(attributes, "title", "text")
        html_url = attributes.get("htmlurl", "").strip()
        result.append(Subscription(url=url, title=title, folder=folder, html_url=html_url))
    return result


def _parse_xml(data: bytes, source: str) -> ElementTree.Element:
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"{source}: refused: larger than {MAX_OPML_BYTES // 1_000_000} MB")
    # Decode first (GBK, UTF-16...), so the DTD checks below see the text expat will see.
    text = decide_encoding(data).utf8.lstrip()
    if re.search(rb"<!ENTITY", text, re.IGNORECASE):
        raise OpmlError(f"{source}: refused: the file declares XML entities")
    text = _without_doctype(text)
    if _DTD_LEFTOVER.search(text):
        raise OpmlError(f"{source}: refused: the file has an unreadable DTD")
    try:
        return ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        first = error
    except ValueError as error:  # ElementTree raises this, not ParseError, for some encodings
        raise OpmlError(f"{source}: unreadable ({error})") from None
    try:
        return ElementTree.fromstring(_repair(text))
    except (ElementTree.ParseError, ValueError):
        pass
    if not re.search(rb"<opml\b", text[:65536], re.IGNORECASE):
        raise OpmlError(f"{source}: not an OPML file (not XML)")
    line = first.position[0] if first.position else 0
    reason = str(first).rsplit(": line", 1)[0]
    reason = reason.removeprefix("not well-formed (").removesuffix(")")
    raise OpmlError(f"{source}, line {line}: not well-formed XML ({reason})")


def _without_doctype(text: bytes) -> bytes:
    """The text with its first DOCTYPE removed: a DTD is never needed (one attempt: linear time)."""
    start = _DTD_LEFTOVER.search(text)
    match = _DOCTYPE.match(text, start.start()) if start else None
    return text[: match.start()] + text[match.end() :] if match else text


def _repair(data: bytes) -> bytes:
    """Escape what hand-made OPML commonly gets wrong: raw `&`, and raw `"` `<` `>` in values.

    A value runs from its `name="` to the next `name="` or the end of the tag, so a raw quote
    inside a title stays part of the title.
    """
    data = _STRAY_AMPERSAND.sub(b"&amp;", data)
    data = _NAMED_ENTITY.sub(_html_entity, data)
    return _OUTLINE_TAG.sub(_repair_outline, data)


def _html_entity(match: re.Match[bytes]) -> bytes:
    """HTML entities (`&nbsp;`) are not XML's: turn them into character references."""
    name = match.group(1).decode("ascii")
    text = html.entities.html5.get(f"{name};")
    if text is None:
        return b"&amp;" + match.group(0)[1:]
    return "".join(f"&#{ord(c)};" for c in text).encode("ascii")


def _repair_outline(match: re.Match[bytes]) -> bytes:
    inside, closing = match.groups()
    starts = list(_ATTRIBUTE_START.finditer(inside))
    pairs = []
    for index, start in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(inside)
        value = inside[start.end() : end].rstrip()
        value = value[:-1] if value.endswith(b'"') else value
        value = value.replace(b'"', b"&quot;").replace(b"<", b"&lt;").replace(b">", b"&gt;")
        pairs.append(b" " + start.group(1) + b'="' + value + b'"')
    return b"<outline" + b"".join(pairs) + (b" />" if closing else b">")


def _outlines(body: ElementTree.Element) -> Iterator[tuple[dict[str, str], tuple[str, ...]]]:
    """Depth-first, iteratively: each outline's attributes (names lower-cased) and folder path."""
    stack: list[tuple[Iterator[ElementTree.Element], tuple[str, ...]]] = [(iter(body), ())]
    while stack:
        children, folder = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        if _local(child.tag) != "outline":
            continue
        attributes = {_local(name): value for name, value in child.attrib.items()}
        yield attributes, folder
        if len(child) == 0:
            continue
        # A feed's children stay in the feed's folder; a folder is named by `text` (OPML's
        # display attribute; newsboat's tests say a folder's `title` is to be ignored).
        name = "" if attributes.get("xmlurl") else _first_named(attributes, "text", "title")
        inner = folder + (name,) if name and len(folder) < MAX_FOLDER_DEPTH else folder
        stack.append((iter(child), inner))


def _first_named(attributes: dict[str, str], *names: str) -> str:
    for name in names:
        value = clean_line(attributes.get(name, ""))
        if value:
            return value
    return ""


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower()


def write_opml(
    subscriptions: Iterable[Subscription], title: str = "feedtui subscriptions"
) -> bytes:
    """OPML 2.0 in UTF-8, folders as nested outlines, in the given order."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{_text(title)}</title>",
        f"    <dateCreated>{format_datetime(datetime.now(UTC))}</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    open_path: tuple[str, ...] = ()
    for subscription in subscriptions:
        folder = subscription.folder
        common = 0
        while common < min(len(open_path), len(folder)) and open_path[common] == folder[common]:
            common += 1
        for depth in range(len(open_path), common, -1):
            lines.append("  " * (depth + 1) + "</outline>")
        for depth in range(common, len(folder)):
            name = _attr(folder[depth])
            lines.append("  " * (depth + 2) + f"<outline text={name} title={name}>")
        open_path = folder
        indent = "  " * (len(folder) + 2)
        name = _attr(subscription.title)
        extra = f" htmlUrl={_attr(subscription.html_url)}" if subscription.html_url else ""
        lines.append(
            f'{indent}<outline type="rss" text={name} title={name} '
            f"xmlUrl={_attr(subscription.url)}{extra}/>"
        )
    for depth in range(len(open_path), 0, -1):
        lines.append("  " * (depth + 1) + "</outline>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines).encode("utf-8")


def _attr(value: str) -> str:
    """A quoted attribute value; characters XML 1.0 forbids (and lone surrogates) are dropped."""
    return quoteattr(_XML_FORBIDDEN.sub("", value), {"\n": "&#10;", "\t": "&#9;", "\r": "&#13;"})


def _text(value: str) -> str:
    return _attr(value)[1:-1]
