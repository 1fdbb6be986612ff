"""The main screen: feeds, entries and the reader side by side, and everything the keys do."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar, Literal

import httpx
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.content import Content
from textual.reactive import var
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Label
from textual.worker import Worker, WorkerState, get_current_worker

from feedtui.core.fetch import Fetcher
from feedtui.core.jsonfile import write_bytes_atomic
from feedtui.core.models import Subscription, utc_now
from feedtui.core.opml import OpmlError, parse_opml, write_opml
from feedtui.core.refresh import FeedOutcome, parse_executor, refresh_feeds
from feedtui.core.sanitize import clean_line
from feedtui.core.store import FeedSummary, Store
from feedtui.core.subscribe import SubscribeError, resolve_feed
from feedtui.ui.article import Article
from feedtui.ui.commands import FeedCommands
from feedtui.ui.links import copy_link, open_link
from feedtui.ui.messages import (
    ArticleLoaded,
    CacheLoaded,
    EntriesLoaded,
    FeedRefreshed,
    RefreshFinished,
    RefreshProgress,
    SummaryLoaded,
)
from feedtui.ui.screens.help import HelpScreen
from feedtui.ui.screens.prompts import Confirm, TextPrompt
from feedtui.ui.settings import Settings
from feedtui.ui.widgets.article_view import ArticleView
from feedtui.ui.widgets.entry_list import EntryList, EntryRow, EntryRows
from feedtui.ui.widgets.feed_list import ALL_UNREAD, FeedList, View, titles_by_url, tree_order
from feedtui.ui.widgets.refresh_status import Progress, RefreshStatus

ClientFactory = Callable[[], httpx.AsyncClient]
"""Makes the HTTP client a refresh or a subscription uses (tests aim it at 127.0.0.1)."""
Clock = Callable[[], datetime]
"""Tells the time (aware UTC); tests freeze it."""

NARROW_BELOW = 100
"""Terminals narrower than this stack the reader under the entries."""
OTHERS_LIMIT = 8
"""How many of the feed's other posts the reader offers."""
RESIZE_STEP = 4
"""How many cells `<` and `>` change a pane's width by."""
DEFAULT_EXPORT = "~/feedtui-export.opml"
"""Where `e` offers to write the subscriptions."""

Pending = Literal["first", "last"] | None


class MainScreen(Screen[None]):
    """The three-pane reader. All state lives here; the panes get it through `data_bind`."""

    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (NARROW_BELOW, "-wide"),
    ]
    COMMANDS = Screen.COMMANDS | {FeedCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "app.quit", "Quit", tooltip="Leave feedtui", id="quit"),
        Binding("question_mark", "help", "Help", tooltip="List every key", id="help"),
        Binding("n", "next_unread", "Next unread", tooltip="Read the next unread post", id="next"),
        Binding("p", "previous_unread", "Prev unread", show=False, id="previous"),
        Binding("m", "toggle_read", "Read", tooltip="Toggle read or unread", id="read"),
        Binding("s", "toggle_star", "Star", tooltip="Star or unstar the post", id="star"),
        Binding("o", "open_link", "Open", tooltip="Open the post in the browser", id="open"),
        Binding("slash", "filter", "Filter", tooltip="Filter posts by title or feed", id="filter"),
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
    highlighted: var[EntryRow | None] = var(None, bindings=True)
    """The post under the entries cursor (what m, s, o and y act on)."""
    now: var[datetime] = var(utc_now)
    """The time relative dates count from (ticks each minute)."""
    progress: var[Progress | None] = var(None)
    """The refresh under way, if any."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        client_factory: ClientFactory,
        clock: Clock,
        refresh_on_start: bool | None = None,
    ) -> None:
        super().__init__()
        self._store = store
        self._settings = settings
        self._client_factory = client_factory
        self._clock = clock
        self._refresh_on_start = refresh_on_start
        self._started = False
        self._pending: Pending = None
        self._opened: tuple[str, str] | None = None
        self._undo: dict[str, list[str]] = {}
        self._problems_seen = 0
        self._marks_queue: deque[tuple[str, str, tuple[str, ...], bool]] = deque()
        self._marks_lock = threading.Lock()
        self._reload_timer: object | None = None

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
        if self._settings.theme in self.app.available_themes:
            self.app.theme = self._settings.theme
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self._apply_widths()
        self.query_one(FeedList).focus()
        self._load_cache()

    def _tick(self) -> None:
        self.now = self._clock()

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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        if action in ("toggle_read", "toggle_star", "open_link", "copy_link"):
            return self._current_entry() is not None
        if action == "remove_feed":
            return self.view.kind == "feed"
        if action == "undo":
            return bool(self._undo)
        if action == "mark_all_read":
            return any(row.unread for row in self.entries.rows)
        return True

    def _current_entry(self) -> EntryRow | None:
        """The post the keys act on: the one being read when the reader has focus."""
        article = self._reader.article
        if self._reader.has_focus_within and article is not None:
            row = self._entry_list.highlighted
            if row is not None and row.entry == article.entry:
                return row
            return EntryRow(article.entry, clean_line(article.feed_title), unread=False)
        return self._entry_list.highlighted

    # -- loading ----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="cache", exit_on_error=False)
    def _load_cache(self) -> None:
        """Read the subscriptions and their counts (a thread: the store reads files)."""
        subscriptions = tuple(self._store.subscriptions())
        summaries = self._store.summaries()
        self.post_message(CacheLoaded(subscriptions, summaries))

    @on(CacheLoaded)
    def _cache_loaded(self, message: CacheLoaded) -> None:
        self.subscriptions = message.subscriptions
        self.summaries = message.summaries
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

    def _report_problems(self) -> None:
        """Tell the user about data files the store had to set aside."""
        for problem in self._store.problems[self._problems_seen :]:
            self.notify(problem, title="Data problem", severity="warning", markup=False)
        self._problems_seen = len(self._store.problems)

    def watch_view(self) -> None:
        self._reload_view(keep=False)

    def watch_summaries(self) -> None:
        self._update_header()

    def watch_entries(self) -> None:
        self._update_header()

    def _reload_view(self, keep: bool = True) -> None:
        """Read the view's posts again; rows listed now stay even if no longer unread."""
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
        rows: list[EntryRow] = []
        for subscription in feeds:
            if worker.is_cancelled:
                return
            marks = self._store.marks(subscription.url)
            title = titles.get(subscription.url, "")
            for entry in self._store.entries(subscription.url):
                unread = entry.id not in marks.read
                starred = entry.id in marks.starred
                wanted = {"unread": unread, "starred": starred}.get(view.kind, True)
                if wanted or (entry.feed_url, entry.id) in listed:
                    rows.append(EntryRow(entry, title, unread, starred))
        rows.sort(key=lambda row: row.entry.published, reverse=True)
        self.post_message(EntriesLoaded(view, tuple(rows)))

    @on(EntriesLoaded)
    def _entries_loaded(self, message: EntriesLoaded) -> None:
        if message.view != self.view:
            return
        self.entries = EntryRows(message.view, message.rows, show_feed=message.view.kind != "feed")
        pending, self._pending = self._pending, None
        if pending is not None:
            self._open_unread(first=pending == "first")

    def _update_header(self) -> None:
        if not self.is_mounted:
            return
        view = self.view
        title = self._view_title(view)
        rows = self.entries.rows if self.entries.source == view else ()
        unread = sum(1 for row in rows if row.unread)
        counted = f"{unread} unread"
        if view.kind != "unread":
            counted = f"{len(rows)} post{'' if len(rows) == 1 else 's'} · {counted}"
        header = Content.assemble(Content(title).stylize("bold"), "  ", (counted, "dim"))
        summary = self.summaries.get(view.url) if view.kind == "feed" else None
        if summary is not None and summary.state.status in ("error", "gone"):
            error = clean_line(summary.state.error) or "the last refresh failed"
            header = Content.assemble(header, "\n", Content("! " + error).stylize("$error"))
        self.query_one("#entries-header", Label).update(header)

    def _view_title(self, view: View) -> str:
        if view.kind == "unread":
            return "All unread"
        if view.kind == "starred":
            return "Starred"
        if view.kind == "folder":
            return clean_line(" / ".join(view.folder))
        return titles_by_url(self.subscriptions, self.summaries).get(view.url, view.url)

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
        row = EntryRow(message.entry, titles.get(message.entry.feed_url, ""), unread=False)
        self._opened = key
        self._load_article(row)
        self._queue_marks("read", message.entry.feed_url, [message.entry.id], True)

    def _open_highlighted(self) -> None:
        if (row := self._entry_list.highlighted) is not None:
            self._open(row)

    def _open(self, row: EntryRow) -> None:
        """Show a post in the reader and mark it read."""
        self._opened = row.key
        self._load_article(row)
        if row.unread:
            self._mark([row], read=True)

    @work(thread=True, exclusive=True, group="article", exit_on_error=False)
    def _load_article(self, row: EntryRow) -> None:
        entry = row.entry
        body = self._store.body(entry.feed_url, entry.id)
        others = [e for e in self._store.entries(entry.feed_url) if e.id != entry.id]
        article = Article(entry, row.feed_title, body, tuple(others[:OTHERS_LIMIT]))
        self.post_message(ArticleLoaded(article))

    @on(ArticleLoaded)
    def _article_loaded(self, message: ArticleLoaded) -> None:
        entry = message.article.entry
        if (entry.feed_url, entry.id) == self._opened:
            self._reader.show(message.article)

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
            open_link(self.app, row.entry.link)

    def action_copy_link(self) -> None:
        if (row := self._current_entry()) is not None:
            copy_link(self.app, row.entry.link)

    # -- marks ------------------------------------------------------------------------------

    def action_toggle_read(self) -> None:
        if (row := self._current_entry()) is not None:
            self._mark([row], read=row.unread)

    def action_toggle_star(self) -> None:
        if (row := self._current_entry()) is not None:
            self._mark([row], starred=not row.starred)

    def action_mark_all_read(self) -> None:
        rows = [row for row in self._entry_list.rows if row.unread]
        if not rows:
            return
        self._undo = {}
        for row in rows:
            self._undo.setdefault(row.entry.feed_url, []).append(row.entry.id)
        self._mark(rows, read=True)
        self.refresh_bindings()
        count = len(rows)
        self.notify(
            f"Marked {count} post{'' if count == 1 else 's'} read. Press u to undo.",
            title=self._view_title(self.view),
            markup=False,
        )

    def action_undo(self) -> None:
        undo, self._undo = self._undo, {}
        keys = {(url, id) for url, ids in undo.items() for id in ids}
        rows = [row for row in self.entries.rows if row.key in keys]
        self._mark(rows, read=False)
        for url, ids in undo.items():
            listed = {row.entry.id for row in rows if row.entry.feed_url == url}
            if missing := [id for id in ids if id not in listed]:
                self._queue_marks("read", url, missing, False)
        self.refresh_bindings()
        self.notify("Marked unread again.")

    def _mark(
        self, rows: Iterable[EntryRow], *, read: bool | None = None, starred: bool | None = None
    ) -> None:
        """Change marks: shown at once, saved at once in a thread."""
        changed: dict[tuple[str, str], EntryRow] = {}
        unread_delta: dict[str, int] = {}
        for row in rows:
            new = replace(
                row,
                unread=row.unread if read is None else not read,
                starred=row.starred if starred is None else starred,
                title=row.title,
            )
            changed[row.key] = new
            unread_delta[row.entry.feed_url] = (
                unread_delta.get(row.entry.feed_url, 0) + int(new.unread) - int(row.unread)
            )
        by_feed: dict[str, list[str]] = {}
        for url, id in changed:
            by_feed.setdefault(url, []).append(id)
        for url, ids in by_feed.items():
            if read is not None:
                self._queue_marks("read", url, ids, read)
            if starred is not None:
                self._queue_marks("starred", url, ids, starred)
        self.entries = replace(
            self.entries, rows=tuple(changed.get(row.key, row) for row in self.entries.rows)
        )
        summaries = dict(self.summaries)
        for url, delta in unread_delta.items():
            if delta and url in summaries:
                summary = summaries[url]
                summaries[url] = replace(summary, unread=max(0, summary.unread + delta))
        self.summaries = summaries

    def _queue_marks(self, kind: str, url: str, ids: Iterable[str], on: bool) -> None:
        self._marks_queue.append((kind, url, tuple(ids), on))
        self._save_marks()

    @work(thread=True, group="marks", exit_on_error=False)
    def _save_marks(self) -> None:
        """Write queued mark changes in the order they were made."""
        with self._marks_lock:
            touched: set[str] = set()
            while self._marks_queue:
                kind, url, ids, on = self._marks_queue[0]
                if kind == "read":
                    self._store.set_read(url, ids, on)
                else:
                    self._store.set_starred(url, ids, on)
                self._marks_queue.popleft()
                touched.add(url)
            for url in touched:
                self.post_message(SummaryLoaded(url, self._store.summary(url)))

    @on(SummaryLoaded)
    def _summary_loaded(self, message: SummaryLoaded) -> None:
        if message.url in self.summaries:
            self.summaries = {**self.summaries, message.url: message.summary}

    # -- refreshing -------------------------------------------------------------------------

    def action_refresh_view(self) -> None:
        feeds = [s for s in self.subscriptions if self.view.includes(s)]
        self._start_refresh(feeds)

    def action_refresh_all(self) -> None:
        self._start_refresh(list(self.subscriptions))

    def _start_refresh(self, feeds: list[Subscription]) -> None:
        if self.progress is not None:
            self.notify("A refresh is already running.")
            return
        if not feeds:
            self.notify("No feeds to refresh. Press a to add one.")
            return
        self.progress = Progress(0, len(feeds), "")
        self._refresh(feeds)

    @work(exclusive=True, group="refresh", exit_on_error=False)
    async def _refresh(self, feeds: list[Subscription]) -> None:
        """Fetch feeds; each finished feed is posted as it lands."""
        done = 0

        def finished(outcome: FeedOutcome) -> None:
            nonlocal done
            done += 1
            self.post_message(FeedRefreshed(outcome))
            self.post_message(RefreshProgress(done, len(feeds), _outcome_line(outcome)))

        async with self._client_factory() as client:
            with parse_executor(len(feeds)) as executor:
                summary = await refresh_feeds(
                    self._store, Fetcher(client), feeds, on_outcome=finished, executor=executor
                )
        self.post_message(RefreshFinished(summary))

    @on(RefreshProgress)
    def _show_progress(self, message: RefreshProgress) -> None:
        if self.progress is not None:
            self.progress = Progress(message.done, message.total, message.text)

    @on(FeedRefreshed)
    def _feed_refreshed(self, message: FeedRefreshed) -> None:
        self._load_summary(message.outcome.url)
        if message.outcome.outcome == "updated" and self._reload_timer is None:
            self._reload_timer = self.set_timer(0.5, self._reload_after_refresh)

    def _reload_after_refresh(self) -> None:
        self._reload_timer = None
        self._reload_view()

    @work(thread=True, group="summaries", exit_on_error=False)
    def _load_summary(self, url: str) -> None:
        self.post_message(SummaryLoaded(url, self._store.summary(url)))

    @on(RefreshFinished)
    def _refresh_finished(self, message: RefreshFinished) -> None:
        self.progress = None
        summary = message.summary
        failed = summary.failed
        self.notify(
            summary.line(),
            title="Refreshed",
            severity="warning" if failed else "information",
            markup=False,
        )
        if failed:
            names = ", ".join(clean_line(outcome.title) for outcome in failed[:3])
            more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
            self.notify(
                f"{len(failed)} feed{'' if len(failed) == 1 else 's'} failed: {names}{more}. "
                "The feeds pane marks them with !",
                severity="warning",
                markup=False,
            )
        self._load_cache()

    @on(Worker.StateChanged)
    def _worker_ended(self, event: Worker.StateChanged) -> None:
        # StateChanged does not bubble: hand errors to the app's one reporting handler.
        if event.state == WorkerState.ERROR:
            self.app.post_message(Worker.StateChanged(event.worker, event.state))
        if event.worker.group == "refresh" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self.progress = None
            self._load_cache()

    # -- subscriptions ----------------------------------------------------------------------

    def feed_titles(self) -> list[tuple[str, str]]:
        """(url, title) of every feed in tree order, for the command palette."""
        titles = titles_by_url(self.subscriptions, self.summaries)
        return [(s.url, titles[s.url]) for s in tree_order(self.subscriptions)]

    def action_go_to_feed(self, url: str) -> None:
        """Show a feed's posts (from the command palette)."""
        self.view = View("feed", url=url)
        self._feeds.show_view(self.view)
        self._entry_list.focus()

    def action_add_feed(self) -> None:
        prompt = TextPrompt("Subscribe to a feed, or a site that links one:", "https://…")
        self.app.push_screen(prompt, self._add_feed)

    def _add_feed(self, url: str | None) -> None:
        if url and url.strip():
            self._subscribe(url.strip())

    @work(group="subscribe", exit_on_error=False)
    async def _subscribe(self, url: str) -> None:
        self.notify(f"Looking for a feed at {url}…", markup=False)
        try:
            async with self._client_factory() as client:
                found = await resolve_feed(url, Fetcher(client))
        except SubscribeError as error:
            self.notify(str(error), title="Not subscribed", severity="error", markup=False)
            return
        folder = self.view.folder if self.view.kind == "folder" else ()
        subscription = Subscription(found.url, clean_line(found.title), folder, found.site_url)
        added = await asyncio.to_thread(self._store.add_subscriptions, [subscription])
        if not added:
            self.notify(f"Already subscribed to {found.url}", severity="warning", markup=False)
            return
        self.notify(clean_line(found.title) or found.url, title="Subscribed", markup=False)
        self._load_cache()
        self._start_refresh(added)

    def action_remove_feed(self) -> None:
        if self.view.kind != "feed":
            return
        url = self.view.url
        question = f"Unsubscribe from {self._view_title(self.view)}? Its posts and marks go too."
        self.app.push_screen(Confirm(question), lambda yes: self._confirmed_removal(url, yes))

    def _confirmed_removal(self, url: str, yes: bool | None) -> None:
        if yes:
            self._remove_feed(url)

    @work(thread=True, group="subscriptions", exit_on_error=False)
    def _remove_feed(self, url: str) -> None:
        removed = self._store.remove_subscription(url)
        if removed is not None:
            title = clean_line(removed.title) or removed.url
            self.notify(title, title="Unsubscribed", markup=False)
        self.post_message(CacheLoaded(tuple(self._store.subscriptions()), self._store.summaries()))

    def action_import_opml(self) -> None:
        prompt = TextPrompt("Import subscriptions from an OPML file:", "~/subscriptions.opml")
        self.app.push_screen(prompt, self._import_typed)

    def _import_typed(self, path: str | None) -> None:
        if path and path.strip():
            self._import(path)

    @work(thread=True, group="subscriptions", exit_on_error=False)
    def _import(self, typed: str) -> None:
        path = Path(typed.strip()).expanduser()
        try:
            found = parse_opml(path.read_bytes(), str(path))
        except OSError as error:
            self.notify(
                f"{path}: {error.strerror or error}",
                title="Not imported",
                severity="error",
                markup=False,
            )
            return
        except OpmlError as error:
            self._fail(str(error), "Not imported")
            return
        added = self._store.add_subscriptions(found)
        self.notify(f"Imported {len(added)} new of {len(found)} feeds from {path}", markup=False)
        self.post_message(CacheLoaded(tuple(self._store.subscriptions()), self._store.summaries()))
        if added:
            self.app.call_from_thread(self._start_refresh, added)

    def action_export_opml(self) -> None:
        prompt = TextPrompt("Export subscriptions as OPML to:", value=DEFAULT_EXPORT)
        self.app.push_screen(prompt, self._export_typed)

    def _export_typed(self, path: str | None) -> None:
        if path and path.strip():
            self._export(path)

    @work(thread=True, group="subscriptions", exit_on_error=False)
    def _export(self, typed: str) -> None:
        path = Path(typed.strip()).expanduser()
        subscriptions = self._store.subscriptions()
        try:
            write_bytes_atomic(path, write_opml(subscriptions))
        except OSError as error:
            self.notify(
                f"{path}: {error.strerror or error}",
                title="Not exported",
                severity="error",
                markup=False,
            )
            return
        self.notify(f"Exported {len(subscriptions)} feeds to {path}", markup=False)

    def _fail(self, message: str, title: str) -> None:
        self.notify(message, title=title, severity="error", markup=False)

    # -- panes, filter, layout --------------------------------------------------------------

    def _panes(self) -> list[Widget]:
        return [self._feeds, self._entry_list, self._reader]

    def _pane_index(self) -> int:
        if self._feeds.has_focus:
            return 0
        if self.query_one("#entries-pane").has_focus_within:
            return 1
        return 2 if self._reader.has_focus_within else -1

    def action_next_pane(self) -> None:
        self._panes()[(self._pane_index() + 1) % 3].focus()

    def action_previous_pane(self) -> None:
        self._panes()[(self._pane_index() - 1) % 3].focus()

    def action_back(self) -> None:
        """Escape: clear the filter, or go back a pane (reader → posts → feeds)."""
        if self._filter_input.has_focus or (self._entry_list.has_focus and self.entry_filter):
            self._filter_input.value = ""
            self._filter_input.remove_class("-shown")
            self._entry_list.focus()
        elif self._reader.has_focus_within:
            self._entry_list.focus()
        elif self._entry_list.has_focus:
            self._feeds.focus()

    def action_filter(self) -> None:
        self._filter_input.add_class("-shown")
        self._filter_input.focus()

    @on(Input.Changed, "#entry-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.entry_filter = event.value

    @on(Input.Submitted, "#entry-filter")
    def _filter_submitted(self) -> None:
        if not self.entry_filter:
            self._filter_input.remove_class("-shown")
        self._entry_list.focus()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self._key_help()))

    def _key_help(self) -> list[tuple[str, str]]:
        bindings = [*EntryList.BINDINGS, *self.BINDINGS]
        keys: list[tuple[str, str]] = []
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            shown = ", ".join(
                self.app.get_key_display(replace(binding, key=key.strip()))
                for key in binding.key.split(",")
            )
            keys.append((shown, binding.tooltip or binding.description))
        return keys

    def action_resize(self, direction: int) -> None:
        """`<` and `>`: narrow or widen the focused pane (remembered)."""
        index = self._pane_index()
        if index == 0:
            name, width = "feeds_width", self._settings.feeds_width + direction * RESIZE_STEP
        else:
            # Widening the reader narrows the entries beside it.
            sign = 1 if index == 1 else -1
            name = "entries_width"
            width = self._settings.entries_width + sign * direction * RESIZE_STEP
        self._settings = Settings.from_json({**self._settings.to_json(), name: width})
        self._apply_widths()
        self._save_settings(self._settings)

    def _apply_widths(self) -> None:
        self._feeds.styles.width = self._settings.feeds_width
        self.query_one("#entries-pane").styles.width = self._settings.entries_width

    def _theme_changed(self, _theme: object) -> None:
        if self.app.theme != self._settings.theme:
            self._settings = self._settings.evolve(theme=self.app.theme)
            self._save_settings(self._settings)

    @work(thread=True, group="settings", exit_on_error=False)
    def _save_settings(self, settings: Settings) -> None:
        settings.save(self._store.paths)


def _outcome_line(outcome: FeedOutcome) -> str:
    """`Title: 3 new`, `Title: failed (404 Not Found)`…, one line of cleaned text."""
    title = clean_line(outcome.title)
    if outcome.outcome == "updated":
        return f"{title}: {outcome.new_entries} new"
    if outcome.outcome == "failed":
        return f"{title}: failed ({clean_line(outcome.error)})"
    return f"{title}: {outcome.outcome}"
