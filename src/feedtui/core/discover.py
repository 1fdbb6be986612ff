"""Feed autodiscovery: the `<link rel="alternate">` feeds an HTML page announces."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin

from feedtui.core.urls import is_fetchable, normalise_url

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/rss",
        "application/x.atom+xml",
        "application/x-atom+xml",
        "application/rdf+xml",
    }
)
"""Link types that announce a feed. Plain `application/json` is left out: WordPress uses it for
its REST API (`/wp-json/...`) on every page."""
MAX_HTML_BYTES = 2_000_000
"""Only the start of a page is read: the links are in its head."""

_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)\b", re.IGNORECASE)
_HTML_START = re.compile(rb"<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)


class _LinkCollector(HTMLParser):
    """Collects the first `<base href>` and every feed `<link>` href, in page order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base = ""
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        href = values.get("href", "").strip()
        if tag == "base" and href and not self.base:
            self.base = href
        if tag != "link" or not href:
            return
        rel = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES:
            self.hrefs.append(href)


def find_feed_links(html: bytes, base_url: str) -> list[str]:
    """Feed URLs announced by the page: resolved, http(s) only, in page order, no duplicates."""
    collector = _LinkCollector()
    try:
        collector.feed(html[:MAX_HTML_BYTES].decode("utf-8", "replace"))
        collector.close()
    except AssertionError:  # older html.parser versions give up on some broken markup
        pass
    base = urljoin(base_url, collector.base) if collector.base else base_url
    seen: set[str] = set()
    result: list[str] = []
    for href in collector.hrefs:
        url = urljoin(base, href)
        key = normalise_url(url)
        if is_fetchable(url) and key not in seen:
            seen.add(key)
            result.append(url)
    return result


def looks_like_html(content: bytes, content_type: str = "") -> bool:
    """Whether a response is a web page rather than a feed (by its header, else its first bytes)."""
    if "html" in content_type.lower():
        return True
    head = content[:1024]
    return bool(_HTML_START.search(head)) and not _FEED_ROOT.search(head)
