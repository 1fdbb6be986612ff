"""Link-local refusal at connect time: a name is looked up once; what was checked is connected to.

Names here are answered by a scripted resolver (`socket.getaddrinfo`, under every async lookup),
and every TCP connection is recorded; one to anywhere but this machine is refused before it is
made, so no test reaches the internet or a cloud metadata service even when the code is wrong.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import anyio
import httpcore
import httpx
import pytest

from feedtui.core.connect_guard import GuardedBackend, LinkLocalRefused
from feedtui.core.direct_transport import DirectTransport
from feedtui.core.fetch import Fetcher, FetchLimits, FetchResult, make_client
from support.server import FeedServer

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
LIMITS = FetchLimits(connect_timeout=2, read_timeout=5, total_timeout=10)
MODIFIED = "Wed, 18 Nov 2026 10:00:00 GMT"


class Resolver:
    """Stands in for the system resolver: scripted answers, and a record of every question."""

    def __init__(self) -> None:
        self.real = socket.getaddrinfo
        self.asked: list[str] = []
        """Names looked up, in order (the real loopback names are not recorded)."""
        self.script: dict[str, list[list[str]]] = {}
        """Per name, the answer to each lookup in turn; the last one repeats."""

    def answer(self, name: str, *answers: list[str]) -> None:
        """Answer lookups of `name` with `answers[0]`, then `answers[1]`…"""
        self.script[name] = list(answers)

    def __call__(self, host: Any, port: Any = None, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in ("127.0.0.1", "localhost", "::1"):
            return self.real(host, port, *args, **kwargs)
        self.asked.append(name)
        answers = self.script.get(name)
        if not answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        addresses = answers.pop(0) if len(answers) > 1 else answers[0]
        return [_info(address, int(port or 0)) for address in addresses]


def _info(address: str, port: int) -> tuple[Any, ...]:
    if ":" in address:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))


@pytest.fixture(autouse=True)
def resolver(monkeypatch: pytest.MonkeyPatch) -> Resolver:
    """The scripted resolver, in place for the whole test."""
    fake = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every host a TCP connection was asked for; anything but a loopback address is refused."""
    real = anyio.connect_tcp
    asked: list[str] = []

    async def connect_tcp(remote_host: Any, remote_port: int, **kwargs: Any) -> Any:
        asked.append(str(remote_host))
        try:
            loopback = ipaddress.ip_address(str(remote_host)).is_loopback
        except ValueError:
            loopback = False  # a name: whoever resolves it now was not checked
        if not loopback:
            raise ConnectionRefusedError(f"test refuses to connect to {remote_host}")
        return await real(remote_host, remote_port, **kwargs)

    monkeypatch.setattr(anyio, "connect_tcp", connect_tcp)
    return asked


async def fetch(url: str, **validators: str) -> FetchResult:
    async with make_client(LIMITS) as client:
        return await Fetcher(client, LIMITS).fetch(url, **validators)


# -- DNS rebinding ------------------------------------------------------------------------------


async def test_a_name_is_connected_to_at_the_address_that_was_checked(
    feed_server: FeedServer, resolver: Resolver, connections: list[str]
) -> None:
    # A rebinding name: harmless for the first lookup, the metadata service for every later one.
    resolver.answer("rebind.test", ["127.0.0.1"], ["169.254.169.254"])
    feed_server.feed("/feed.xml", FEED)
    result = await fetch(f"http://rebind.test:{feed_server.port}/feed.xml")
    assert result.kind == "ok" and result.content == FEED
    assert resolver.asked == ["rebind.test"]  # looked up once, not again to connect
    assert connections == ["127.0.0.1"]  # the checked address, never the name


async def test_a_link_local_answer_at_connect_time_is_refused_after_a_public_one(
    feed_server: FeedServer, resolver: Resolver, connections: list[str]
) -> None:
    resolver.answer("rebind.test", ["127.0.0.1"], ["169.254.169.254"])
    assert socket.getaddrinfo("rebind.test", 80)[0][4][0] == "127.0.0.1"  # an earlier lookup
    direct = await fetch(f"http://rebind.test:{feed_server.port}/feed.xml")
    assert direct.error == "fetching a link-local address refused (rebind.test)"
    feed_server.redirect("/feed.xml", "http://rebind.test/latest/meta-data/")
    redirected = await fetch(feed_server.url("/feed.xml"))
    assert redirected.error == "redirect to a link-local address refused (rebind.test)"
    assert connections == ["127.0.0.1"]  # only the feed server, for the redirect
    assert [request.path for request in feed_server.requests] == ["/feed.xml"]


@pytest.mark.parametrize(
    "addresses",
    [
        ["127.0.0.1", "169.254.169.254"],
        ["::1", "fe80::1"],
        ["::ffff:169.254.169.254"],
    ],
)
async def test_one_link_local_address_refuses_the_whole_name(
    feed_server: FeedServer, resolver: Resolver, connections: list[str], addresses: list[str]
) -> None:
    resolver.answer("mixed.test", addresses)
    feed_server.feed("/feed.xml", FEED)
    result = await fetch(f"http://mixed.test:{feed_server.port}/feed.xml")
    assert result.kind == "error"
    assert result.error == "fetching a link-local address refused (mixed.test)"
    assert connections == [] and feed_server.requests == []


@pytest.mark.parametrize("host", ["169.254.169.254", "2852039166", "fe80::1", "::ffff:a9fe:a9fe"])
async def test_the_backend_refuses_link_local_literals_without_connecting(
    host: str, resolver: Resolver, connections: list[str]
) -> None:
    with pytest.raises(LinkLocalRefused):
        await GuardedBackend().connect_tcp(host, 80, timeout=1)
    assert connections == [] and resolver.asked == []


# -- names that are fine ------------------------------------------------------------------------


async def test_each_address_of_a_name_is_tried_in_turn(
    feed_server: FeedServer, resolver: Resolver, connections: list[str]
) -> None:
    # Nothing listens on 127.0.0.2 at the feed server's port: that attempt is refused.
    resolver.answer("several.test", ["127.0.0.2", "127.0.0.1"])
    feed_server.feed("/feed.xml", FEED)
    result = await fetch(f"http://several.test:{feed_server.port}/feed.xml")
    assert result.kind == "ok" and result.content == FEED
    assert connections == ["127.0.0.2", "127.0.0.1"]


async def test_when_no_address_answers_the_last_failure_is_reported(
    feed_server: FeedServer, resolver: Resolver, connections: list[str]
) -> None:
    resolver.answer("dead.test", ["127.0.0.2", "127.0.0.3"])
    result = await fetch(f"http://dead.test:{feed_server.port}/feed.xml")
    assert result.kind == "error" and result.error == "connection refused"
    assert connections == ["127.0.0.2", "127.0.0.3"]


@pytest.mark.parametrize("host", ["localhost", "reuse.test"])
async def test_a_name_is_looked_up_and_connected_once_for_many_fetches(
    feed_server: FeedServer, resolver: Resolver, connections: list[str], host: str
) -> None:
    resolver.answer("reuse.test", ["127.0.0.1"])
    for n in range(4):
        feed_server.feed(f"/{n}.xml", FEED, last_modified=MODIFIED)
    async with make_client(LIMITS) as client:
        fetcher = Fetcher(client, LIMITS)
        results = [
            await fetcher.fetch(f"http://{host}:{feed_server.port}/{n}.xml", last_modified=MODIFIED)
            for n in range(4)
        ]
    assert [r.kind for r in results] == ["not_modified"] * 4
    assert len({request.client_port for request in feed_server.requests}) == 1
    assert connections[-1] == "127.0.0.1" and "localhost" not in connections
    assert resolver.asked == ([] if host == "localhost" else ["reuse.test"])


async def test_tls_is_checked_against_the_name_not_the_address(
    feed_server: FeedServer, resolver: Resolver
) -> None:
    resolver.answer("tls.test", ["127.0.0.1"])
    names: list[str | None] = []

    class Stream(httpcore.AsyncNetworkStream):
        def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
            self.inner = inner

        async def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
            names.append(kwargs.get("server_hostname"))
            return await self.inner.start_tls(*args, **kwargs)

        async def aclose(self) -> None:
            await self.inner.aclose()

    class Backend(httpcore.AnyIOBackend):
        async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
            return Stream(await super().connect_tcp(*args, **kwargs))

    transport = DirectTransport(httpx.Limits(), backend=GuardedBackend(Backend()))
    async with httpx.AsyncClient(transport=transport) as client:
        # A plain HTTP server answering a TLS handshake: the handshake fails, after SNI was sent.
        result = await Fetcher(client, LIMITS).fetch(f"https://tls.test:{feed_server.port}/")
    assert result.error.startswith("TLS error: ")
    assert names == ["tls.test"]


# -- proxies ------------------------------------------------------------------------------------


async def test_a_proxied_request_is_not_looked_up_or_checked_here(
    feed_server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    resolver: Resolver,
    connections: list[str],
) -> None:
    # Were it looked up here, this name would be refused; the proxy is the one to resolve it.
    resolver.answer("elsewhere.test", ["169.254.169.254"])
    monkeypatch.setenv("HTTP_PROXY", feed_server.url(""))
    monkeypatch.delenv("NO_PROXY", raising=False)
    feed_server.feed("/feed.xml", FEED)
    result = await fetch("http://elsewhere.test/feed.xml")
    assert result.kind == "ok" and result.content == FEED
    assert [request.target for request in feed_server.requests] == [
        "http://elsewhere.test/feed.xml"
    ]
    assert resolver.asked == [] and connections == ["127.0.0.1"]
