"""Turning a URL the user typed into a feed to subscribe to, with autodiscovery."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from feedtui.core.discover import find_feed_links, looks_like_html
from feedtui.core.fetch import Fetcher, FetchLimits, make_client
from feedtui.core.parse import NotAFeedError, ParsedFeed
from feedtui.core.parse_workers import ParseWorkers, parse_off_loop
from feedtui.core.urls import is_fetchable


class SubscribeError(Exception):
    """The URL does not lead to a feed; the message says why."""


@dataclass(frozen=True, slots=True)
class FoundFeed:
    """A feed that was fetched and parsed successfully."""

    url: str
    title: str
    site_url: str


async def resolve_feed(
    url: str, fetcher: Fetcher | None = None, parsers: ParseWorkers | None = None
) -> FoundFeed:
    """Fetch `url`; if it is an HTML page, follow its `<link rel="alternate">` to the feed.

    Args:
        parsers: the processes that parse within time and memory bounds (see `refresh_feeds`).
    """
    url = url.strip()
    if "://" not in url:
        url = f"https://{url}"
    if not is_fetchable(url):
        raise SubscribeError(f"not an http(s) URL: {url}")
    if fetcher is None:
        async with make_client() as client:
            return await _resolve(Fetcher(client), url, parsers)
    return await _resolve(fetcher, url, parsers)


async def _resolve(fetcher: Fetcher, url: str, parsers: ParseWorkers | None) -> FoundFeed:
    result = await fetcher.fetch(url)
    if result.kind != "ok":
        raise SubscribeError(f"{url}: {result.error or 'could not be fetched'}")
    final = result.final_url or url
    try:
        parsed = await parse_off_loop(parsers, result.content, url=final, headers=result.headers)
        return _found(final, parsed)
    except NotAFeedError as error:
        if not looks_like_html(result.content, result.headers.get("content-type", "")):
            raise SubscribeError(f"{url}: {error}") from None
    for candidate in find_feed_links(result.content, final)[:5]:
        found = await fetcher.fetch(candidate)
        if found.kind != "ok":
            continue
        try:
            parsed = await parse_off_loop(
                parsers, found.content, url=found.final_url or candidate, headers=found.headers
            )
        except NotAFeedError:
            continue
        return _found(found.final_url or candidate, parsed)
    raise SubscribeError(f"{url}: an HTML page that links no feed this reader can read")


def _found(url: str, parsed: ParsedFeed) -> FoundFeed:
    title = parsed.title or urlsplit(url).hostname or url
    return FoundFeed(url=url, title=title, site_url=parsed.site_url)


__all__ = ["FetchLimits", "FoundFeed", "SubscribeError", "resolve_feed"]
