"""URL normalisation and the link policy: which URLs may ever be fetched or opened."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_url(url: str) -> str:
    """A canonical form used to tell whether two subscriptions are the same feed.

    Lower-cases scheme and host, drops default ports, the fragment and surrounding space;
    the path and query are kept as they are because servers may treat their case as meaningful.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if port is not None and _DEFAULT_PORTS.get(scheme) != port:
        host = f"{host}:{port}"
    if parts.username or parts.password:
        auth = parts.username or ""
        if parts.password:
            auth += f":{parts.password}"
        host = f"{auth}@{host}"
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, parts.query, ""))


def is_fetchable(url: str) -> bool:
    """Only http(s) URLs are ever fetched."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
