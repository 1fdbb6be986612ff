"""Fetching feeds over HTTP with httpx, treating every server as hostile.

Every fetch ends in a `FetchResult` value, never an exception (except cancellation). The whole
fetch has a deadline, because httpx only times single reads and a server that drips one byte a
second would hold it forever. Redirects are followed here, not by httpx, so every hop is checked;
bodies are decompressed here, not by httpx, so a gzip bomb never grows past the byte cap.
"""

from __future__ import annotations

import asyncio
import importlib.util
import ipaddress
import re
import socket
import ssl
import sys
import urllib.request
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Literal
from urllib.parse import urlsplit

import httpx

from feedtui import __version__
from feedtui.core.models import utc_now
from feedtui.core.sanitize import clean_line
from feedtui.core.urls import is_fetchable

MiB = 1024 * 1024

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
class FetchLimits:
    """How long, how big and how many: the bounds on everything a server can make us do."""

    connect_timeout: float = 10.0
    """Seconds to establish a connection (TCP and TLS)."""
    read_timeout: float = 20.0
    """Seconds to wait for any single read."""
    total_timeout: float = 45.0
    """Seconds for the whole fetch of one feed: connect, redirects and body."""
    max_body: int = 20 * MiB
    """Bytes of body, counted after decompression."""
    max_redirects: int = 5
    """Redirect hops followed before giving up."""
    max_connections: int = 16
    """Requests in flight at once, over all hosts."""
    per_host: int = 2
    """Requests in flight at once to one host."""


DEFAULT_LIMITS = FetchLimits()


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


class FetchError(Exception):
    """A fetch that cannot go on; the message is the one line shown to the user."""


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


class ProxyRouter(httpx.AsyncBaseTransport):
    """Sends each request direct or through the environment's proxy for its scheme.

    Honours no_proxy, and always goes direct to loopback (localhost, 127.0.0.0/8, ::1): a proxy
    cannot reach our own machine's services the way we mean, and tests run against 127.0.0.1.
    """

    def __init__(
        self,
        direct: httpx.AsyncBaseTransport,
        proxied: dict[str, httpx.AsyncBaseTransport],
        no_proxy: str = "",
    ) -> None:
        self._direct = direct
        self._proxied = proxied
        self._no_proxy = [entry.strip().lower() for entry in no_proxy.split(",") if entry.strip()]

    @classmethod
    def from_environment(cls, pool: httpx.Limits) -> ProxyRouter:
        """Proxies as `urllib.request.getproxies()` finds them (environment, OS settings)."""
        found = urllib.request.getproxies()
        proxied: dict[str, httpx.AsyncBaseTransport] = {}
        for scheme in ("http", "https"):
            address = found.get(scheme) or found.get("all")
            if address:
                proxied[scheme] = _proxy_transport(scheme, address, pool)
        return cls(httpx.AsyncHTTPTransport(limits=pool), proxied, found.get("no", ""))

    def transport_for(self, url: httpx.URL) -> httpx.AsyncBaseTransport:
        """The transport a request to `url` goes through."""
        proxy = self._proxied.get(url.scheme)
        if proxy is None or _is_loopback(url.host) or self._bypassed(url.host.lower()):
            return self._direct
        return proxy

    def _bypassed(self, host: str) -> bool:
        """no_proxy as curl reads it: `*`, names (a leading dot optional), IPs and networks."""
        address = _literal_ip(host)
        for entry in self._no_proxy:
            if entry == "*":
                return True
            if address is not None and "/" in entry:
                try:
                    if address in ipaddress.ip_network(entry, strict=False):
                        return True
                except ValueError:
                    pass
                continue
            name = entry.strip("[]").lstrip(".")
            if host == name or host.endswith(f".{name}"):
                return True
        return False

    def is_direct(self, url: httpx.URL) -> bool:
        """Does a request to `url` go straight to its host (no proxy)?"""
        return self.transport_for(url) is self._direct

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transport_for(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        for transport in {id(t): t for t in [self._direct, *self._proxied.values()]}.values():
            await transport.aclose()


class _UnusableProxy(httpx.AsyncBaseTransport):
    """Stands in for a proxy setting httpx cannot use, so each fetch says so instead of crashing."""

    def __init__(self, message: str) -> None:
        self._message = message

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ProxyError(self._message, request=request)


def _proxy_transport(scheme: str, address: str, pool: httpx.Limits) -> httpx.AsyncBaseTransport:
    if "://" not in address:
        address = f"http://{address}"
    try:
        return httpx.AsyncHTTPTransport(limits=pool, proxy=address)
    except (ImportError, ValueError, httpx.InvalidURL) as error:
        # Never echo the address: it may hold a password.
        return _UnusableProxy(f"the {scheme} proxy setting cannot be used ({type(error).__name__})")


def _is_loopback(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = _literal_ip(host)
    return address is not None and address.is_loopback


def _literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address when `host` is an IP literal, including forms like `2852039166` or `0xA9FEA9FE`
    that the system resolver would also take as one."""
    host = host.strip("[]")
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, ValueError):
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _plausible_host(host: str) -> bool:
    """Could `host` be looked up? Keeps junk (spaces, empty labels) away from the resolver;
    non-ASCII names are left to httpx's IDNA check."""
    if not host:
        return False
    if not host.isascii() or _literal_ip(host) is not None:
        return True
    return _HOST_NAME.fullmatch(host) is not None


def _is_link_local(host: str) -> bool:
    address = _literal_ip(host)
    return address is not None and address.is_link_local


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

    async def _check_resolved(self, url: str, previous: str) -> None:
        """Refuse a host *name* that resolves to a link-local address, as its literal would be.

        Through a proxy the proxy looks names up, so nothing is checked (or leaked) here; and a
        name that changes its answer between this lookup and the connection is not caught. A
        failed lookup is reported here, so a dead name is looked up once.
        """
        try:
            target = httpx.URL(url)
        except httpx.InvalidURL:
            return  # the request itself reports it
        host = target.host
        router = self.client._transport  # noqa: SLF001 - make_client put our router there
        if not host or _literal_ip(host) is not None:
            return
        if not isinstance(router, ProxyRouter) or not router.is_direct(target):
            return  # a proxy (or a test's transport) does its own lookups
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, None, type=socket.SOCK_STREAM
            )
        except socket.gaierror:
            raise FetchError(f"DNS lookup failed for {clean_line(host, 100)}") from None
        except (OSError, UnicodeError):
            return  # the connection attempt fails and says why, as it always did
        for *_, address in infos:
            try:
                link_local = ipaddress.ip_address(str(address[0]).split("%")[0]).is_link_local
            except ValueError:
                continue
            if link_local:
                what = "redirect to" if previous else "fetching"
                raise FetchError(f"{what} a link-local address refused ({clean_line(host, 100)})")

    async def _follow(self, url: str, headers: dict[str, str]) -> FetchResult:
        current, previous, permanent = url, "", True
        for _ in range(self.limits.max_redirects + 1):
            _check_hop(current, previous)
            await self._check_resolved(current, previous)
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
                raise FetchError(describe_error(error, hop_host, self.limits)) from error
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
            content = await _read_body(response, self.limits.max_body)
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
    if _is_link_local(parts.hostname or ""):
        what = "redirect to" if previous else "fetching"
        raise FetchError(f"{what} a link-local address refused")
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


async def _read_body(response: httpx.Response, cap: int) -> bytes:
    """The body, decompressed here so that no more than `cap` bytes are ever produced."""
    decoder = BodyDecoder(response.headers.get("content-encoding", ""), cap)
    declared = response.headers.get("content-length", "")
    if decoder.identity and declared.isascii() and declared.isdigit() and int(declared) > cap:
        raise FetchError(f"response larger than {format_size(cap)}")
    parts = []
    async for chunk in response.aiter_raw():
        parts.append(decoder.feed(chunk))
    parts.append(decoder.flush())
    return b"".join(parts)


class BodyDecoder:
    """Undoes one Content-Encoding (identity, gzip, deflate) with a hard cap on output bytes."""

    def __init__(self, content_encoding: str, cap: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > 1:
            raise FetchError(
                f"stacked content encodings refused ({clean_line(content_encoding, 40)})"
            )
        coding = codings[0] if codings else ""
        if coding not in ("", "gzip", "x-gzip", "deflate"):
            raise FetchError(f"unsupported content encoding: {clean_line(coding, 40)}")
        self.identity = not coding
        self._cap = cap
        self._size = 0
        self._pending = b""  # deflate: first bytes, until we can tell zlib from raw deflate
        self._inflater = (
            None if coding in ("", "deflate") else zlib.decompressobj(16 + zlib.MAX_WBITS)
        )

    def feed(self, chunk: bytes) -> bytes:
        """Decode one raw chunk."""
        if self.identity:
            return self._count(chunk)
        if self._inflater is None:
            self._pending += chunk
            if len(self._pending) < 2:
                return b""
            chunk, self._pending = self._pending, b""
            self._inflater = zlib.decompressobj(_deflate_wbits(chunk))
        # One byte more than allowed is enough to know the body is too big; never inflate more.
        return self._count(self._inflater.decompress(chunk, self._cap - self._size + 1))

    def flush(self) -> bytes:
        """Whatever the decoder still holds at the end of the body."""
        if self.identity:
            return b""
        if self._inflater is None:
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._count(self._inflater.decompress(self._pending, self._cap + 1))
        return self._count(self._inflater.flush(self._cap - self._size + 1))

    def _count(self, data: bytes) -> bytes:
        self._size += len(data)
        if self._size > self._cap:
            raise FetchError(f"response larger than {format_size(self._cap)}")
        return data


def _deflate_wbits(start: bytes) -> int:
    """ "deflate" is meant to be zlib-wrapped, but some servers send raw deflate: tell which."""
    cmf, flg = start[0], start[1]
    zlib_header = cmf & 0x0F == 8 and (cmf * 256 + flg) % 31 == 0
    return zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS


def format_size(size: int) -> str:
    """`20 MiB`, `64 KiB`, `1000 bytes`."""
    for unit, scale in (("MiB", MiB), ("KiB", 1024)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"


def describe_error(error: BaseException, host: str, limits: FetchLimits = DEFAULT_LIMITS) -> str:
    """One human line for an exception raised while fetching from `host`."""
    causes = list(_causes(error))
    for cause in causes:
        if isinstance(cause, ssl.SSLError):
            detail = getattr(cause, "verify_message", None) or getattr(cause, "reason", None)
            return f"TLS error: {clean_line(str(detail or cause.strerror or cause), 120)}"
        if isinstance(cause, socket.gaierror):
            return f"DNS lookup failed for {clean_line(host, 100)}"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
    if isinstance(error, httpx.ConnectTimeout):
        return f"timed out connecting after {limits.connect_timeout:g} s"
    if isinstance(error, httpx.ReadTimeout):
        return f"no data for {limits.read_timeout:g} s"
    if isinstance(error, httpx.TimeoutException | TimeoutError):
        return "timed out"
    if isinstance(error, httpx.ProxyError):
        return f"proxy error: {_detail(error)}"
    if isinstance(error, httpx.ConnectError):
        return f"could not connect: {_detail(error)}"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"the server broke the HTTP protocol: {_detail(error)}"
    if isinstance(error, httpx.InvalidURL | UnicodeError | httpx.UnsupportedProtocol):
        return f"invalid URL: {_detail(error)}"
    if isinstance(error, zlib.error):
        return "the compressed response is corrupt"
    if isinstance(error, httpx.StreamError):
        return "the response stream ended unexpectedly"
    if isinstance(error, OSError):
        return f"network error: {clean_line(error.strerror or _detail(error), 120)}"
    return f"fetch failed: {_detail(error)}"


def _detail(error: BaseException) -> str:
    """The exception's own text, which may quote server bytes: cleaned and short."""
    return clean_line(str(error), 120) or type(error).__name__


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The exception, what caused it, and the members of exception groups, breadth first."""
    queue: list[BaseException] = [error]
    seen: set[int] = set()
    while queue and len(seen) < 50:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            queue.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                queue.append(linked)


__all__ = [
    "DEFAULT_LIMITS",
    "FetchError",
    "FetchLimits",
    "FetchResult",
    "Fetcher",
    "ProxyRouter",
    "make_client",
]
