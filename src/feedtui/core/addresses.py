"""What a host string means as an address: an IP literal, loopback, link-local.

Shared by the URL checks, the proxy routing and the connect-time guard, so that all three read
`2852039166` or `[::ffff:169.254.169.254]` the way the system resolver would.
"""

from __future__ import annotations

import ipaddress
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def literal_ip(host: str) -> IPAddress | None:
    """The address when `host` is an IP literal, including forms like `2852039166` or `0xA9FEA9FE`
    that the system resolver would also take as one; IPv4-mapped IPv6 comes back as IPv4."""
    host = host.strip("[]")
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, ValueError):
            return None
    return unmapped(address)


def unmapped(address: IPAddress) -> IPAddress:
    """`::ffff:a.b.c.d` as the IPv4 address it reaches; any other address as it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_loopback_host(host: str) -> bool:
    """`localhost`, `*.localhost`, 127.0.0.0/8 or ::1: our own machine."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = literal_ip(host)
    return address is not None and address.is_loopback


def is_link_local_host(host: str) -> bool:
    """Is `host` a link-local IP literal (169.254.0.0/16, fe80::/10: cloud metadata)?"""
    address = literal_ip(host)
    return address is not None and address.is_link_local
