"""What the reader pane is given to show: one post or one story, and the posts around it."""

from __future__ import annotations

from dataclasses import dataclass

from feedtui.core.models import Entry
from feedtui.core.stories import Story


@dataclass(frozen=True, slots=True)
class Related:
    """A post from another feed about the same story, as the reader lists it."""

    entry: Entry
    """The post."""
    feed_title: str
    """The cleaned name of its feed."""


@dataclass(frozen=True, slots=True)
class Article:
    """One post (or, with `story` set, one story's overview) ready for the reader pane."""

    entry: Entry
    """The post itself; for a story, its best post."""
    feed_title: str
    """The title of the feed it came from."""
    body_html: str
    """The post's body as the feed gave it (HTML or plain text); for a story, its summary."""
    others: tuple[Entry, ...] = ()
    """Other recent posts of the same feed, newest first, offered below the body."""
    related: tuple[Related, ...] = ()
    """The story's posts from other feeds (for a story: all its posts), oldest first."""
    story: Story | None = None
    """Set when the reader shows a story rather than one post."""
