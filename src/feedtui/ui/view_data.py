"""What the main screen's loading workers read from the store: plain functions, no widgets.

They run in thread workers, so they only read the `Store` and return values; the screen posts
the result back to itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from feedtui.core.models import Subscription
from feedtui.core.store import FeedSummary, Store
from feedtui.ui.article import Article
from feedtui.ui.widgets.entry_list import EntryRow
from feedtui.ui.widgets.feed_list import View

OTHERS_LIMIT = 8
"""How many of the feed's other posts the reader offers."""


def read_cache(store: Store) -> tuple[tuple[Subscription, ...], dict[str, FeedSummary]]:
    """Every subscription, in OPML order, and each feed's status and counts by URL."""
    return tuple(store.subscriptions()), store.summaries()


def read_rows(
    store: Store,
    view: View,
    feeds: Sequence[Subscription],
    titles: dict[str, str],
    listed: frozenset[tuple[str, str]],
    cancelled: Callable[[], bool] = lambda: False,
) -> tuple[EntryRow, ...] | None:
    """The posts of `view`, newest first; None when `cancelled()` turned true on the way.

    Rows in `listed` stay even if the view would no longer pick them (a post just read
    stays in "All unread" until the view is reloaded from scratch).
    """
    rows: list[EntryRow] = []
    for subscription in feeds:
        if cancelled():
            return None
        marks = store.marks(subscription.url)
        title = titles.get(subscription.url, "")
        for entry in store.entries(subscription.url):
            unread = entry.id not in marks.read
            starred = entry.id in marks.starred
            wanted = {"unread": unread, "starred": starred}.get(view.kind, True)
            if wanted or (entry.feed_url, entry.id) in listed:
                rows.append(EntryRow(entry, title, unread, starred))
    rows.sort(key=lambda row: row.entry.published, reverse=True)
    return tuple(rows)


def read_article(store: Store, row: EntryRow) -> Article:
    """A post with its body and a few of its feed's other posts, for the reader."""
    entry = row.entry
    body = store.body(entry.feed_url, entry.id)
    others = [e for e in store.entries(entry.feed_url) if e.id != entry.id]
    return Article(entry, row.feed_title, body, tuple(others[:OTHERS_LIMIT]))
