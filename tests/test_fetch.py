"""The fetcher against a real HTTP server on 127.0.0.1: every bound a hostile server could test."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from feedtui.core.fetch import (
    Fetcher,
    FetchLimits,
    FetchResult,
    ProxyRouter,
    make_client,
    retry_after,
    status_line,
)
from feedtui.core.models import utc_now
from support.server import FeedServer, RecordedRequest, Reply

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
LIMITS = FetchLimits(connect_timeout=2, read_timeout=5, total_timeout=10)
ETAG = '"abc123"'
MODIFIED = "Wed, 18 Nov 2026 10:00:00 GMT"


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


@pytest.fixture(autouse=True)
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """No test here reaches a real resolver: every other name fails, and is recorded."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in LOOPBACK_NAMES:
            return real(host, *args, **kwargs)
        asked.append(name)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


async def fetch(url: str, limits: FetchLimits = LIMITS, **validators: str) -> FetchResult:
    async with make_client(limits) as client:
        return await Fetcher(client, limits).fetch(url, **validators)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- success, validators ------------------------------------------------------------------------


async def test_ok_returns_the_body_and_lower_cased_headers(feed_server: FeedServer) -> None:
    feed_server.feed("/feed.xml", FEED, etag=ETAG, last_modified=MODIFIED)
    result = await fetch(feed_server.url("/feed.xml"))
    assert result.kind == "ok" and result.status_code == 200
    assert result.content == FEED
    assert result.headers["content-type"] == "application/rss+xml"
    assert result.headers["etag"] == ETAG and result.headers["last-modified"] == MODIFIED
    assert result.final_url == feed_server.url("/feed.xml") and result.permanent_url == ""
    assert result.error == ""


async def test_conditional_get_sends_validators_and_gets_not_modified(
    feed_server: FeedServer,
) -> None:
    feed_server.feed("/feed.xml", FEED, etag=ETAG, last_modified=MODIFIED)
    first = await fetch(feed_server.url("/feed.xml"))
    second = await fetch(
        feed_server.url("/feed.xml"),
        etag=first.headers["etag"],
        last_modified=first.headers["last-modified"],
    )
    assert second.kind == "not_modified" and second.status_code == 304
    assert second.content == b""
    plain, conditional = feed_server.requests
    assert "If-None-Match" not in plain.headers
    assert conditional.headers["If-None-Match"] == ETAG
    assert conditional.headers["If-Modified-Since"] == MODIFIED


async def test_answers_304_keep_the_connection_for_the_next_feed(feed_server: FeedServer) -> None:
    for n in range(4):
        feed_server.feed(f"/{n}.xml", FEED, last_modified=MODIFIED)
    async with make_client(LIMITS) as client:
        fetcher = Fetcher(client, LIMITS)
        results = [
            await fetcher.fetch(feed_server.url(f"/{n}.xml"), last_modified=MODIFIED)
            for n in range(4)
        ]
    assert [r.kind for r in results] == ["not_modified"] * 4
    assert len({request.client_port for request in feed_server.requests}) == 1


async def test_validators_that_could_break_the_request_are_not_sent(
    feed_server: FeedServer,
) -> None:
    feed_server.feed("/feed.xml", FEED)
    result = await fetch(feed_server.url("/feed.xml"), etag='"a"\r\nX-Evil: 1', last_modified="é")
    assert result.kind == "ok"
    [request] = feed_server.requests
    assert "If-None-Match" not in request.headers and "X-Evil" not in request.headers
    assert "If-Modified-Since" not in request.headers


async def test_sends_our_user_agent_and_only_encodings_we_decode(feed_server: FeedServer) -> None:
    feed_server.feed("/feed.xml", FEED)
    await fetch(feed_server.url("/feed.xml"))
    [request] = feed_server.requests
    assert "feedtui/" in request.headers["User-Agent"]
    assert request.headers["Accept-Encoding"] == "gzip, deflate"
    assert "application/rss+xml" in request.headers["Accept"]


# -- redirects ----------------------------------------------------------------------------------


async def test_chain_of_permanent_redirects_sets_permanent_url(feed_server: FeedServer) -> None:
    feed_server.redirect("/a", "/b", status=301)
    feed_server.redirect("/b", feed_server.url("/feed.xml"), status=308)
    feed_server.feed("/feed.xml", FEED)
    result = await fetch(feed_server.url("/a"))
    assert result.kind == "ok" and result.content == FEED
    assert result.url == feed_server.url("/a")
    assert result.final_url == feed_server.url("/feed.xml")
    assert result.permanent_url == feed_server.url("/feed.xml")
    assert [r.path for r in feed_server.requests] == ["/a", "/b", "/feed.xml"]


async def test_a_temporary_hop_leaves_permanent_url_empty(feed_server: FeedServer) -> None:
    feed_server.redirect("/a", "/b", status=302)
    feed_server.redirect("/b", "/feed.xml", status=301)
    feed_server.feed("/feed.xml", FEED)
    result = await fetch(feed_server.url("/a"))
    assert result.kind == "ok" and result.final_url == feed_server.url("/feed.xml")
    assert result.permanent_url == ""


async def test_redirect_loop_is_too_many_redirects(feed_server: FeedServer) -> None:
    feed_server.redirect("/a", "/b", status=302)
    feed_server.redirect("/b", "/a", status=302)
    result = await fetch(feed_server.url("/a"), FetchLimits(max_redirects=3, total_timeout=10))
    assert result.kind == "error" and result.error == "too many redirects"
    assert len(feed_server.requests) == 4  # the first request and 3 redirects followed


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ("file:///etc/passwd", "redirect to a non-http(s) URL refused"),
        ("ftp://127.0.0.1/feed", "redirect to a non-http(s) URL refused"),
        ("http://169.254.169.254/latest/meta-data/", "redirect to a link-local address refused"),
        ("http://[fe80::1]/feed", "redirect to a link-local address refused"),
        ("http://[::ffff:169.254.169.254]/", "redirect to a link-local address refused"),
        ("http://2852039166/", "redirect to a link-local address refused"),
    ],
)
async def test_redirect_to_a_forbidden_target_is_refused(
    feed_server: FeedServer, target: str, error: str
) -> None:
    feed_server.redirect("/feed.xml", target, status=301)
    result = await fetch(feed_server.url("/feed.xml"))
    assert result.kind == "error" and result.error == error
    assert [r.path for r in feed_server.requests] == ["/feed.xml"]


async def test_https_to_http_downgrade_is_refused() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(301, headers={"Location": "http://feeds.example.org/feed"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        result = await Fetcher(client, LIMITS).fetch("https://feeds.example.org/feed")
    assert result.kind == "error" and "https to plain http refused" in result.error
    assert seen == ["https://feeds.example.org/feed"]


# -- statuses -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"), [(404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error")]
)
async def test_http_errors_are_short_lines(
    feed_server: FeedServer, status: int, error: str
) -> None:
    feed_server.route("/feed.xml", lambda request: Reply(status, body=b"<html>oops</html>"))
    result = await fetch(feed_server.url("/feed.xml"))
    assert result.kind == "error" and result.status_code == status
    assert result.error == error and result.content == b""


async def test_unknown_path_is_404(feed_server: FeedServer) -> None:
    result = await fetch(feed_server.url("/nothing-here"))
    assert result.error == "HTTP 404 Not Found"


def test_status_line_keeps_server_text_short_and_clean() -> None:
    assert status_line(404, "\x1b]52;c;ZXZpbA==\x07 Whatever") == "HTTP 404 Not Found"
    line = status_line(599, "\x1b[31mEvil\x1b[0m " + "x" * 500)
    assert "\x1b" not in line and line.startswith("HTTP 599 Evil") and len(line) < 60


async def test_410_means_the_feed_is_gone(feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml", lambda request: Reply(410))
    result = await fetch(feed_server.url("/feed.xml"))
    assert result.kind == "gone" and result.error == "feed is gone (HTTP 410)"


async def test_429_with_retry_after_seconds(feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml", lambda request: Reply(429, {"Retry-After": "120"}))
    before = utc_now()
    result = await fetch(feed_server.url("/feed.xml"))
    after = utc_now()
    assert result.kind == "retry_later" and result.error == "HTTP 429 Too Many Requests"
    assert result.retry_after is not None
    assert before + timedelta(seconds=120) <= result.retry_after <= after + timedelta(seconds=120)


async def test_503_with_retry_after_http_date(feed_server: FeedServer) -> None:
    when = (utc_now() + timedelta(hours=3)).replace(microsecond=0)
    date = format_datetime(when, usegmt=True)
    feed_server.route("/feed.xml", lambda request: Reply(503, {"Retry-After": date}))
    result = await fetch(feed_server.url("/feed.xml"))
    assert result.kind == "retry_later" and result.retry_after == when


@pytest.mark.parametrize(
    ("value", "delay"),
    [
        ("120", timedelta(seconds=120)),
        ("", timedelta(hours=1)),
        ("soon, honestly", timedelta(hours=1)),
        ("99999999999999999999999", timedelta(days=7)),
        ("Fri, 31 Dec 2100 23:59:59 GMT", timedelta(days=7)),
        ("Thu, 01 Jan 1970 00:00:00 GMT", timedelta(0)),
        ("Sat, 21 Nov 2026 12:30:00 GMT", timedelta(minutes=30)),
    ],
)
def test_retry_after_values(value: str, delay: timedelta) -> None:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert retry_after(value, now) == now + delay


# -- bounds on time and size --------------------------------------------------------------------


def drip(size: int, every: float = 0.2) -> Reply:
    return Reply(body=(b"x" for _ in range(size)), delay_per_chunk=every)


async def test_slow_drip_is_cut_by_the_total_deadline(feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml", lambda request: drip(1000))
    result = await fetch(feed_server.url("/feed.xml"), FetchLimits(total_timeout=1))
    assert result.kind == "error" and result.error == "timed out after 1 s"


async def test_cancelling_a_fetch_propagates(feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml", lambda request: drip(1000))
    async with make_client(LIMITS) as client:
        task = asyncio.create_task(Fetcher(client, LIMITS).fetch(feed_server.url("/feed.xml")))
        for _ in range(500):
            if feed_server.requests:
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_oversize_body_with_content_length_is_refused(feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml", lambda request: Reply(body=b"x" * 100_000))
    result = await fetch(feed_server.url("/feed.xml"), FetchLimits(max_body=64 * 1024))
    assert result.kind == "error" and result.error == "response larger than 64 KiB"


async def test_oversize_streamed_body_is_refused(feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml", lambda request: Reply(body=[b"x" * 1000] * 100))
    result = await fetch(feed_server.url("/feed.xml"), FetchLimits(max_body=64 * 1024))
    assert result.kind == "error" and result.error == "response larger than 64 KiB"


async def test_body_of_exactly_the_cap_is_fine(feed_server: FeedServer) -> None:
    feed_server.route("/feed.xml", lambda request: Reply(body=[b"x" * 1024] * 64))
    result = await fetch(feed_server.url("/feed.xml"), FetchLimits(max_body=64 * 1024))
    assert result.kind == "ok" and len(result.content) == 64 * 1024


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", raw_deflate),
        ("identity", lambda data: data),
    ],
)
async def test_compressed_bodies_are_decoded(
    feed_server: FeedServer, encoding: str, encode: Any
) -> None:
    body = encode(FEED * 50)
    chunks = [body[i : i + 7] for i in range(0, len(body), 7)]  # odd chunks test the decoder
    feed_server.route(
        "/feed.xml", lambda request: Reply(headers={"Content-Encoding": encoding}, body=chunks)
    )
    result = await fetch(feed_server.url("/feed.xml"))
    assert result.kind == "ok" and result.content == FEED * 50


async def test_gzip_bomb_is_refused_without_inflating_past_the_cap(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = 64 * 1024
    bomb = gzip.compress(b"\0" * (1024 * 1024))
    feed_server.route(
        "/feed.xml", lambda request: Reply(headers={"Content-Encoding": "gzip"}, body=bomb)
    )
    produced: list[int] = []
    real = zlib.decompressobj

    class Spy:
        def __init__(self, wbits: int) -> None:
            self.inner = real(wbits)

        def decompress(self, data: bytes, max_length: int = 0) -> bytes:
            out = self.inner.decompress(data, max_length)
            produced.append(len(out))
            return out

        def flush(self, length: int = zlib.DEF_BUF_SIZE) -> bytes:
            out = self.inner.flush(length)
            produced.append(len(out))
            return out

    monkeypatch.setattr(zlib, "decompressobj", Spy)
    result = await fetch(feed_server.url("/feed.xml"), FetchLimits(max_body=cap))
    assert result.kind == "error" and result.error == "response larger than 64 KiB"
    assert produced and sum(produced) <= cap + 1


@pytest.mark.parametrize(
    ("encoding", "error"),
    [
        ("gzip, gzip", "stacked content encodings refused (gzip, gzip)"),
        ("br", "unsupported content encoding: br"),
    ],
)
async def test_unusable_content_encodings_are_refused(
    feed_server: FeedServer, encoding: str, error: str
) -> None:
    body = gzip.compress(gzip.compress(FEED))
    feed_server.route(
        "/feed.xml", lambda request: Reply(headers={"Content-Encoding": encoding}, body=body)
    )
    result = await fetch(feed_server.url("/feed.xml"))
    assert result.kind == "error" and result.error == error


async def test_corrupt_gzip_is_an_error_value(feed_server: FeedServer) -> None:
    feed_server.route(
        "/feed.xml",
        lambda request: Reply(headers={"Content-Encoding": "gzip"}, body=b"\x1f\x8b" + b"junk" * 9),
    )
    result = await fetch(feed_server.url("/feed.xml"))
    assert result.kind == "error" and result.error == "the compressed response is corrupt"


# -- concurrency --------------------------------------------------------------------------------


class InFlight:
    """A route that counts requests in flight and holds each until `expected` are in."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.now = 0
        self.most = 0
        self.condition = threading.Condition()

    def __call__(self, request: RecordedRequest) -> Reply:
        with self.condition:
            self.now += 1
            self.most = max(self.most, self.now)
            self.condition.notify_all()
            self.condition.wait_for(lambda: self.now >= self.expected, timeout=3)
        time.sleep(0.1)  # room for an extra request to arrive if the bound leaked
        with self.condition:
            self.now -= 1
        return Reply(body=FEED)


async def test_requests_per_host_are_bounded(feed_server: FeedServer) -> None:
    counter = InFlight(expected=2)
    feed_server.route("/feed.xml", counter)
    limits = FetchLimits(per_host=2, max_connections=16, total_timeout=20)
    async with make_client(limits) as client:
        fetcher = Fetcher(client, limits)
        results = await asyncio.gather(
            *(fetcher.fetch(feed_server.url("/feed.xml")) for _ in range(6))
        )
    assert [r.kind for r in results] == ["ok"] * 6
    assert counter.most == 2


async def test_requests_in_total_are_bounded(feed_server: FeedServer) -> None:
    counter = InFlight(expected=3)
    feed_server.route("/feed.xml", counter)
    limits = FetchLimits(per_host=5, max_connections=3, total_timeout=20)
    urls = [feed_server.url("/feed.xml"), f"http://localhost:{feed_server.port}/feed.xml"] * 3
    async with make_client(limits) as client:
        fetcher = Fetcher(client, limits)
        results = await asyncio.gather(*(fetcher.fetch(url) for url in urls))
    assert [r.kind for r in results] == ["ok"] * 6
    assert counter.most == 3


# -- network failures ---------------------------------------------------------------------------


async def test_connection_refused() -> None:
    result = await fetch(f"http://127.0.0.1:{closed_port()}/feed.xml")
    assert result.kind == "error" and result.error == "connection refused"


async def test_dns_failure_names_the_host(lookups: list[str]) -> None:
    result = await fetch("http://feeds.example.invalid/feed.xml")
    assert result.kind == "error" and result.error == "DNS lookup failed for feeds.example.invalid"
    assert lookups == ["feeds.example.invalid"]


async def test_dns_failure_after_a_redirect_names_that_hop(
    feed_server: FeedServer, lookups: list[str]
) -> None:
    feed_server.redirect("/feed.xml", "http://moved.example.invalid/feed.xml", status=301)
    result = await fetch(feed_server.url("/feed.xml"))
    assert result.error == "DNS lookup failed for moved.example.invalid"
    assert lookups == ["moved.example.invalid"]


async def test_tls_failure_is_described(feed_server: FeedServer) -> None:
    # A plain HTTP server answering a TLS handshake is a real TLS error, with no internet.
    url = feed_server.url("/feed.xml").replace("http://", "https://")
    result = await fetch(url)
    assert result.kind == "error" and result.error.startswith("TLS error: ")


async def test_server_hanging_up_is_an_error_value(feed_server: FeedServer) -> None:
    feed_server.route(
        "/feed.xml", lambda request: Reply(headers={"Content-Length": "5000"}, body=[b"short"])
    )
    result = await fetch(feed_server.url("/feed.xml"))
    assert result.kind == "error" and result.error.startswith("the server broke the HTTP protocol")


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "ftp://example.org/feed",
        "file:///etc/passwd",
        "http://[::1/feed",
        "http://exa mple.org/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://example.org:99999/feed",
        "http://a..b/feed",
        "http://xn--/feed",
    ],
)
async def test_bad_urls_are_error_values_without_a_lookup(url: str, lookups: list[str]) -> None:
    result = await fetch(url)
    assert result.kind == "error" and result.error and "\n" not in result.error
    assert lookups == []


# -- proxies ------------------------------------------------------------------------------------

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


async def test_dead_proxy_is_not_used_for_loopback(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    feed_server.feed("/feed.xml", FEED)
    result = await fetch(feed_server.url("/feed.xml"))
    assert result.kind == "ok" and result.content == FEED
    localhost = await fetch(f"http://localhost:{feed_server.port}/feed.xml")
    assert localhost.kind == "ok"


async def test_proxy_from_the_environment_carries_other_hosts(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch, lookups: list[str]
) -> None:
    monkeypatch.setenv("HTTP_PROXY", feed_server.url(""))
    monkeypatch.delenv("NO_PROXY", raising=False)
    feed_server.feed("/feed.xml", FEED)
    result = await fetch("http://feeds.example.invalid/feed.xml")
    assert result.kind == "ok" and result.content == FEED
    [request] = feed_server.requests
    assert request.target == "http://feeds.example.invalid/feed.xml"
    assert lookups == []  # the proxy looks the name up, not us


def test_no_proxy_and_loopback_go_direct(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "internal.example, .corp.example,10.0.0.0/8")
    router = ProxyRouter.from_environment(httpx.Limits())
    direct = router.transport_for(httpx.URL("https://127.0.0.5/feed"))
    assert router.transport_for(httpx.URL("https://[::1]/feed")) is direct
    assert router.transport_for(httpx.URL("https://localhost/feed")) is direct
    assert router.transport_for(httpx.URL("https://internal.example/feed")) is direct
    assert router.transport_for(httpx.URL("https://news.corp.example/feed")) is direct
    assert router.transport_for(httpx.URL("https://10.1.2.3/feed")) is direct
    assert router.transport_for(httpx.URL("https://11.1.2.3/feed")) is not direct
    assert router.transport_for(httpx.URL("https://notinternal.example/feed")) is not direct
    assert router.transport_for(httpx.URL("https://example.org/feed")) is not direct
    assert router.transport_for(httpx.URL("http://example.org/feed")) is direct  # no http proxy


async def test_unusable_proxy_setting_is_an_error_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "gopher://user:secret@proxy.example:70")
    result = await fetch("http://feeds.example.invalid/feed.xml")
    assert result.kind == "error" and result.error.startswith("proxy error: ")
    assert "secret" not in result.error


# -- the test server itself ---------------------------------------------------------------------


def test_server_stops_promptly_with_a_client_on_a_slow_route() -> None:
    server = FeedServer().start()
    server.route("/slow", lambda request: drip(10_000, every=0.1))
    client = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    try:
        client.sendall(b"GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert client.recv(1024).startswith(b"HTTP/1.1 200")
        stopper = threading.Thread(target=server.stop)
        stopper.start()
        stopper.join(timeout=5)
        assert not stopper.is_alive()
    finally:
        client.close()


# -- httpcore's per-lock `import sniffio` ------------------------------------------------------


@pytest.mark.parametrize("installed", [False, True])
def test_a_missing_sniffio_is_marked_missing_and_an_installed_one_left_alone(
    monkeypatch: pytest.MonkeyPatch, installed: bool
) -> None:
    import importlib.util
    import sys

    from feedtui.core.fetch import skip_missing_sniffio

    monkeypatch.delitem(sys.modules, "sniffio", raising=False)
    spec = object() if installed else None
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: spec)
    skip_missing_sniffio()
    assert ("sniffio" in sys.modules) is not installed
    if not installed:
        with pytest.raises(ImportError):
            import sniffio  # noqa: F401
