"""An httpcore network backend that refuses link-local addresses at connect time.

A host name is looked up once, here; if any of its addresses is link-local (169.254.0.0/16,
fe80::/10: cloud metadata) the name is refused, otherwise the checked addresses themselves are
connected to, in order, until one answers. Nothing can resolve differently between the check and
the connection (DNS rebinding), because nothing resolves the name again. TLS is unaffected:
httpcore passes the host name to `start_tls` as `server_hostname` (SNI and certificate checks).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

import anyio
import httpcore

from feedtui.core.addresses import IPAddress, literal_ip, unmapped


class LinkLocalRefused(httpcore.ConnectError):
    """A connection refused because its host is, or resolves to, a link-local address."""

    def __init__(self, host: str, address: IPAddress) -> None:
        super().__init__(f"{host} is a link-local address ({address})")
        self.host = host
        """The host that was asked for."""
        self.address = address
        """The link-local address it named or resolved to."""


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves once, refuses link-local, then connects via `inner` to checked addresses only."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await _addresses(host, timeout)
        for address in addresses:
            if address.is_link_local:
                raise LinkLocalRefused(host, address)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error  # try the next address, as a browser would
        assert failure is not None  # _addresses never returns an empty list
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_unix_socket(path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def _addresses(host: str, timeout: float | None) -> list[IPAddress]:
    """The literal `host` is, or the distinct addresses it resolves to, in the resolver's order.

    Failures are raised as httpcore's, as its own backend does (the cause, such as a
    `socket.gaierror`, is kept for whoever describes the error).
    """
    literal = literal_ip(host)
    if literal is not None:
        return [literal]
    try:
        with anyio.fail_after(timeout):
            infos = await anyio.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except TimeoutError as error:
        raise httpcore.ConnectTimeout(f"looking up {host} timed out") from error
    except (OSError, UnicodeError) as error:
        raise httpcore.ConnectError(str(error)) from error
    found: list[IPAddress] = []
    for *_, sockaddr in infos:
        try:
            address = unmapped(ipaddress.ip_address(sockaddr[0]))
        except ValueError:
            continue
        if address not in found:
            found.append(address)
    if not found:
        raise httpcore.ConnectError(f"no address found for {host}")
    return found
