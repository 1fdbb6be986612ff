"""Turning fetched bytes into entries with feedparser, defensively.

`parse_feed` is a plain top-level function so it can run in a process pool. It hands feedparser
a stream, never `str` or `bytes` (feedparser would open local paths and fetch URLs itself).
Before parsing, the document is transcoded to UTF-8 from its real encoding and stripped of DTD
internal subsets (entity expansion bombs). expat then parses it, stopping at the first
well-formedness error or past the nesting and entry bounds; only then is the document cleaned of
control characters and of character references that make feedparser raise, and bounded, for
feedparser's loose parser. Every text field is cleaned again as it becomes an entry. JSON Feed,
which feedparser 6 does not read, has its own small path.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import json
import re
import xml.sax
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import feedparser  # type: ignore[import-untyped]  # no stubs published

from feedtui.core.doc_bounds import (
    MAX_DOCUMENT_ENTRIES,
    STRICT_BOUNDS,
    TOO_DEEP,
    DocumentTooComplexError,
    bound_document,
)
from feedtui.core.encoding import decide_encoding
from feedtui.core.expat_driver import StrictParseStopped, loosely, stopping_early
from feedtui.core.feedparser_speedups import speed_up_feedparser
from feedtui.core.models import Entry, utc_now
from feedtui.core.sanitize import clean_line, clean_text, safe_link

MAX_ENTRIES = MAX_DOCUMENT_ENTRIES
"""Entries kept from one document (the newest)."""
MAX_BODY_CHARS = 1_000_000
"""A body longer than this (about 1 MB) is cut."""
MAX_ID_CHARS = 512
"""Longer ids are replaced by their hash."""
SUMMARY_CHARS = 400
"""The plain-text summary kept for lists and filters."""
UNTITLED_CHARS = 80
"""How much of the summary stands in for a missing title."""
FUTURE_SLACK = timedelta(days=2)
"""Dates further ahead than this are not believed; the entry gets the time it was seen."""

# No content-location: feedparser would resolve an RSS guid like "post-1" against it, and the id
# would change whenever the feed's URL does. Links are resolved here instead, with urljoin.
_XML_HEADERS = {"content-type": "application/xml; charset=utf-8"}
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
# What matters in a prolog: comments and PIs to skip, a DOCTYPE, or the root element's start.
_PROLOG_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)|<\?.*?(?:\?>|\Z)|(?P<doctype><!DOCTYPE)|(?P<element><[A-Za-z_:])",
    re.I | re.S,
)
_NAME = re.compile(r"[\w:.-]+")
_DOCTYPE_TOKEN = re.compile(r"""["'\[\]>]|<!--""")
_FIRST_ELEMENT = re.compile(r"<\w", re.ASCII)  # feedparser's own idea of where the prolog ends
# Patterns over feed HTML stay linear on hostile input: an unclosed comment or script runs to the
# end (as in a browser) and a tag never spans a "<", so no match rescans the rest of the text.
_INVISIBLE = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|\Z)|<!--.*?(?:-->|\Z)", re.I | re.S)
_INLINE_TAGS = re.compile(
    r"</?(?:a|abbr|b|bdi|cite|code|em|i|kbd|mark|q|s|small|span|strong|sub|sup|time|u)\b[^<>]*>",
    re.I,
)
_TAGS = re.compile(r"</?[A-Za-z!?][^<>]*>")
_CUT_TAG = re.compile(r"<[A-Za-z/!?][^<>]*\Z")
_JSON_FEED_VERSIONS = ("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")


speed_up_feedparser()


class NotAFeedError(Exception):
    """The document is not a feed this reader can read; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """An entry and its HTML body, as read from the document."""

    entry: Entry
    """The entry, its text fields cleaned."""
    body: str
    """The entry's HTML content, unsanitised: the reader sanitises it for display."""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What a feed document yielded."""

    title: str
    """The feed's own title ("" when it has none; callers fall back to OPML, then host)."""
    site_url: str
    """The feed's own site link ("" when it has none or it is not http(s))."""
    entries: tuple[ParsedEntry, ...]
    """Newest first, at most MAX_ENTRIES."""
    warning: str = ""
    """Why the document was only partly readable, when it was."""
    encoding: str = ""
    """The encoding used, and what was declared when that was wrong."""


def parse_feed(
    content: bytes,
    *,
    url: str,
    headers: Mapping[str, str] | None = None,
    seen_at: datetime | None = None,
) -> ParsedFeed:
    """Parse one fetched document into a feed title and entries.

    Args:
        url: where the document came from; relative links resolve against it.
        headers: the HTTP response headers (only Content-Type is read).
        seen_at: when the document was fetched; undated entries get this date.

    Raises:
        NotAFeedError: the document is an HTML page, empty, or yields nothing readable.
    """
    seen_at = _aware(seen_at or utc_now())
    content_type = _header(headers, "content-type")
    if _looks_like_json(content):
        return _parse_json_feed(content, url, seen_at)
    decision = decide_encoding(content, content_type)
    document = _defuse_prolog(decision.text)
    if _root_element(document) == "html":
        # Known before parsing: a 20 MB page would cost feedparser half a minute to refuse.
        raise NotAFeedError("not a feed: the server sent an HTML page")
    cut_warning = ""
    try:
        # Nearly every document is well-formed and within bounds: expat checks that as it
        # parses, and nothing else reads the whole document first.
        with stopping_early(STRICT_BOUNDS):
            result = _feedparser(decision.utf8 if document is decision.text else document)
    except StrictParseStopped as stop:
        result, document, cut_warning = _parse_carefully(document, stop)
    if not result.get("entries"):
        _check_empty_feed(result, document, content_type)
    parsed = _to_parsed(result, url, seen_at, decision.description)
    if cut_warning:
        parsed = replace(parsed, warning="; ".join(filter(None, [cut_warning, parsed.warning])))
    return parsed


def _parse_carefully(document: str, stop: StrictParseStopped) -> tuple[Any, str, str]:
    """feedparser's result for a document expat stopped on, the document it read, and a warning.

    The document is cleaned and bounded first, since feedparser's loose parser reads whatever
    it is given. Unless cleaning changed it, expat would stop at the same place again, so it
    goes straight to the loose parser.
    """
    if stop.reason == "too deep":
        raise NotAFeedError(TOO_DEEP)
    try:
        bounded, warning = bound_document(_defuse_prolog(_defuse_text(document)))
    except DocumentTooComplexError as error:
        raise NotAFeedError(str(error)) from None
    if stop.reason == "too many entries" and not warning:
        # expat counted past the bound, but the scan found no entry to cut before.
        raise NotAFeedError(f"refused: more than {MAX_DOCUMENT_ENTRIES:,} entries")
    if bounded is not document and not warning:
        return _feedparser(bounded), bounded, ""  # cleaned: it may parse strictly now
    refusal = stop.error or xml.sax.SAXException("the document was cut")
    with loosely(refusal):
        return _feedparser(bounded), bounded, warning


def _feedparser(document: str | bytes) -> Any:
    """feedparser's result for the document (UTF-8, declared so).

    Raises:
        NotAFeedError: feedparser itself failed.
    """
    payload = document.encode("utf-8") if isinstance(document, str) else document
    try:
        # A stream, not bytes: feedparser tries open() on bytes too, so a body of "/dev/zero"
        # or a local path would be read from disk.
        return feedparser.parse(
            io.BytesIO(payload),
            response_headers=_XML_HEADERS,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except (MemoryError, StrictParseStopped):
        raise  # the parser process reports its memory bound itself
    except Exception as error:  # noqa: BLE001 - feedparser raises on some hostile documents
        raise NotAFeedError(
            f"not a readable feed: the parser failed ({type(error).__name__})"
        ) from None


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _header(headers: Mapping[str, str] | None, name: str) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value)
    return ""


# -- making the document safe to parse ---------------------------------------------------------


def _defuse_text(text: str) -> str:
    """The document without controls or impossible character references (expat refuses both)."""
    if "&#" in text:
        text = _CHAR_REF.sub(_fix_char_ref, text)
    return clean_text(text)


def _defuse_prolog(text: str) -> str:
    """The document without entity declarations (expansion bombs)."""
    text = _strip_internal_subsets(text)
    first = _FIRST_ELEMENT.search(text)
    if first and "<!ENTITY" in text[: first.start()].upper():
        # Declarations outside a DOCTYPE: feedparser's loose parser would still expand them.
        raise NotAFeedError("refused: the document declares XML entities outside its DOCTYPE")
    return text


def _fix_char_ref(match: re.Match[str]) -> str:
    """Neutralise references feedparser raises on, and let controls be removed as text."""
    hex_digits, dec_digits = match.groups()
    digits = (hex_digits or dec_digits).lstrip("0")
    if len(digits) > 7:
        return "\ufffd"
    value = int(digits or "0", 16 if hex_digits else 10)
    if value in (0x9, 0xA, 0xD):
        return match.group(0)
    if value < 0x20 or 0x7F <= value <= 0x9F:
        # The raw control goes through clean_text, which removes a whole `&#27;[31m` sequence.
        return chr(value)
    if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF or value in (0xFFFE, 0xFFFF):
        return "\ufffd"
    return match.group(0)


def _strip_internal_subsets(text: str) -> str:
    """Drop the `[ ... ]` of every DOCTYPE in the prolog, keeping `<!DOCTYPE name ids>`."""
    pieces: list[str] = []
    pos = copied = 0
    while (token := _PROLOG_TOKEN.search(text, pos)) is not None and not token.group("element"):
        pos = token.end()
        if token.group("doctype"):
            subset, pos = _doctype_span(text, pos)
            if subset >= 0:
                pieces += [text[copied:subset].rstrip(), ">"]
                copied = pos
    return "".join(pieces) + text[copied:] if pieces else text


def _root_element(text: str) -> str:
    """The lower-cased name of the document's first element ("" when there is none)."""
    pos = 0
    while (token := _PROLOG_TOKEN.search(text, pos)) is not None:
        if token.group("element"):
            name = _NAME.match(text, token.start() + 1)
            return name.group().lower() if name else ""
        pos = token.end()
    return ""


def _doctype_span(text: str, pos: int) -> tuple[int, int]:
    """(where its internal subset starts or -1, where it ends) for the DOCTYPE begun before pos.

    An unclosed DOCTYPE runs to the end of the document.
    """
    subset = -1
    inside = False
    while (token := _DOCTYPE_TOKEN.search(text, pos)) is not None:
        kind = token.group()
        pos = token.end()
        if kind in ("'", '"'):
            close = text.find(kind, pos)
            pos = len(text) if close < 0 else close + 1
        elif kind == "<!--":
            close = text.find("-->", pos)
            pos = len(text) if close < 0 else close + 3
        elif kind == "[" and not inside:
            inside, subset = True, token.start()
        elif kind == "]":
            inside = False
        elif kind == ">" and not inside:
            return subset, pos
    return subset, len(text)


def _check_empty_feed(result: Any, document: str, content_type: str) -> None:
    """Raise NotAFeedError unless an entry-less document is still plainly a feed."""
    if not document.strip():
        raise NotAFeedError("not a feed: the document is empty")
    root = _root_element(document)
    if root == "html" or ("html" in content_type.lower() and not result.get("version")):
        raise NotAFeedError("not a feed: the server sent an HTML page")
    if not result.get("version") or not _feed_title(result.get("feed", {})):
        raise NotAFeedError("not a feed: no entries and no feed title could be read")


# -- feedparser's result to our models ----------------------------------------------------------
# feedparser's dicts are read with `dict.get`: `FeedParserDict.get` goes through a Python
# `__getitem__` that handles aliases ("description", "guid") these names never need, and cost a
# sixth of turning 40 entries into ours.


def _to_parsed(result: Any, url: str, seen_at: datetime, encoding: str) -> ParsedFeed:
    feed = result.get("feed", {})
    entries = [
        _entry(item, url, seen_at) for item in result.get("entries", []) if _has_content(item)
    ]
    entries.sort(key=lambda parsed: parsed.entry.published, reverse=True)
    return ParsedFeed(
        title=_feed_title(feed),
        site_url=_resolve(url, feed.get("link")),
        entries=tuple(entries[:MAX_ENTRIES]),
        warning=_warning(result.get("bozo_exception")) if result.get("bozo") else "",
        encoding=encoding,
    )


def _feed_title(feed: Any) -> str:
    return clean_line(_plain(dict.get(feed, "title_detail") or {"value": dict.get(feed, "title")}))


def _warning(exception: Any) -> str:
    if exception is None:
        return ""
    kind = type(exception).__name__
    if "CharacterEncoding" in kind:
        return "the declared character encoding was wrong; showing what could be read"
    if "UndeclaredNamespace" in kind:
        return "an undeclared XML namespace; showing what could be read"
    line = getattr(exception, "getLineNumber", lambda: None)()
    where = f" at line {line}" if line else ""
    return f"not well-formed XML{where}; showing what could be read"


def _has_content(item: Any) -> bool:
    """False for the husk a truncated document leaves: an entry with nothing in it."""
    return any(dict.get(item, name) for name in ("title", "id", "link", "summary", "content"))


def _entry(item: Any, feed_url: str, seen_at: datetime) -> ParsedEntry:
    body = _body(item)
    summary = clean_line(_plain(dict.get(item, "summary_detail") or {}), SUMMARY_CHARS)
    summary = summary or clean_line(_plain({"value": body, "type": "html"}), SUMMARY_CHARS)
    published, dated = _date(item, seen_at)
    link = _entry_link(item, feed_url)
    title = clean_line(_plain(dict.get(item, "title_detail") or {"value": dict.get(item, "title")}))
    title = title or clean_line(summary, UNTITLED_CHARS) or "(untitled)"
    entry = Entry(
        id=_identity(dict.get(item, "id"), link, title, published if dated else None),
        feed_url=feed_url,
        title=title,
        link=link,
        author=_author(item),
        published=published,
        summary=summary,
        dated=dated,
    )
    return ParsedEntry(entry=entry, body=body)


def _plain(detail: Any) -> str:
    """The plain text of a feedparser text construct: tags stripped when it is HTML."""
    value = dict.get(detail, "value")
    if not isinstance(value, str) or not value:
        return ""
    if "html" not in (dict.get(detail, "type") or ""):
        return value
    # Enough HTML for a summary, without scanning a whole 1 MB body (nor a tag cut in half).
    if len(value) > SUMMARY_CHARS * 25:
        value = _CUT_TAG.sub("", value[: SUMMARY_CHARS * 25])
    value = _INLINE_TAGS.sub("", _INVISIBLE.sub(" ", value))
    return html.unescape(_TAGS.sub(" ", value))


def _body(item: Any) -> str:
    """The entry's HTML: content (preferring HTML) else summary; plain text is escaped."""
    chosen: Any = None
    for content in dict.get(item, "content") or []:
        if "html" in (dict.get(content, "type") or ""):
            chosen = content
            break
        chosen = chosen or content
    chosen = chosen or dict.get(item, "summary_detail") or {"value": dict.get(item, "summary")}
    value = dict.get(chosen, "value")
    if not isinstance(value, str):
        return ""
    value = clean_text(value[:MAX_BODY_CHARS])
    if "plain" in (dict.get(chosen, "type") or ""):
        value = html.escape(value).replace("\n", "<br>\n")
    return value


def _entry_link(item: Any, feed_url: str) -> str:
    link = dict.get(item, "link")
    if not link:
        for candidate in dict.get(item, "links") or []:
            if dict.get(candidate, "rel", "alternate") == "alternate" and dict.get(
                candidate, "href"
            ):
                link = candidate["href"]
                break
    return _resolve(feed_url, link)


def _resolve(base: str, href: Any) -> str:
    """`href` made absolute against `base`, when the link policy accepts it."""
    if not isinstance(href, str) or not href.strip():
        return ""
    try:
        return safe_link(urljoin(base, href.strip()))
    except ValueError:
        return ""


def _date(item: Any, seen_at: datetime) -> tuple[datetime, bool]:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: FeedParserDict maps updated_parsed to published_parsed, with a warning.
        parsed = dict.get(item, name)
        if not parsed:
            continue
        try:
            when = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
        except (OverflowError, ValueError, OSError, TypeError):
            continue
        return _believable(when, seen_at), True
    return seen_at, False


def _believable(when: datetime, seen_at: datetime) -> datetime:
    """A date from the future becomes the time it was seen."""
    return seen_at if when > seen_at + FUTURE_SLACK else when


def _identity(raw_id: Any, link: str, title: str, published: datetime | None) -> str:
    """guid/id, else link, else a hash of title and date: stable across fetches."""
    raw = "" if raw_id is None else str(raw_id)
    identity = clean_line(raw, MAX_ID_CHARS + 1) or link
    if identity and len(identity) <= MAX_ID_CHARS:
        return identity
    stamp = published.isoformat() if published else ""
    key = raw or identity or f"{title}\x00{stamp}"
    return "h:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def _author(item: Any) -> str:
    """The author's name ("Ann" rather than "ann@example.org (Ann)" when feedparser split it)."""
    detail = dict.get(item, "author_detail") or {}
    return clean_line(str(dict.get(detail, "name") or dict.get(item, "author") or ""))


# -- JSON Feed ---------------------------------------------------------------------------------


def _looks_like_json(content: bytes) -> bool:
    return content.lstrip(b" \t\r\n\xef\xbb\xbf")[:1] == b"{"


def _parse_json_feed(content: bytes, url: str, seen_at: datetime) -> ParsedFeed:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1), which feedparser 6 does not read."""
    try:
        data = json.loads(content)
    except (ValueError, RecursionError):
        raise NotAFeedError("not a feed: malformed JSON") from None
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str) or not version.startswith(_JSON_FEED_VERSIONS):
        raise NotAFeedError("not a feed: JSON that is not a JSON Feed")
    items = data.get("items")
    feed_author = _json_author(data)
    entries = [
        _json_entry(item, url, seen_at, feed_author)
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict)
    ]
    entries.sort(key=lambda parsed: parsed.entry.published, reverse=True)
    return ParsedFeed(
        title=clean_line(_text(data.get("title"))),
        site_url=_resolve(url, data.get("home_page_url")),
        entries=tuple(entries[:MAX_ENTRIES]),
        encoding="utf-8",
    )


def _json_entry(item: dict[str, Any], url: str, seen_at: datetime, author: str) -> ParsedEntry:
    link = _resolve(url, item.get("url")) or _resolve(url, item.get("external_url"))
    if html_body := _text(item.get("content_html")):
        body = clean_text(html_body[:MAX_BODY_CHARS])
    else:
        plain = clean_text(_text(item.get("content_text"))[:MAX_BODY_CHARS])
        body = html.escape(plain).replace("\n", "<br>\n")
    summary = _text(item.get("summary"))
    summary = clean_line(summary or _plain({"value": body, "type": "html"}), SUMMARY_CHARS)
    title = clean_line(_text(item.get("title"))) or clean_line(summary, UNTITLED_CHARS)
    published, dated = _json_date(item, seen_at)
    raw_id = item.get("id")
    entry = Entry(
        id=_identity(
            raw_id if isinstance(raw_id, str | int) else None,
            link,
            title,
            published if dated else None,
        ),
        feed_url=url,
        title=title or "(untitled)",
        link=link,
        author=_json_author(item) or author,
        published=published,
        summary=summary,
        dated=dated,
    )
    return ParsedEntry(entry=entry, body=body)


def _json_date(item: dict[str, Any], seen_at: datetime) -> tuple[datetime, bool]:
    for name in ("date_published", "date_modified"):
        value = item.get(name)
        if not isinstance(value, str):
            continue
        try:
            when = _aware(datetime.fromisoformat(value.strip())).astimezone(UTC)
        except (ValueError, OverflowError):
            continue
        return _believable(when, seen_at), True
    return seen_at, False


def _json_author(holder: dict[str, Any]) -> str:
    """The first author's name: JSON Feed 1.1 `authors`, else 1.0 `author`."""
    authors = holder.get("authors")
    if not isinstance(authors, list) or not authors:
        authors = [holder.get("author")]
    return clean_line(_text(authors[0].get("name")) if isinstance(authors[0], dict) else "")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
