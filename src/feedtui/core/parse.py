"""Turning fetched bytes into entries with feedparser, defensively.

`parse_feed` is a plain top-level function so it can run in a process pool. It never hands
feedparser a `str` (feedparser would open local paths and fetch URLs itself), strips DTD internal
subsets before parsing (entity expansion bombs), neutralises character references that make
feedparser raise, and works out the real encoding when the declarations lie.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import feedparser

from feedtui.core.encoding import decide_encoding
from feedtui.core.models import Entry, utc_now
from feedtui.core.sanitize import clean_line, clean_text, safe_link

MAX_ENTRIES = 5000
"""Entries kept from one document (the newest)."""
MAX_BODY_CHARS = 1_000_000
"""A body longer than this is cut."""
MAX_ID_CHARS = 512
"""Longer ids are replaced by their hash."""
SUMMARY_CHARS = 400
FUTURE_SLACK = timedelta(days=2)

_DOCTYPE_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[.*?\]\s*>", re.IGNORECASE | re.DOTALL)
_DOCTYPE_OPEN_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[", re.IGNORECASE)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_TAGS = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


class NotAFeedError(Exception):
    """The document is not a feed this reader can read; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """An entry and its HTML body, as read from the document."""

    entry: Entry
    body: str


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What a feed document yielded."""

    title: str
    """The feed's own title ("" when it has none)."""
    site_url: str
    """The feed's own site link."""
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
    """Parse one fetched document.

    Raises:
        NotAFeedError: the document is an HTML page, empty, or yields nothing readable.
    """
    seen_at = seen_at or utc_now()
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    content = _neutralise(content)
    if _looks_like_json(content):
        return _parse_json_feed(content, url, seen_at)
    decision = decide_encoding(content, headers.get("content-type", ""))
    parser_headers = {
        "content-type": _with_charset(headers.get("content-type", "application/xml"), "utf-8"),
        "content-location": url,
    }
    try:
        result = feedparser.parse(
            decision.utf8,
            response_headers=parser_headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as error:  # noqa: BLE001 - feedparser raises on some hostile documents
        raise NotAFeedError(
            f"not a readable feed: the parser failed ({type(error).__name__})"
        ) from None
    return _to_parsed(result, url, seen_at, decision.description)


def _neutralise(content: bytes) -> bytes:
    """Remove DTD internal subsets and character references that are not characters."""
    head = content[:4096]
    if b"<!" in head and (_DOCTYPE_OPEN_SUBSET.search(head) or _ENTITY_DECL.search(content)):
        content = _DOCTYPE_SUBSET.sub(b"", content, count=1)
        if _ENTITY_DECL.search(content):
            raise NotAFeedError(
                "refused: the document declares XML entities (possible entity bomb)"
            )
    if b"&#" in content:
        content = _CHAR_REF.sub(_fix_char_ref, content)
    return content


def _fix_char_ref(match: re.Match[bytes]) -> bytes:
    hex_digits, dec_digits = match.groups()
    digits = hex_digits or dec_digits
    if len(digits) > 8:
        return b"&#xFFFD;"
    value = int(digits, 16 if hex_digits else 10)
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF or value == 0:
        return b"&#xFFFD;"
    return match.group(0)


def _with_charset(content_type: str, charset: str) -> str:
    base = content_type.split(";", 1)[0].strip() or "application/xml"
    return f"{base}; charset={charset}"


def _looks_like_json(content: bytes) -> bool:
    return content.lstrip()[:1] == b"{"


def _to_parsed(result: Any, url: str, seen_at: datetime, encoding: str) -> ParsedFeed:
    feed = result.get("feed", {})
    version = result.get("version", "")
    raw_entries = result.get("entries", [])
    title = clean_line(feed.get("title", ""))
    if not raw_entries and not (version and title):
        raise NotAFeedError(_not_a_feed_reason(result))
    base = safe_link(urljoin(url, feed.get("link", "") or "")) if feed.get("link") else ""
    entries = [_entry(item, url, seen_at) for item in raw_entries]
    entries.sort(key=lambda parsed: parsed.entry.published, reverse=True)
    warning = ""
    if result.get("bozo"):
        warning = _warning(result.get("bozo_exception"))
    return ParsedFeed(
        title=title,
        site_url=base,
        entries=tuple(entries[:MAX_ENTRIES]),
        warning=warning,
        encoding=encoding,
    )


def _not_a_feed_reason(result: Any) -> str:
    exception = result.get("bozo_exception")
    if exception is not None and "html" in str(exception).lower():
        return "not a feed: the server sent an HTML page"
    feed = result.get("feed", {})
    if "html" in str(result.get("namespaces", "")) or feed.get("html"):
        return "not a feed: the server sent an HTML page"
    return "not a feed: no entries and no feed title could be read"


def _warning(exception: Any) -> str:
    if exception is None:
        return ""
    line = getattr(exception, "getLineNumber", lambda: None)()
    where = f" at line {line}" if line else ""
    kind = type(exception).__name__
    if "CharacterEncoding" in kind:
        return "the declared character encoding was wrong; showing what could be read"
    return f"not well-formed XML{where}; showing what could be read"


def _entry(item: Any, feed_url: str, seen_at: datetime) -> ParsedEntry:
    link = _link(item, feed_url)
    title = clean_line(item.get("title", ""))
    body = _body(item)
    summary = _summary(item.get("summary", "") or body)
    published, dated = _date(item, seen_at)
    if not title:
        title = summary[:80] or "(untitled)"
    identity = _identity(item, link, title, published if dated else None)
    author = clean_line(item.get("author", "") or _first_author(item))
    entry = Entry(
        id=identity,
        feed_url=feed_url,
        title=title,
        link=link,
        author=author,
        published=published,
        summary=summary,
        dated=dated,
    )
    return ParsedEntry(entry=entry, body=body)


def _link(item: Any, feed_url: str) -> str:
    candidate = item.get("link", "") or ""
    if not candidate:
        for link in item.get("links", []) or []:
            if link.get("rel", "alternate") == "alternate" and link.get("href"):
                candidate = link["href"]
                break
    if not candidate:
        return ""
    try:
        return safe_link(urljoin(feed_url, candidate))
    except ValueError:
        return ""


def _body(item: Any) -> str:
    contents = item.get("content") or []
    chosen = ""
    for content in contents:
        value = content.get("value", "")
        if "html" in (content.get("type") or ""):
            chosen = value
            break
        chosen = chosen or value
    body = chosen or item.get("summary", "") or ""
    return clean_text(body[:MAX_BODY_CHARS])


def _summary(text: str) -> str:
    if not text:
        return ""
    plain = html.unescape(_TAGS.sub(" ", text[: SUMMARY_CHARS * 20]))
    return clean_line(_SPACE.sub(" ", plain), SUMMARY_CHARS)


def _date(item: Any, seen_at: datetime) -> tuple[datetime, bool]:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed: time.struct_time | None = item.get(name)
        if parsed:
            try:
                when = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            except (OverflowError, ValueError, OSError):
                continue
            if when > seen_at + FUTURE_SLACK:
                return seen_at, True
            return when, True
    return seen_at, False


def _identity(item: Any, link: str, title: str, published: datetime | None) -> str:
    identity = clean_line(str(item.get("id", "") or ""), MAX_ID_CHARS * 4) or link
    if not identity:
        stamp = published.isoformat() if published else ""
        digest = hashlib.sha256(f"{title}\x00{stamp}".encode("utf-8", "replace")).hexdigest()
        return f"h:{digest[:32]}"
    if len(identity) > MAX_ID_CHARS:
        return "h:" + hashlib.sha256(identity.encode("utf-8", "replace")).hexdigest()[:32]
    return identity


def _first_author(item: Any) -> str:
    authors = item.get("authors") or []
    return str(authors[0].get("name", "")) if authors and isinstance(authors[0], dict) else ""


def _parse_json_feed(content: bytes, url: str, seen_at: datetime) -> ParsedFeed:
    """JSON Feed 1.0/1.1, which feedparser 6 does not read."""
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise NotAFeedError("not a feed: malformed JSON") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise NotAFeedError("not a feed: JSON that is not a JSON Feed")
    entries = []
    for item in data.get("items") or []:
        if not isinstance(item, dict):
            continue
        entries.append(_json_entry(item, url, seen_at))
    entries.sort(key=lambda parsed: parsed.entry.published, reverse=True)
    home = data.get("home_page_url")
    return ParsedFeed(
        title=clean_line(str(data.get("title") or "")),
        site_url=safe_link(urljoin(url, home)) if isinstance(home, str) else "",
        entries=tuple(entries[:MAX_ENTRIES]),
        encoding="utf-8",
    )


def _json_entry(item: dict[str, Any], url: str, seen_at: datetime) -> ParsedEntry:
    link = item.get("url") or item.get("external_url") or ""
    link = safe_link(urljoin(url, link)) if isinstance(link, str) and link else ""
    body = item.get("content_html") or html.escape(str(item.get("content_text") or ""))
    body = clean_text(str(body)[:MAX_BODY_CHARS])
    summary = _summary(str(item.get("summary") or body))
    title = clean_line(str(item.get("title") or "")) or summary[:80] or "(untitled)"
    published, dated = seen_at, False
    for name in ("date_published", "date_modified"):
        value = item.get(name)
        if isinstance(value, str):
            try:
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
            published, dated = min(when.astimezone(UTC), seen_at + FUTURE_SLACK), True
            break
    authors = item.get("authors") or (
        [item["author"]] if isinstance(item.get("author"), dict) else []
    )
    author = ""
    if authors and isinstance(authors[0], dict):
        author = clean_line(str(authors[0].get("name") or ""))
    fake = {"id": item.get("id")}
    identity = _identity(fake, link, title, published if dated else None)
    entry = Entry(identity, url, title, link, author, published, summary, dated)
    return ParsedEntry(entry=entry, body=body)
