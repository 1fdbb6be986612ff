"""The bounds on everything a feed server can make a fetch do, in one frozen value."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


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
