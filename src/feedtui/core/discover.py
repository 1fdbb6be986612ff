"""Feed autodiscovery: the `<link rel="alternate">` feeds an HTML page announces."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

from feedtui.core.urls import is_fetchable

FEED_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rss",
    "application/x.atom+xml",
    "application/rdf+xml",
    "text/xml",
}


class _LinkCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base = ""
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "base" and values.get("href") and not self.base:
            self.base = values["href"].strip()
        if tag != "link":
            return
        rel = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES and values.get("href"):
            self.hrefs.append(values["href"].strip())


def find_feed_links(html: bytes, base_url: str) -> list[str]:
    """Feed URLs announced by the page, resolved, http(s) only, in page order."""
    collector = _LinkCollector()
    try:
        collector.feed(html[:2_000_000].decode("utf-8", "replace"))
        collector.close()
    except AssertionError:  # html.parser gives up on some broken markup
        pass
    base = urljoin(base_url, collector.base) if collector.base else base_url
    result: list[str] = []
    for href in collector.hrefs:
        url = urljoin(base, href)
        if is_fetchable(url) and url not in result:
            result.append(url)
    return result


def looks_like_html(content: bytes, content_type: str = "") -> bool:
    """Whether a response is a web page rather than a feed."""
    if "html" in content_type.lower():
        return True
    head = content[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))
