"""Choosing, per request, between a direct connection and the environment's proxy."""

from __future__ import annotations

import ipaddress
import urllib.request

import httpx

from feedtui.core.addresses import is_loopback_host, literal_ip
from feedtui.core.direct_transport import DirectTransport


class ProxyRouter(httpx.AsyncBaseTransport):
    """Sends each request direct or through the environment's proxy for its scheme.

    Honours no_proxy, and always goes direct to loopback (localhost, 127.0.0.0/8, ::1): a proxy
    cannot reach our own machine's services the way we mean, and tests run against 127.0.0.1.
    Direct requests go through `DirectTransport`, which checks addresses at connect time; a proxy
    looks names up itself, so proxied requests are not resolved here.
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
        return cls(DirectTransport(pool), proxied, found.get("no", ""))

    def transport_for(self, url: httpx.URL) -> httpx.AsyncBaseTransport:
        """The transport a request to `url` goes through."""
        proxy = self._proxied.get(url.scheme)
        if proxy is None or is_loopback_host(url.host) or self._bypassed(url.host.lower()):
            return self._direct
        return proxy

    def _bypassed(self, host: str) -> bool:
        """no_proxy as curl reads it: `*`, names (a leading dot optional), IPs and networks."""
        address = literal_ip(host)
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
    """httpx's own transport through the proxy at `address`; it connects to the proxy, which
    looks the feed's host up itself."""
    if "://" not in address:
        address = f"http://{address}"
    try:
        return httpx.AsyncHTTPTransport(limits=pool, proxy=address)
    except (ImportError, ValueError, httpx.InvalidURL) as error:
        # Never echo the address: it may hold a password.
        return _UnusableProxy(f"the {scheme} proxy setting cannot be used ({type(error).__name__})")
