"""Reading and writing OPML subscription lists.

Real OPML files are often broken (raw `&` in attributes), nested deeply, encoded in GBK, or carry
a DTD; reading is iterative (no recursion limit), never expands entities, and either returns every
subscription or raises one `OpmlError` line naming the file and the line.
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
from feedtui.core.urls import normalise_url

MAX_FOLDER_DEPTH = 32
"""Deeper outlines join the folder at this depth."""

_STRAY_AMPERSAND = re.compile(rb"&(?!(?:[A-Za-z][A-Za-z0-9._-]*|#[0-9]+|#x[0-9A-Fa-f]+);)")
_NAMED_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]*);")
_OUTLINE_LINE = re.compile(rb"^(\s*)<outline\b(.*?)\s*(/?)>\s*$", re.IGNORECASE)
_KNOWN_ATTRIBUTE = re.compile(
    rb"\s(text|title|description|xmlUrl|htmlUrl|type|version|language|category|created|url)=\"",
    re.IGNORECASE,
)
_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(\[.*?\])?\s*>", re.IGNORECASE | re.DOTALL)
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class OpmlError(Exception):
    """An OPML file that cannot be imported; its message is one line naming file and line."""


def parse_opml(data: bytes, source: str) -> list[Subscription]:
    """Every feed in the file, with folder paths, de-duplicated by normalised URL."""
    root = _parse_xml(data, source)
    if _local(root.tag) != "opml":
        raise OpmlError(f"{source}: not an OPML file (root element is <{_local(root.tag)}>)")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise OpmlError(f"{source}: not an OPML file (no <body>)")
    seen: set[str] = set()
    result: list[Subscription] = []
    for element, folder in _outlines(body):
        attributes = {name.lower(): value for name, value in element.attrib.items()}
        url = attributes.get("xmlurl", "").strip()
        if not url:
            continue
        key = normalise_url(url)
        if key in seen:
            continue
        seen.add(key)
        title = clean_line(attributes.get("title", "") or attributes.get("text", ""))
        html_url = attributes.get("htmlurl", "").strip()
        result.append(Subscription(url=url, title=title, folder=folder, html_url=html_url))
    return result


def _parse_xml(data: bytes, source: str) -> ElementTree.Element:
    data = _DOCTYPE.sub(b"", data, count=1)  # a DTD is never needed; its entities never expand
    if re.search(rb"<!ENTITY", data, re.IGNORECASE):
        raise OpmlError(f"{source}: refused: the file declares XML entities")
    data = decide_encoding(data).utf8
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as first:
        repaired = _repair(data)
        try:
            return ElementTree.fromstring(repaired)
        except ElementTree.ParseError:
            line = first.position[0] if first.position else 0
            reason = str(first).split(":", 1)[0]
            raise OpmlError(f"{source}, line {line}: not well-formed XML ({reason})") from None
    except ValueError as error:  # ElementTree raises this, not ParseError, for some encodings
        raise OpmlError(f"{source}: unreadable ({error})") from None


def _repair(data: bytes) -> bytes:
    """Escape what hand-edited OPML commonly gets wrong: raw `&`, raw `"` and `<` in attributes.

    Works on one-outline-per-line files (how generators write them): an attribute's value runs
    to the next known attribute name or the end of the tag.
    """
    data = _STRAY_AMPERSAND.sub(b"&amp;", data)
    data = _NAMED_ENTITY.sub(_html_entity, data)
    return b"\n".join(_repair_line(line) for line in data.split(b"\n"))


def _html_entity(match: re.Match[bytes]) -> bytes:
    """HTML entities (`&nbsp;`) are not XML's: turn them into character references."""
    name = match.group(1).decode("ascii")
    if name in ("amp", "lt", "gt", "quot", "apos"):
        return match.group(0)
    text = html.entities.html5.get(f"{name};")
    if text is None:
        return b"&amp;" + match.group(0)[1:]
    return "".join(f"&#{ord(c)};" for c in text).encode("ascii")


def _repair_line(line: bytes) -> bytes:
    match = _OUTLINE_LINE.match(line)
    if match is None:
        return line
    indent, inside, closing = match.groups()
    starts = list(_KNOWN_ATTRIBUTE.finditer(inside))
    if not starts:
        return line
    pairs = []
    for index, start in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(inside)
        value = inside[start.end() : end].rstrip()
        value = value[:-1] if value.endswith(b'"') else value
        value = value.replace(b'"', b"&quot;").replace(b"<", b"&lt;").replace(b">", b"&gt;")
        pairs.append(start.group(1) + b'="' + value + b'"')
    return indent + b"<outline " + b" ".join(pairs) + (b" />" if closing else b">")


def _outlines(body: ElementTree.Element) -> Iterator[tuple[ElementTree.Element, tuple[str, ...]]]:
    """Depth-first, iteratively: each outline with its folder path."""
    stack: list[tuple[Iterator[ElementTree.Element], tuple[str, ...]]] = [(iter(body), ())]
    while stack:
        children, folder = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        if _local(child.tag) != "outline":
            continue
        yield child, folder
        if len(child):
            attributes = {name.lower(): value for name, value in child.attrib.items()}
            if attributes.get("xmlurl"):
                stack.append((iter(child), folder))
                continue
            name = clean_line(attributes.get("title", "") or attributes.get("text", ""))
            inner = folder + (name,) if name and len(folder) < MAX_FOLDER_DEPTH else folder
            stack.append((iter(child), inner))


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower()


def write_opml(
    subscriptions: Iterable[Subscription], title: str = "feedtui subscriptions"
) -> bytes:
    """OPML 2.0, folders as nested outlines, in the given order."""
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
    return quoteattr(_XML_FORBIDDEN.sub("", value), {"\n": "&#10;", "\t": "&#9;", "\r": "&#13;"})


def _text(value: str) -> str:
    return _attr(value)[1:-1]
