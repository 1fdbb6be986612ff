"""What the reader pane is given to show: one post, its body and its feed's other posts."""

from __future__ import annotations

from dataclasses import dataclass

from feedtui.core.models import Entry


@dataclass(frozen=True, slots=True)
class Article:
    """One post ready for the reader pane."""

    entry: Entry
    """The post itself."""
    feed_title: str
    """The title of the feed it came from."""
    body_html: str
    """The post's body as the feed gave it (HTML or plain text); may be empty."""
    others: tuple[Entry, ...] = ()
    """Other recent posts of the same feed, newest first, offered below the body."""
