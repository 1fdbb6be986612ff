"""What the main screen's workers report back to it (each posted from a worker, handled once)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from feedtui.core.models import Entry, Subscription
from feedtui.core.refresh import FeedOutcome, RefreshSummary
from feedtui.core.store import FeedSummary
from feedtui.ui.article import Article, Related
from feedtui.ui.widgets.entry_list import EntryRow
from feedtui.ui.widgets.feed_list import View


@dataclass
class CacheLoaded(Message):
    """The subscriptions and their summaries were read from the store."""

    subscriptions: tuple[Subscription, ...]
    """Every subscription, in OPML order."""
    summaries: dict[str, FeedSummary]
    """Status and counts of each feed, by URL."""
    ticket: int = 0
    """When the read began, among the screen's reads (see `MainScreenBase._newer`)."""
    version: tuple[int, ...] = ()
    """The data directory's `Store.version` when the read began."""


@dataclass
class EntriesLoaded(Message):
    """The rows of a view were read from the store."""

    view: View
    """The view they belong to."""
    rows: tuple[EntryRow, ...]
    """Its posts, newest first."""


@dataclass
class SummariesLoaded(Message):
    """Feeds' counts changed (marks, a refresh): one message for many, so the feeds pane is
    relabelled once, not once per feed."""

    summaries: dict[str, FeedSummary]
    """Each changed feed's new status and counts, by URL."""
    ticket: int = 0
    """When the read began, among the screen's reads (see `MainScreenBase._newer`)."""


@dataclass
class ArticleLoaded(Message):
    """A post's body and its feed's other posts (or a story's overview) are ready for the reader."""

    key: tuple[str, str]
    """The key of the row that was opened."""
    article: Article
    """What the reader shows."""


@dataclass
class RelatedLoaded(Message):
    """The posts of other feeds that cover the same story as a post being read."""

    entry: Entry
    """The post being read."""
    related: tuple[Related, ...]
    """Its story's posts from other feeds, oldest first; empty when it has none."""


@dataclass
class FeedRefreshed(Message):
    """One feed of a refresh finished (updated, unchanged, failed or skipped)."""

    outcome: FeedOutcome
    """How it went."""


@dataclass
class RefreshProgress(Message):
    """How far a refresh has got; a newer one replaces an older one still in the queue."""

    done: int
    """Feeds finished."""
    total: int
    """Feeds in the refresh."""
    text: str = ""
    """The latest feed's outcome, e.g. "Example Blog: 3 new"."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RefreshProgress)


@dataclass
class RefreshFinished(Message):
    """A refresh ended."""

    summary: RefreshSummary
    """Every feed's outcome."""
