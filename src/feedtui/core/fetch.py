"""Fetching feeds over HTTP with httpx, treating every server as hostile.

Every fetch ends in a `FetchResult` value, never an exception (except cancellation). The whole
fetch has a deadline, because httpx only times single reads and a server that drips one byte a
second would hold it forever. Redirects are followed here, not by httpx, so every hop is checked
(and every direct connection is checked again at connect time, by `core.connect_guard`); bodies
are decompressed here, not by httpx, so a gzip bomb never grows past the byte cap.
"""

from __future__ import annotations

import asyncio
import importlib.util
import re
import ssl
import sys
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Literal
from urllib.parse import urlsplit

import httpx

from feedtui import __version__
from feedtui.core.addresses import is_link_local_host, literal_ip
from feedtui.core.body_decode import BodyDecoder, format_size, read_body
from feedtui.core.fetch_errors import FetchError, describe_error, link_local_refused
from feedtui.core.fetch_limits import DEFAULT_LIMITS, FetchLimits, MiB
from feedtui.core.models import utc_now
from feedtui.core.proxy import ProxyRouter
from feedtui.core.sanitize import clean_line
from feedtui.core.urls import is_fetchable

FetchKind = Literal["ok", "not_modified", "gone", "error", "retry_later"]

USER_AGENT = f"feedtui/{__version__} (+https://github.com/feedtui/feedtui)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, text/html;q=0.5, */*;q=0.1"
)
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
PERMANENT_CODES = frozenset({301, 308})
DEFAULT_RETRY_AFTER = timedelta(hours=1)
MAX_RETRY_AFTER = timedelta(days=7)
_HOST_NAME = re.compile(r"[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})*\.?")


@dataclass(frozen=True, slots=True)
class FetchResult:
    """How one fetch ended; the caller stores it and, for `ok`, parses `content`."""

    kind: FetchKind
    """ok, not_modified (304), gone (410), error, or retry_later (429/503)."""
    url: str
    """The URL that was asked for."""
    final_url: str = ""
    """The URL of the last hop (after redirects)."""
    permanent_url: str = ""
    """The final URL when every redirect hop was permanent (301/308): update the subscription."""
    status_code: int | None = None
    """The final HTTP status, when there was one."""
    content: bytes = b""
    """The decompressed body, for `ok` only."""
    headers: dict[str, str] = field(default_factory=dict)
    """The final response's headers, names lower-cased."""
    error: str = ""
    """Why it did not work, one short human line."""
    retry_after: datetime | None = None
    """For retry_later: do not ask again before this (aware UTC)."""


def make_client(limits: FetchLimits = DEFAULT_LIMITS) -> httpx.AsyncClient:
    """The one HTTP client: no automatic redirects or decompression, explicit timeouts."""
    skip_missing_sniffio()
    pool = httpx.Limits(
        max_connections=limits.max_connections, max_keepalive_connections=limits.max_connections
    )
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout),
        limits=pool,
        headers={
            "User-Agent": USER_AGENT,
            "Accept": ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        },
        # Proxies come from the environment, but we choose per request so loopback never uses one.
        trust_env=False,
        transport=ProxyRouter.from_environment(pool),
    )


def skip_missing_sniffio() -> None:
    """Make httpcore's `import sniffio` fail at once when sniffio is not installed.

    httpcore tries that import for every lock and cancellation shield it makes, several per
    request; without sniffio each try searched sys.path again, a fifth of a refresh where every
    feed answers 304. Marked missing, the import fails instantly and httpcore assumes asyncio,
    which is what we run. When sniffio is installed nothing changes.
    """
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def _plausible_host(host: str) -> bool:
    """Could `host` be looked up? Keeps junk (spaces, empty labels) away from the resolver;
    non-ASCII names are left to httpx's IDNA check."""
    if not host:
        return False
    if not host.isascii() or literal_ip(host) is not None:
        return True
    return _HOST_NAME.fullmatch(host) is not None


class Fetcher:
    """Fetches feeds through one shared client, politely: a few requests per host at a time."""

    def __init__(self, client: httpx.AsyncClient, limits: FetchLimits = DEFAULT_LIMITS) -> None:
        self.client = client
        self.limits = limits
        self._all = asyncio.Semaphore(limits.max_connections)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def fetch(self, url: str, *, etag: str = "", last_modified: str = "") -> FetchResult:
        """Fetch `url`, sending the validators of the copy we have; never raises but to cancel."""
        limits = self.limits
        if not is_fetchable(url):
            return _failure(url, "not an http(s) URL")
        host = (urlsplit(url.strip()).hostname or "").lower()
        headers = _conditional_headers(etag, last_modified)
        try:
            async with self._slot(host), asyncio.timeout(limits.total_timeout):
                return await self._follow(url.strip(), headers)
        except FetchError as error:
            return _failure(url, str(error))
        except TimeoutError:
            return _failure(url, f"timed out after {limits.total_timeout:g} s")
        except (
            httpx.HTTPError,
            httpx.InvalidURL,
            httpx.StreamError,
            ssl.SSLError,
            OSError,
            zlib.error,
            UnicodeError,
            ValueError,
        ) as error:
            return _failure(url, describe_error(error, host, limits))

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        """Wait for a free slot for `host`, then for one overall (so no host hogs the pool)."""
        semaphore = self._hosts.get(host)
        if semaphore is None:
            semaphore = self._hosts[host] = asyncio.Semaphore(self.limits.per_host)
        async with semaphore, self._all:
            yield

    async def _follow(self, url: str, headers: dict[str, str]) -> FetchResult:
        current, previous, permanent = url, "", True
        for _ in range(self.limits.max_redirects + 1):
            _check_hop(current, previous)
            try:
                async with self.client.stream("GET", current, headers=headers) as response:
                    status = response.status_code
                    location = response.headers.get("location")
                    if status not in REDIRECT_CODES or location is None:
                        moved = permanent and bool(previous)
                        return await self._finish(url, current, response, moved)
                    target = _resolve(response.url, location)
            except (httpx.HTTPError, OSError) as error:
                # Described here, where we still know which hop's host failed.
                hop_host = urlsplit(current).hostname or ""
                line = describe_error(error, hop_host, self.limits, redirected=bool(previous))
                raise FetchError(line) from error
            permanent = permanent and status in PERMANENT_CODES
            previous, current = current, target
        raise FetchError("too many redirects")

    async def _finish(
        self, url: str, final: str, response: httpx.Response, permanent: bool
    ) -> FetchResult:
        status = response.status_code
        reason = response.reason_phrase
        result = FetchResult(
            "error",
            url=url,
            final_url=final,
            permanent_url=final if permanent else "",
            status_code=status,
            headers=dict(response.headers.items()),
        )
        if 200 <= status < 300:
            content = await read_body(response, self.limits.max_body)
            return replace(result, kind="ok", content=content)
        if status == 304:
            # A 304 has no body, but until it is "read" the connection cannot be reused: without
            # this, a refresh where every feed answers 304 opens a new connection per feed.
            await response.aread()
            return replace(result, kind="not_modified")
        if status == 410:
            return replace(result, kind="gone", error="feed is gone (HTTP 410)")
        if status in (429, 503):
            when = retry_after(result.headers.get("retry-after", ""))
            return replace(result, kind="retry_later", error=status_line(status), retry_after=when)
        return replace(result, error=status_line(status, reason))


def _resolve(base: httpx.URL, location: str) -> str:
    """The absolute URL a (possibly relative) Location points to."""
    try:
        return str(base.join(location.strip()))
    except (httpx.InvalidURL, ValueError):
        raise FetchError("redirect to an invalid URL refused") from None


def _failure(url: str, error: str) -> FetchResult:
    return FetchResult("error", url=url, error=error)


def _conditional_headers(etag: str, last_modified: str) -> dict[str, str]:
    """Validators to send; stored ones came from a server, so anything odd is left out."""
    headers = {}
    if _header_safe(etag):
        headers["If-None-Match"] = etag
    if _header_safe(last_modified):
        headers["If-Modified-Since"] = last_modified
    return headers


def _header_safe(value: str) -> bool:
    return 0 < len(value) <= 1024 and value.isascii() and value.isprintable()


def _check_hop(url: str, previous: str) -> None:
    """Refuse a URL we must not fetch; `previous` is the hop that redirected here, if any."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if previous and scheme not in ("http", "https"):
        raise FetchError("redirect to a non-http(s) URL refused")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise FetchError("invalid URL: bad port") from None
    if not _plausible_host(parts.hostname or ""):
        raise FetchError("invalid URL: bad host name")
    if is_link_local_host(parts.hostname or ""):
        raise FetchError(link_local_refused(redirected=bool(previous)))
    if previous and scheme == "http" and urlsplit(previous).scheme.lower() == "https":
        raise FetchError("redirect from https to plain http refused")


def status_line(status: int, reason: str = "") -> str:
    """`HTTP 404 Not Found`; the server's own reason phrase only for codes we do not know."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = clean_line(reason, 40)
    return f"HTTP {status} {phrase}".rstrip()


def retry_after(value: str, now: datetime | None = None) -> datetime:
    """When to ask again, from a Retry-After of seconds or an HTTP date; 1 h if absent, 7 d most."""
    now = now or utc_now()
    value = value.strip()
    delay = DEFAULT_RETRY_AFTER
    if value.isascii() and value.isdigit():
        delay = MAX_RETRY_AFTER if len(value) > 9 else timedelta(seconds=int(value))
    elif value:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            delay = when - now
    return now + min(max(delay, timedelta(0)), MAX_RETRY_AFTER)


__all__ = [
    "DEFAULT_LIMITS",
    "BodyDecoder",
    "FetchError",
    "FetchLimits",
    "FetchResult",
    "Fetcher",
    "MiB",
    "ProxyRouter",
    "describe_error",
    "format_size",
    "make_client",
    "retry_after",
    "skip_missing_sniffio",
    "status_line",
]
