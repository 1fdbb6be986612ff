"""The main screen: feeds, entries and the reader side by side, and everything the keys do.

Its parts live beside it, one job each: state and loading in `main_base`, refreshing,
subscriptions, marks and layout in their own mixins. This module composes the panes, starts
up, and opens posts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label
from textual.worker import get_current_worker

from feedtui.core.store import FeedSummary
from feedtui.ui.commands import FeedCommands
from feedtui.ui.key_commands import KeyCommands
from feedtui.ui.links import copy_link, open_link
from feedtui.ui.messages import ArticleLoaded, CacheLoaded, EntriesLoaded, RelatedLoaded
from feedtui.ui.screens.layout import LayoutMixin
from feedtui.ui.screens.main_base import ClientFactory, Clock
from feedtui.ui.screens.marking import MarkingMixin
from feedtui.ui.screens.subscriptions import SubscriptionsMixin
from feedtui.ui.view_data import (
    order_stories,
    read_article,
    read_related,
    read_story_article,
)
from feedtui.ui.widgets.article_view import ArticleView
from feedtui.ui.widgets.entry_list import EntryList, EntryRow, EntryRows
from feedtui.ui.widgets.feed_list import (
    ALL_UNREAD,
    STORIES,
    FeedList,
    View,
    titles_by_url,
    tree_order,
)
from feedtui.ui.widgets.refresh_status import RefreshStatus

NARROW_BELOW = 100
"""Terminals narrower than this stack the reader under the entries."""


DATA_CHECK_SECONDS = 2.0
"""How often the screen looks (two stats) for changes another process made to the data."""


class MainScreen(SubscriptionsMixin, MarkingMixin, LayoutMixin):
    """The three-pane reader; its state (in `MainScreenBase`) reaches the panes by `data_bind`."""

    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (NARROW_BELOW, "-wide"),
    ]
    COMMANDS = Screen.COMMANDS | {FeedCommands, KeyCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", "Quit", tooltip="Leave feedtui", id="quit"),
        Binding("question_mark", "help", "Help", tooltip="List every key", id="help"),
        Binding("n", "next_unread", "Next unread", tooltip="Read the next unread post", id="next"),
        Binding("p", "previous_unread", "Prev unread", show=False, id="previous"),
        Binding("m", "toggle_read", "Mark", tooltip="Toggle read or unread", id="read"),
        Binding("s", "toggle_star", "Star", tooltip="Star or unstar the post", id="star"),
        Binding("o", "open_link", "Open", tooltip="Open the post in the browser", id="open"),
        Binding("slash", "filter", "Filter", tooltip="Filter posts by title or feed", id="filter"),
        Binding(
            "t",
            "sort_stories",
            "Sort",
            tooltip="Stories: sort by rank or newest first",
            id="sort-stories",
        ),
        Binding(
            "r",
            "refresh_view",
            "Refresh feed",
            show=False,
            tooltip="Refresh the selected feed or folder",
            id="refresh",
        ),
        Binding("R", "refresh_all", "Refresh", tooltip="Refresh every feed", id="refresh-all"),
        Binding("tab", "next_pane", "Next pane", show=False, id="next-pane"),
        Binding("shift+tab", "previous_pane", "Previous pane", show=False, id="previous-pane"),
        Binding("escape", "back", "Back", show=False, tooltip="Reader → posts → feeds"),
        Binding("j", "next_entry", "Next post", show=False, tooltip="Reader: read the next post"),
        Binding("k", "previous_entry", "Prev post", show=False, tooltip="Reader: the previous one"),
        Binding("space", "page", "Page", show=False, tooltip="Page down, then the next unread"),
        Binding("y", "copy_link", "Copy link", show=False, tooltip="Copy the post's link"),
        Binding("A", "mark_all_read", "Mark all read", show=False, id="mark-all-read"),
        Binding("u", "undo", "Undo", show=False, tooltip="Undo marking all read"),
        Binding("a", "add_feed", "Add feed", show=False, tooltip="Subscribe to a URL"),
        Binding("d", "remove_feed", "Remove feed", show=False, tooltip="Unsubscribe"),
        Binding("i", "import_opml", "Import OPML", show=False, tooltip="Import subscriptions"),
        Binding("e", "export_opml", "Export OPML", show=False, tooltip="Export subscriptions"),
        Binding("less_than_sign", "resize(-1)", "Narrower", show=False, tooltip="Narrow the pane"),
        Binding("greater_than_sign", "resize(1)", "Wider", show=False, tooltip="Widen the pane"),
    ]

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield FeedList(id="feeds", classes="pane").data_bind(
                MainScreen.subscriptions, MainScreen.summaries
            )
            with Container(id="content"):
                with Vertical(id="entries-pane", classes="pane"):
                    yield Label(id="entries-header", markup=False)
                    yield Input(placeholder="Filter by title or feed…", id="entry-filter")
                    yield EntryList(id="entries").data_bind(
                        entries=MainScreen.entries,
                        filter_text=MainScreen.entry_filter,
                        now=MainScreen.now,
                    )
                yield ArticleView(id="reader", classes="pane")
        yield RefreshStatus(id="refresh-status").data_bind(MainScreen.progress)
        yield Footer()

    def on_mount(self) -> None:
        self.now = self._clock()
        self.set_interval(60, self._tick)
        self.set_interval(DATA_CHECK_SECONDS, self._check_data)
        if self._settings.theme in self.app.available_themes:
            self.app.theme = self._settings.theme
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self._apply_widths()
        self.query_one(FeedList).focus()
        self._load_cache()

    def _tick(self) -> None:
        self.now = self._clock()

    def _check_data(self) -> None:
        """Show what another process (`feedtui refresh`, `add`, `remove`) changed meanwhile."""
        idle = self._cache_read and self.progress is None
        version = tuple(self._store.version())
        if idle and version != self._data_version:
            self._data_version = version  # ask once per change
            self._load_cache()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        if action == "toggle_star":
            row = self._current_entry()
            return row is not None and row.story is None
        if action in ("toggle_read", "open_link", "copy_link"):
            return self._current_entry() is not None
        if action == "sort_stories":
            return self.view.kind == "stories"
        if action == "remove_feed":
            return self.view.kind == "feed"
        if action == "undo":
            return bool(self._undo)
        if action == "mark_all_read":
            return any(row.unread for row in self.entries.rows)
        return True

    # -- loading ----------------------------------------------------------------------------

    @on(CacheLoaded)
    def _cache_loaded(self, message: CacheLoaded) -> None:
        self.subscriptions = message.subscriptions
        newer = self._newer(message.summaries, message.ticket)
        self.summaries = {
            url: newer.get(url) or self.summaries.get(url) or summary
            for url, summary in message.summaries.items()
        }
        self._cache_read = True
        self._data_version = message.version
        self._report_problems()
        if self.view.kind in ("feed", "folder") and not any(
            self.view.includes(s) for s in message.subscriptions
        ):
            self.view = ALL_UNREAD
            self._feeds.show_view(ALL_UNREAD)
        self._reload_view()
        if not self._started:
            self._started = True
            if self._should_refresh_on_start(message.summaries):
                self._start_refresh(list(message.subscriptions))

    def _should_refresh_on_start(self, summaries: dict[str, FeedSummary]) -> bool:
        if not summaries:
            return False
        if self._refresh_on_start is not None:
            return self._refresh_on_start
        minutes = self._settings.refresh_after_minutes
        if minutes <= 0:
            return False
        checked = [s.state.last_checked for s in summaries.values() if s.state.last_checked]
        return not checked or self._clock() - max(checked) > timedelta(minutes=minutes)

    @on(EntriesLoaded)
    def _entries_loaded(self, message: EntriesLoaded) -> None:
        if message.view != self.view:
            return
        rows = message.rows
        if message.view.kind == "stories":
            rows = order_stories(rows, by_time=self.stories_by_time)
        self.entries = EntryRows(message.view, rows, show_feed=message.view.kind != "feed")
        pending, self._pending = self._pending, None
        if pending is not None:
            self._open_unread(first=pending == "first")

    def select_view(self, view: View) -> None:
        """Show `view` as if chosen in the feeds pane, reading its posts again if shown already."""
        if view == self.view:
            self._reload_view(keep=False)
        else:
            self.view = view
        self._feeds.show_view(view)

    # -- choosing and reading ---------------------------------------------------------------

    @on(FeedList.FeedSelected)
    def _show_view(self, message: FeedList.FeedSelected) -> None:
        self.view = message.view
        if message.activated:
            self._entry_list.focus()

    @on(EntryList.EntryHighlighted)
    def _track_highlight(self, message: EntryList.EntryHighlighted) -> None:
        self.highlighted = message.row

    @on(EntryList.EntryOpened)
    def _open_entry(self, message: EntryList.EntryOpened) -> None:
        self._open(message.row)
        if self._entry_list.has_focus and self.app.mouse_captured is None:
            self._reader.focus()

    @on(ArticleView.EntryChosen)
    def _open_other(self, message: ArticleView.EntryChosen) -> None:
        key = (message.entry.feed_url, message.entry.id)
        if self._entry_list.select(key):
            self._open_highlighted()
            return
        titles = titles_by_url(self.subscriptions, self.summaries)
        row = EntryRow.of(message.entry, titles.get(message.entry.feed_url, ""), unread=False)
        self._opened = key
        self._load_article(row, titles)
        self._queue_marks("read", message.entry.feed_url, [message.entry.id], True)

    def _open_highlighted(self) -> None:
        if (row := self._entry_list.highlighted) is not None:
            self._open(row)

    def _open(self, row: EntryRow) -> None:
        """Show a post in the reader and mark it read; a story shows its overview, unmarked."""
        self._opened = row.key
        self._load_article(row, titles_by_url(self.subscriptions, self.summaries))
        if row.unread and row.story is None:
            self._mark([row], read=True)

    @work(thread=True, exclusive=True, group="article", exit_on_error=False)
    def _load_article(self, row: EntryRow, titles: dict[str, str]) -> None:
        """Read the post, show it, then find its story's other coverage (slower, so after)."""
        if row.story is not None:
            article = read_story_article(self._store, row.story.story, titles)
            self.post_message(ArticleLoaded(row.key, article))
            return
        article = read_article(self._store, row)
        self.post_message(ArticleLoaded(row.key, article))
        related = read_related(self._store, article.entry, titles, self._clock())
        if related and not get_current_worker().is_cancelled:
            self.post_message(RelatedLoaded(article.entry, related))

    @on(ArticleLoaded)
    def _article_loaded(self, message: ArticleLoaded) -> None:
        if message.key != self._opened:
            return
        self._reader.show(message.article)
        if message.article.story is not None and self._reader.has_focus:
            self._reader.focus_related()

    @on(RelatedLoaded)
    def _related_loaded(self, message: RelatedLoaded) -> None:
        self._reader.show_related(message.entry, message.related)

    def action_sort_stories(self) -> None:
        """t: list stories by rank or newest first."""
        self.stories_by_time = not self.stories_by_time
        if self.entries.source == STORIES:
            rows = order_stories(self.entries.rows, by_time=self.stories_by_time)
            self.entries = replace(self.entries, rows=rows)

    def action_next_unread(self) -> None:
        self._step_unread(forward=True)

    def action_previous_unread(self) -> None:
        self._step_unread(forward=False)

    def _step_unread(self, forward: bool) -> None:
        """Open the next unread post; past the end of this feed, the next feed with unread."""
        entries = self._entry_list
        current = entries.highlighted
        fresh = current is None or current.key != self._opened
        index = entries.find_unread(forward, include_current=fresh)
        if index is not None:
            entries.move_cursor(index)
            self._open_highlighted()
            return
        if self.view.kind in ("feed", "folder") and self._go_to_unread_feed(forward):
            return
        start = 0 if forward else len(entries.rows) - 1
        wrapped = next(
            (
                i
                for i in (range(len(entries.rows)) if forward else range(start, -1, -1))
                if entries.rows[i].unread
            ),
            None,
        )
        if wrapped is None:
            self.notify("No unread posts left.")
            return
        entries.move_cursor(wrapped)
        self._open_highlighted()

    def _go_to_unread_feed(self, forward: bool) -> bool:
        """Move to the next (or previous) feed in tree order that has unread posts."""
        order = tree_order(self.subscriptions)
        urls = [s.url for s in order]
        here = urls.index(self.view.url) if self.view.url in urls else -1
        count = len(urls)
        for step in range(1, count):
            url = urls[(here + (step if forward else -step)) % count]
            summary = self.summaries.get(url)
            if summary is not None and summary.unread > 0:
                self._pending = "first" if forward else "last"
                self.view = View("feed", url=url)
                self._feeds.show_view(self.view)
                return True
        return False

    def _open_unread(self, first: bool) -> None:
        rows = self._entry_list.rows
        indices = range(len(rows)) if first else range(len(rows) - 1, -1, -1)
        index = next((i for i in indices if rows[i].unread), None)
        if index is None:
            return
        self._entry_list.move_cursor(index)
        self._open_highlighted()

    def action_next_entry(self) -> None:
        self._step_entry(1)

    def action_previous_entry(self) -> None:
        self._step_entry(-1)

    def _step_entry(self, step: int) -> None:
        entries = self._entry_list
        before = entries.cursor
        entries.move_cursor(before + step)
        if entries.cursor != before:
            self._open_highlighted()

    def action_page(self) -> None:
        """Space: page through the post; at its end, go on to the next unread one."""
        if self._reader.article is None:
            self._open_highlighted()
            return
        if not self._reader.page():
            self.action_next_unread()

    def action_open_link(self) -> None:
        if (row := self._current_entry()) is not None:
            open_link(self.app, row.link)

    def action_copy_link(self) -> None:
        if (row := self._current_entry()) is not None:
            copy_link(self.app, row.link)


__all__ = ["ClientFactory", "Clock", "MainScreen"]
