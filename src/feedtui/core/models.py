"""The data feedtui keeps: subscriptions, per-feed fetch state and entries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, Self

FeedStatus = Literal["new", "ok", "unchanged", "error", "gone"]


def utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def to_stamp(when: datetime | None) -> str | None:
    """Serialise a datetime as ISO 8601 in UTC."""
    return None if when is None else when.astimezone(UTC).isoformat()


def from_stamp(text: Any) -> datetime | None:
    """Read a datetime written by `to_stamp`; anything else becomes None."""
    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def feed_key(url: str) -> str:
    """A file-name-safe key for a feed, so no attacker-chosen text becomes a path."""
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class Subscription:
    """One feed the user subscribes to, as OPML describes it."""

    url: str
    """The feed's URL (what is fetched)."""
    title: str = ""
    """The title the user (or the OPML file) gave it."""
    folder: tuple[str, ...] = ()
    """The folder path, outermost first; empty for top level."""
    html_url: str = ""
    """The site's own page."""

    @property
    def key(self) -> str:
        """The feed's storage key."""
        return feed_key(self.url)

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "title": self.title,
            "folder": list(self.folder),
            "html_url": self.html_url,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        return cls(
            url=str(data["url"]),
            title=str(data.get("title") or ""),
            folder=tuple(str(part) for part in data.get("folder") or ()),
            html_url=str(data.get("html_url") or ""),
        )


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the last fetches of one feed left behind."""

    url: str
    """The subscription's URL this state belongs to."""
    status: FeedStatus = "new"
    """How the last refresh went."""
    error: str = ""
    """A short human-readable error when status is error or gone."""
    etag: str = ""
    """The ETag of the last 200 response, sent back as If-None-Match."""
    last_modified: str = ""
    """The Last-Modified of the last 200 response, sent back as If-Modified-Since."""
    last_checked: datetime | None = None
    """When the feed was last fetched (any outcome)."""
    last_updated: datetime | None = None
    """When the feed last returned new content."""
    retry_after: datetime | None = None
    """Do not fetch before this time (429/503 Retry-After)."""
    title: str = ""
    """The feed's own title, from its document."""
    site_url: str = ""
    """The feed's own site link, from its document."""
    warning: str = ""
    """A parser warning (feedparser's bozo) for a feed that still yielded entries."""
    encoding: str = ""
    """The character encoding that was used to read the document."""

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": self.status,
            "error": self.error,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "last_checked": to_stamp(self.last_checked),
            "last_updated": to_stamp(self.last_updated),
            "retry_after": to_stamp(self.retry_after),
            "title": self.title,
            "site_url": self.site_url,
            "warning": self.warning,
            "encoding": self.encoding,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        status = data.get("status")
        return cls(
            url=str(data["url"]),
            status=status if status in ("new", "ok", "unchanged", "error", "gone") else "new",
            error=str(data.get("error") or ""),
            etag=str(data.get("etag") or ""),
            last_modified=str(data.get("last_modified") or ""),
            last_checked=from_stamp(data.get("last_checked")),
            last_updated=from_stamp(data.get("last_updated")),
            retry_after=from_stamp(data.get("retry_after")),
            title=str(data.get("title") or ""),
            site_url=str(data.get("site_url") or ""),
            warning=str(data.get("warning") or ""),
            encoding=str(data.get("encoding") or ""),
        )

    def evolve(self, **changes: Any) -> FeedState:
        """A copy with some fields changed."""
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Entry:
    """One post of a feed, without its body (bodies are stored apart)."""

    id: str
    """Stable identity within the feed: guid, else link, else a hash of title and date."""
    feed_url: str
    """The URL of the subscription it came from."""
    title: str
    """The post's title, cleaned of control characters."""
    link: str = ""
    """The post's original page."""
    author: str = ""
    """Who wrote it."""
    published: datetime = field(default_factory=utc_now)
    """When it was published (UTC); the first time seen when the feed gave no date."""
    summary: str = ""
    """A short plain-text summary, for lists, filters and story grouping."""
    dated: bool = True
    """False when the feed gave no date and `published` is the time first seen."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "link": self.link,
            "author": self.author,
            "published": to_stamp(self.published),
            "summary": self.summary,
        }
        if not self.dated:
            data["dated"] = False
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], feed_url: str) -> Self:
        return cls(
            id=str(data["id"]),
            feed_url=feed_url,
            title=str(data.get("title") or ""),
            link=str(data.get("link") or ""),
            author=str(data.get("author") or ""),
            published=from_stamp(data.get("published")) or utc_now(),
            summary=str(data.get("summary") or ""),
            dated=bool(data.get("dated", True)),
        )
