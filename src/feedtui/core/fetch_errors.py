"""Why a fetch failed, as one short line a user can read: no tracebacks, no server bytes raw."""

from __future__ import annotations

import socket
import ssl
import zlib
from collections.abc import Iterator

import httpx

from feedtui.core.connect_guard import LinkLocalRefused
from feedtui.core.fetch_limits import DEFAULT_LIMITS, FetchLimits
from feedtui.core.sanitize import clean_line


class FetchError(Exception):
    """A fetch that cannot go on; the message is the one line shown to the user."""


def link_local_refused(host: str = "", *, redirected: bool = False) -> str:
    """`fetching a link-local address refused (host)`, or `redirect to …` for a later hop."""
    what = "redirect to" if redirected else "fetching"
    named = f" ({clean_line(host, 100)})" if host else ""
    return f"{what} a link-local address refused{named}"


def describe_error(
    error: BaseException,
    host: str,
    limits: FetchLimits = DEFAULT_LIMITS,
    *,
    redirected: bool = False,
) -> str:
    """One human line for an exception raised while fetching from `host`.

    `redirected` says `host` was reached by a redirect, which a refusal's wording mentions.
    """
    causes = list(_causes(error))
    for cause in causes:
        if isinstance(cause, LinkLocalRefused):
            return link_local_refused(host or cause.host, redirected=redirected)
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
