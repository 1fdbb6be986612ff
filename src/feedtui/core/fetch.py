"""Fetching feeds over HTTP with httpx, bounded in every way a hostile server could exploit.

httpx has no total timeout, decompresses stacked encodings into one unbounded chunk and follows
redirects anywhere; so redirects are followed here (each hop checked), bodies are decompressed
here (with a bound), and the whole fetch runs under one deadline.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import ssl
import urllib.request
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import httpx

from feedtui import __version__
from feedtui.core.models import utc_now
from feedtui.core.sanitize import clean_line

FetchKind = Literal["ok", "not_modified", "gone", "error", "retry_later"]
USER_AGENT = f"feedtui/{__version__} (terminal feed reader)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
DEFAULT_RETRY = timedelta(hours=1)
MAX_RETRY = timedelta(days=7)
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Every bound on one fetch and on a whole refresh."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 45.0
    """The whole fetch of one feed, redirects and body included."""
    max_body: int = 20 * MIB
    """After decompression."""
    max_redirects: int = 5
    max_connections: int = 16
    per_host: int = 2


DEFAULT_LIMITS = FetchLimits()


@dataclass(frozen=True, slots=True)
class FetchResult:
    """How one fetch ended; failures are values, never exceptions."""

    kind: FetchKind
    url: str
    final_url: str = ""
    permanent_url: str = ""
    """Set when every redirect hop was permanent (301/308): the subscription should move."""
    status_code: int | None = None
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""
    retry_after: datetime | None = None


class FetchFailure(Exception):
    """A failure with a message fit to show on the feed."""


def make_client(limits: FetchLimits = DEFAULT_LIMITS) -> httpx.AsyncClient:
    """The one client a refresh shares; proxies from the environment, never for loopback."""
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(
            limits.read_timeout, connect=limits.connect_timeout, pool=limits.total_timeout
        ),
        limits=httpx.Limits(
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_connections,
        ),
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"},
        trust_env=False,
        mounts=_proxy_mounts(),
    )


def _proxy_mounts() -> dict[str, httpx.AsyncBaseTransport | None]:
    proxies = urllib.request.getproxies()
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {}
    for scheme in ("http", "https"):
        proxy = proxies.get(scheme) or proxies.get("all")
        if proxy:
            mounts[f"{scheme}://"] = httpx.AsyncHTTPTransport(proxy=proxy)
    if not mounts:
        return {}
    for host in ("127.0.0.1", "localhost", "[::1]"):
        mounts[f"all://{host}"] = None
    for entry in (proxies.get("no") or "").split(","):
        entry = entry.strip().lstrip(".")
        if entry and entry != "*":
            mounts[f"all://*{entry}"] = None
            mounts[f"all://{entry}"] = None
    return mounts


class Fetcher:
    """Fetches feeds with one shared client, bounded in total and per host."""

    def __init__(self, client: httpx.AsyncClient, limits: FetchLimits = DEFAULT_LIMITS) -> None:
        self.client = client
        self.limits = limits
        self._all = asyncio.Semaphore(limits.max_connections)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    def _host_slot(self, url: str) -> asyncio.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        if host not in self._hosts:
            self._hosts[host] = asyncio.Semaphore(self.limits.per_host)
        return self._hosts[host]

    async def fetch(self, url: str, *, etag: str = "", last_modified: str = "") -> FetchResult:
        """Fetch `url` conditionally; every failure comes back as a result with a short error."""
        try:
            async with self._host_slot(url), self._all:
                async with asyncio.timeout(self.limits.total_timeout):
                    return await self._fetch(url, etag, last_modified)
        except TimeoutError:
            return _error(url, f"timed out after {self.limits.total_timeout:g} s")
        except FetchFailure as failure:
            return _error(url, str(failure))
        except httpx.HTTPError as error:
            return _error(url, _describe(error))
        except (httpx.InvalidURL, httpx.StreamError) as error:
            return _error(url, f"invalid request: {clean_line(str(error), 120)}")
        except ssl.SSLError as error:
            return _error(url, f"TLS error: {clean_line(str(error), 120)}")
        except (OSError, ValueError, UnicodeError, zlib.error) as error:
            return _error(url, f"{type(error).__name__}: {clean_line(str(error), 120)}")

    async def _fetch(self, url: str, etag: str, last_modified: str) -> FetchResult:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        permanent = True
        _check_target(url, previous=None)
        for _ in range(self.limits.max_redirects + 1):
            async with self.client.stream("GET", current, headers=headers) as response:
                status = response.status_code
                if status in (301, 302, 303, 307, 308):
                    location = response.headers.get("location")
                    if not location:
                        raise FetchFailure(f"HTTP {status} redirect without a Location")
                    target = urljoin(current, location.strip())
                    _check_target(target, previous=current)
                    permanent = permanent and status in (301, 308)
                    current = target
                    continue
                return await self._finish(url, current, permanent, response)
        raise FetchFailure(f"too many redirects (more than {self.limits.max_redirects})")

    async def _finish(
        self, url: str, final: str, permanent: bool, response: httpx.Response
    ) -> FetchResult:
        status = response.status_code
        headers = {k.lower(): v for k, v in response.headers.items()}
        moved = final if permanent and final != url else ""
        if status == 304:
            return FetchResult("not_modified", url, final, moved, status, headers=headers)
        if status == 410:
            return FetchResult("gone", url, final, moved, status, error="feed is gone (HTTP 410)")
        if status in (429, 503):
            retry = _retry_after(headers.get("retry-after", ""))
            return FetchResult(
                "retry_later",
                url,
                final,
                moved,
                status,
                error=f"{_status_text(status)}; retrying after {retry:%Y-%m-%d %H:%M} UTC",
                retry_after=retry,
            )
        if status >= 400 or status < 200:
            return FetchResult("error", url, final, moved, status, error=_status_text(status))
        content = await _read_body(response, headers, self.limits.max_body)
        return FetchResult("ok", url, final, moved, status, content=content, headers=headers)


def _check_target(url: str, previous: str | None) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchFailure(
            "redirect to a non-http(s) URL refused" if previous else "not an http(s) URL"
        )
    if previous and urlsplit(previous).scheme.lower() == "https" and parts.scheme.lower() == "http":
        raise FetchFailure("redirect from https to http refused")
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return
    if address.is_link_local:
        raise FetchFailure("link-local address refused")


async def _read_body(response: httpx.Response, headers: dict[str, str], cap: int) -> bytes:
    encodings = [e.strip().lower() for e in headers.get("content-encoding", "").split(",")]
    encodings = [e for e in encodings if e and e != "identity"]
    if len(encodings) > 1:
        raise FetchFailure("stacked content encodings refused")
    encoding = encodings[0] if encodings else ""
    if encoding not in ("", "gzip", "x-gzip", "deflate"):
        raise FetchFailure(f"unsupported content encoding {clean_line(encoding, 40)!r}")
    declared = headers.get("content-length", "")
    if not encoding and declared.isdigit() and int(declared) > cap:
        raise FetchFailure(_too_large(cap))
    decoder = _Decoder(encoding, cap)
    async for chunk in response.aiter_raw():
        decoder.feed(chunk)
    return decoder.finish()


class _Decoder:
    """Decompresses incrementally, never producing more than the cap."""

    def __init__(self, encoding: str, cap: int) -> None:
        self.cap = cap
        self.parts: list[bytes] = []
        self.size = 0
        self.zlib: Any = None
        self.encoding = encoding
        if encoding in ("gzip", "x-gzip"):
            self.zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.first = True

    def feed(self, chunk: bytes) -> None:
        if self.encoding == "deflate" and self.first:
            # "deflate" is zlib-wrapped by the spec, raw by some servers.
            wrapped = (
                len(chunk) >= 2 and chunk[0] & 0x0F == 8 and (chunk[0] << 8 | chunk[1]) % 31 == 0
            )
            raw = not wrapped
            self.zlib = zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
        self.first = False
        if self.zlib is None:
            self._add(chunk)
            return
        data = chunk
        while data:
            out = self.zlib.decompress(data, self.cap - self.size + 1)
            self._add(out)
            data = self.zlib.unconsumed_tail
            if self.zlib.eof:
                break

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.cap:
            raise FetchFailure(_too_large(self.cap))
        self.parts.append(data)

    def finish(self) -> bytes:
        if self.zlib is not None:
            self._add(self.zlib.flush(self.cap - self.size + 1))
        return b"".join(self.parts)


def _too_large(cap: int) -> str:
    return (
        f"response larger than {cap / MIB:g} MiB"
        if cap >= MIB
        else f"response larger than {cap} bytes"
    )


def _retry_after(value: str) -> datetime:
    now = utc_now()
    value = value.strip()
    delay: timedelta | None = None
    if value.isdigit():
        delay = timedelta(seconds=int(value[:9]))
    elif value:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
            delay = when - now
    if delay is None:
        delay = DEFAULT_RETRY
    return now + max(timedelta(0), min(delay, MAX_RETRY))


def _status_text(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    return f"HTTP {status} {phrase}".strip()


def _error(url: str, message: str) -> FetchResult:
    return FetchResult("error", url, error=clean_line(message, 300))


def _describe(error: httpx.HTTPError) -> str:
    text = clean_line(str(error), 160)
    lowered = text.lower()
    if isinstance(error, httpx.TimeoutException):
        return f"timed out ({type(error).__name__})"
    if isinstance(error, httpx.ConnectError):
        if (
            "name or service not known" in lowered
            or "nodename nor servname" in lowered
            or ("temporary failure in name resolution" in lowered)
        ):
            return "DNS lookup failed"
        if "refused" in lowered:
            return "connection refused"
        if "certificate" in lowered or "ssl" in lowered or "tls" in lowered:
            return f"TLS error: {text}"
        return f"cannot connect: {text}"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"protocol error: {text}"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
