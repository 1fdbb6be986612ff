"""What the main screen's loading workers read from the store: plain functions, no widgets.

They run in thread workers, so they only read the `Store` and return values; the screen posts
the result back to itself.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from operator import attrgetter

from feedtui.core.models import Entry, Subscription
from feedtui.core.sanitize import clean_line
from feedtui.core.store import FeedSummary, Store
from feedtui.core.stories import Story, story_index, summary, unread_checker
from feedtui.ui.article import Article, Related
from feedtui.ui.widgets.entry_list import UNTITLED, EntryRow, StoryInfo
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
    now: datetime | None = None,
) -> tuple[EntryRow, ...] | None:
    """The posts of `view`, newest first; None when `cancelled()` turned true on the way.

    Rows in `listed` stay even if the view would no longer pick them (a post just read
    stays in "All unread" until the view is reloaded from scratch). Each feed costs its row
    index and its marks, never its entries: this is what opening a 40,000-post view waits for.
    """
    if view.kind == "stories":
        return read_story_rows(store, titles, now)
    rows: list[EntryRow] = []
    for subscription in feeds:
        if cancelled():
            return None
        url = subscription.url
        feed, marks, title = store.rows(url), store.marks(url), titles.get(url, "")
        read, starred = marks.read, marks.starred
        columns = zip(feed.ids, feed.titles, feed.links, feed.published, strict=True)
        for entry_id, text, link, published in columns:
            unread = entry_id not in read
            star = entry_id in starred
            wanted = unread if view.kind == "unread" else star if view.kind == "starred" else True
            if wanted or (listed and (url, entry_id) in listed):
                text = text or UNTITLED
                rows.append(EntryRow(url, entry_id, text, published, title, unread, star, link))
    rows.sort(key=attrgetter("published"), reverse=True)
    return tuple(rows)


def read_article(store: Store, row: EntryRow) -> Article:
    """A post with its body and a few of its feed's other posts, for the reader."""
    entries = store.entries(row.feed_url)
    entry = next((e for e in entries if e.id == row.id), None)
    if entry is None:  # gone from the store since the list was read: show what the row knows
        entry = Entry(row.id, row.feed_url, row.title, row.link, published=row.when)
    body = store.body(row.feed_url, row.id)
    others = [e for e in entries if e.id != row.id]
    return Article(entry, row.feed_title, body, tuple(others[:OTHERS_LIMIT]))


def read_story_rows(
    store: Store, titles: dict[str, str], now: datetime | None = None
) -> tuple[EntryRow, ...]:
    """One row per story, highest rank first: its headline, its feeds, unread while any post is."""
    unread = unread_checker(store)
    rows = []
    for story in story_index(store).stories(now, unread):
        best = story.entries[0]
        info = StoryInfo(story, frozenset(key for key in story.members if unread(*key)))
        feeds = ", ".join(dict.fromkeys(titles.get(url) or url for url, _ in story.members))
        rows.append(
            EntryRow(
                best.feed_url,
                best.entry_id,
                clean_line(story.headline) or UNTITLED,
                story.newest.timestamp(),
                feeds,
                unread=bool(info.unread),
                link=best.link,
                story=info,
            )
        )
    return tuple(rows)


def read_story_article(store: Store, story: Story, titles: dict[str, str]) -> Article:
    """A story's overview: its headline, a summary from its best post, and every post of it."""
    related = _related(store, story.members, titles)
    best = related[0].entry if related else None
    text = summary(story, store)
    return Article(
        entry=best or Entry(id=story.id, feed_url="", title=story.headline),
        feed_title=related[0].feed_title if related else "",
        body_html=f"<p>{html.escape(text)}</p>" if text else "",
        related=related,
        story=story,
    )


def read_related(
    store: Store, entry: Entry, titles: dict[str, str], now: datetime | None = None
) -> tuple[Related, ...]:
    """The posts of other feeds in the same story as `entry`, oldest first."""
    story = story_index(store).story_of(entry.feed_url, entry.id, now)
    if story is None:
        return ()
    others = [key for key in story.members if key[0] != entry.feed_url]
    return _related(store, others, titles)


def _related(
    store: Store, keys: Iterable[tuple[str, str]], titles: dict[str, str]
) -> tuple[Related, ...]:
    """The stored posts behind `keys`, in their order; posts no longer stored are left out."""
    keys = list(keys)
    by_feed: dict[str, dict[str, Entry]] = {}
    for url in dict.fromkeys(url for url, _ in keys):
        by_feed[url] = {e.id: e for e in store.entries(url)}
    found = (by_feed[url].get(entry_id) for url, entry_id in keys)
    return tuple(Related(e, titles.get(e.feed_url, "")) for e in found if e is not None)


def order_stories(rows: Sequence[EntryRow], by_time: bool) -> tuple[EntryRow, ...]:
    """Story rows by rank (highest first), or newest first."""
    if by_time:
        return tuple(sorted(rows, key=attrgetter("published"), reverse=True))

    def rank(row: EntryRow) -> tuple[float, float, str]:
        story = row.story.story if row.story is not None else None
        if story is None:
            return (0.0, -row.published, row.id)
        return (-story.rank, -story.newest.timestamp(), story.id)

    return tuple(sorted(rows, key=rank))
