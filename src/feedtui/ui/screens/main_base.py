"""The main screen's state, panes and loading, which its mixins and `MainScreen` build on.

The screen is split by job (refreshing, subscriptions, marks, layout) into mixins; they all
share the state declared here, so it lives in one place as the style asks.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Literal

import httpx
from textual import on, work
from textual.content import Content
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Input, Label
from textual.worker import Worker, WorkerState, get_current_worker

from feedtui.core.models import Subscription, utc_now
from feedtui.core.parse_workers import ParseWorkers
from feedtui.core.sanitize import clean_line
from feedtui.core.store import FeedSummary, Store
from feedtui.ui.messages import CacheLoaded, EntriesLoaded, SummariesLoaded
from feedtui.ui.settings import Settings
from feedtui.ui.view_data import read_cache, read_rows
from feedtui.ui.widgets.article_view import ArticleView
from feedtui.ui.widgets.entry_list import EntryList, EntryRow, EntryRows
from feedtui.ui.widgets.feed_list import ALL_UNREAD, FeedList, View, titles_by_url
from feedtui.ui.widgets.refresh_status import Progress

ClientFactory = Callable[[], httpx.AsyncClient]
"""Makes the HTTP client a refresh or a subscription uses (tests aim it at 127.0.0.1)."""
Clock = Callable[[], datetime]
"""Tells the time (aware UTC); tests freeze it."""

Pending = Literal["first", "last"] | None
"""Which unread post to open once the view being loaded arrives, if any."""
ROW_ACTIONS = ("toggle_read", "toggle_star", "open_link", "copy_link")
"""The actions whose keys depend on the post under the cursor."""


class MainScreenBase(Screen[None]):
    """State, panes and loading shared by the main screen's parts."""

    subscriptions: var[tuple[Subscription, ...]] = var(())
    """Every subscription, in OPML order."""
    summaries: var[dict[str, FeedSummary]] = var(dict)
    """Status and counts of each feed, by URL."""
    view: var[View] = var(ALL_UNREAD, bindings=True)
    """What the entries pane lists."""
    entries: var[EntryRows] = var(EntryRows)
    """The posts of the view."""
    entry_filter: var[str] = var("")
    """The filter typed after `/`."""
    highlighted: var[EntryRow | None] = var(None)
    """The post under the entries cursor (what m, s, o and y act on)."""
    now: var[datetime] = var(utc_now)
    """The time relative dates count from (ticks each minute)."""
    progress: var[Progress | None] = var(None)
    """The refresh under way, if any."""
    stories_by_time: var[bool] = var(False)
    """List stories newest first instead of by rank (t toggles)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        client_factory: ClientFactory,
        parsers: ParseWorkers,
        clock: Clock,
        refresh_on_start: bool | None = None,
    ) -> None:
        super().__init__()
        self._parsers = parsers
        self._store = store
        self._settings = settings
        self._client_factory = client_factory
        self._clock = clock
        self._refresh_on_start = refresh_on_start
        self._started = False
        self._cache_read = False
        self._data_version: tuple[int, ...] = ()
        """`Store.version` when the shown cache was read (see `MainScreen._check_data`)."""
        self._pending: Pending = None
        self._opened: tuple[str, str] | None = None
        self._undo: dict[str, list[str]] = {}
        self._problems_seen = 0
        self._marks_queue: deque[tuple[str, str, tuple[str, ...], bool]] = deque()
        self._marks_lock = threading.Lock()
        self._reload_timer: object | None = None
        self._summary_timer: object | None = None
        self._tickets = itertools.count(1)
        """Numbers each read of summaries as it begins (`next` is atomic: reads run in threads)."""
        self._shown_tickets: dict[str, int] = {}
        """The ticket of the read each feed's shown summary came from."""
        self._refreshed: set[str] = set()
        """Feeds refreshed since their counts were last read (see `SUMMARY_DELAY`)."""
        self._row_keys: tuple[bool | None, ...] = ()

    # -- the panes --------------------------------------------------------------------------

    @property
    def _feeds(self) -> FeedList:
        return self.query_one(FeedList)

    @property
    def _entry_list(self) -> EntryList:
        return self.query_one(EntryList)

    @property
    def _reader(self) -> ArticleView:
        return self.query_one(ArticleView)

    @property
    def _filter_input(self) -> Input:
        return self.query_one("#entry-filter", Input)

    def _current_entry(self) -> EntryRow | None:
        """The post the keys act on: the one being read when the reader has focus."""
        article = self._reader.article
        if self._reader.has_focus_within and article is not None:
            row = self._entry_list.highlighted
            if article.story is not None:
                same = row is not None and row.story and row.story.story.id == article.story.id
                return row if same else None
            if row is not None and row.key == (article.entry.feed_url, article.entry.id):
                return row
            return EntryRow.of(article.entry, clean_line(article.feed_title), unread=False)
        return self._entry_list.highlighted

    def _view_title(self, view: View) -> str:
        if view.kind == "unread":
            return "All unread"
        if view.kind == "starred":
            return "Starred"
        if view.kind == "stories":
            return "Stories"
        if view.kind == "folder":
            return clean_line(" / ".join(view.folder))
        return titles_by_url(self.subscriptions, self.summaries).get(view.url, view.url)

    # -- loading ----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="cache", exit_on_error=False)
    def _load_cache(self) -> None:
        """Read the subscriptions and their counts (a thread: the store reads files)."""
        self.post_message(self._read_cache())

    def _read_cache(self) -> CacheLoaded:
        """The subscriptions and their counts, as of now (call from a thread)."""
        ticket, version = next(self._tickets), tuple(self._store.version())
        return CacheLoaded(*read_cache(self._store), ticket=ticket, version=version)

    def _read_summaries(self, urls: Collection[str]) -> SummariesLoaded:
        """These feeds' counts, as of now (call from a thread)."""
        ticket = next(self._tickets)
        return SummariesLoaded({url: self._store.summary(url) for url in urls}, ticket)

    def _newer(self, summaries: dict[str, FeedSummary], ticket: int) -> dict[str, FeedSummary]:
        """The summaries read after the ones shown for the same feeds.

        Reads run in threads and their messages can arrive out of order: counts read before a
        mark must not replace the counts read after it.
        """
        shown = self._shown_tickets
        newer = {url: s for url, s in summaries.items() if shown.get(url, 0) < ticket}
        shown.update(dict.fromkeys(newer, ticket))
        return newer

    def _report_problems(self) -> None:
        """Tell the user about data files the store had to set aside."""
        for problem in self._store.problems[self._problems_seen :]:
            self.notify(problem, title="Data problem", severity="warning", markup=False)
        self._problems_seen = len(self._store.problems)

    def watch_view(self) -> None:
        self._reload_view(keep=False)

    def watch_highlighted(self) -> None:
        # The footer is rebuilt on every bindings refresh, which costs more than drawing the
        # list: refresh only when a key that acts on the post comes or goes, not on every step.
        state = tuple(self.check_action(action, ()) for action in ROW_ACTIONS)
        if state != self._row_keys:
            self._row_keys = state
            self.refresh_bindings()

    def watch_summaries(self) -> None:
        self._update_header()

    def watch_entries(self) -> None:
        self._update_header()

    def watch_stories_by_time(self) -> None:
        self._update_header()

    def _reload_view(self, keep: bool = True) -> None:
        """Read the view's posts again; rows listed now stay even if no longer unread."""
        if not self._cache_read:
            return  # the feeds are not known yet: the cache's arrival loads the view
        listed = frozenset(row.key for row in self.entries.rows) if keep else frozenset()
        titles = titles_by_url(self.subscriptions, self.summaries)
        feeds = [s for s in self.subscriptions if self.view.includes(s)]
        self._load_view(self.view, feeds, titles, listed)

    @work(thread=True, exclusive=True, group="entries", exit_on_error=False)
    def _load_view(
        self,
        view: View,
        feeds: list[Subscription],
        titles: dict[str, str],
        listed: frozenset[tuple[str, str]],
    ) -> None:
        worker = get_current_worker()
        rows = read_rows(
            self._store, view, feeds, titles, listed, lambda: worker.is_cancelled, self._clock()
        )
        if rows is not None:
            self.post_message(EntriesLoaded(view, rows))

    def _update_header(self) -> None:
        if not self.is_mounted:
            return
        view = self.view
        title = self._view_title(view)
        rows = self.entries.rows if self.entries.source == view else ()
        unread = sum(1 for row in rows if row.unread)
        counted = f"{unread} unread"
        if view.kind == "stories":
            counted = f"{count_of(len(rows), 'story', 'stories')} · {counted}"
            if self.stories_by_time:
                counted += " · newest first"
        elif view.kind != "unread":
            counted = f"{count_of(len(rows), 'post', 'posts')} · {counted}"
        if self.entries.source != view:
            counted = "loading…"  # Stories may take seconds the first time, at 40k posts
        header = Content.assemble(Content(title).stylize("bold"), "  ", (counted, "dim"))
        summary = self.summaries.get(view.url) if view.kind == "feed" else None
        if summary is not None and summary.state.status in ("error", "gone"):
            error = clean_line(summary.state.error) or "the last refresh failed"
            header = Content.assemble(header, "\n", Content("! " + error).stylize("$error"))
        elif summary is not None:
            # What feedtui had to repair in the feed, so a garbled post has an explanation.
            notes = [clean_line(summary.state.warning)]
            if "(declared" in summary.state.encoding:
                notes.append(f"encoding: {clean_line(summary.state.encoding)}")
            for note in filter(None, notes):
                header = Content.assemble(header, "\n", Content(note).stylize("$warning"))
        self.query_one("#entries-header", Label).update(header)

    @work(thread=True, group="summaries", exit_on_error=False)
    def _load_summaries(self, urls: Collection[str]) -> None:
        self.post_message(self._read_summaries(urls))

    @on(SummariesLoaded)
    def _summaries_loaded(self, message: SummariesLoaded) -> None:
        newer = self._newer(message.summaries, message.ticket)
        known = {url: s for url, s in newer.items() if url in self.summaries}
        if known:
            self.summaries = {**self.summaries, **known}

    @on(Worker.StateChanged)
    def _forward_worker_error(self, event: Worker.StateChanged) -> None:
        # StateChanged does not bubble: hand errors to the app's one reporting handler.
        if event.state == WorkerState.ERROR:
            self.app.post_message(Worker.StateChanged(event.worker, event.state))


def count_of(number: int, one: str, many: str) -> str:
    """ "1 post", "3 posts": the number and the noun that agrees with it."""
    return f"{number} {one if number == 1 else many}"
