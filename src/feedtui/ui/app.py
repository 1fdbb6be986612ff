"""The feedtui application: loads settings, shows the main screen, reports what goes wrong."""

from __future__ import annotations

import os
import sys
import time

from textual import on
from textual.app import App
from textual.screen import Screen
from textual.worker import Worker, WorkerState

import feedtui
from feedtui.core.fetch import make_client
from feedtui.core.jsonfile import CorruptFileError
from feedtui.core.models import utc_now
from feedtui.core.parse_workers import ParseWorkers
from feedtui.core.sanitize import clean_line
from feedtui.core.store import Store
from feedtui.ui.messages import CacheLoaded, EntriesLoaded
from feedtui.ui.screens.main import ClientFactory, Clock, MainScreen
from feedtui.ui.settings import Settings
from feedtui.ui.widgets.feed_list import ALL_UNREAD

BENCH_EXIT_AFTER_PAINT = "FEEDTUI_BENCH_EXIT_AFTER_PAINT"
"""Set to 1 (by bench/run.py) to report the first paint of cached data and exit."""
BENCH_OPEN_VIEW = "FEEDTUI_BENCH_OPEN_VIEW"
"""Set to `all-unread` (by bench/run.py) to also time opening that view, then exit."""


class FeedtuiApp(App[int]):
    """A terminal feed reader over a `Store`."""

    CSS_PATH = "feedtui.tcss"
    TITLE = "feedtui"

    def __init__(
        self,
        store: Store,
        *,
        fetcher_factory: ClientFactory = make_client,
        refresh_on_start: bool | None = None,
        clock: Clock = utc_now,
        parsers: ParseWorkers | None = None,
    ) -> None:
        """Args:
        store: Where subscriptions, posts and marks live.
        fetcher_factory: Makes the HTTP client for refreshes and new subscriptions.
        parsers: The parser processes to use; by default the app starts its own when a
            refresh first needs them and stops them when it exits.
        refresh_on_start: Refresh at start-up (True/False), or None to refresh when the last
            refresh is older than the settings allow.
        clock: Tells the time (aware UTC).
        """
        super().__init__()
        self.store = store
        self._fetcher_factory = fetcher_factory
        self._own_parsers = parsers is None
        self._parsers = ParseWorkers() if parsers is None else parsers
        self._bench_paint = os.environ.get(BENCH_EXIT_AFTER_PAINT) == "1"
        self._bench_view = os.environ.get(BENCH_OPEN_VIEW) == "all-unread"
        # A benchmark times the cache, never the network.
        bench = self._bench_paint or self._bench_view
        self._refresh_on_start = False if bench else refresh_on_start
        self._bench_cache_seen = False
        self._bench_painted = False
        self._bench_rows_seen = False
        self._bench_asked: float | None = None
        self._main_screen: MainScreen | None = None
        self._clock = clock
        self._settings_problem = ""
        self.settings = Settings.load(store.paths, on_corrupt=self._settings_corrupt)

    def _settings_corrupt(self, error: CorruptFileError) -> None:
        self._settings_problem = str(error)

    def get_default_screen(self) -> Screen[None]:
        self._main_screen = MainScreen(
            self.store,
            self.settings,
            client_factory=self._fetcher_factory,
            parsers=self._parsers,
            clock=self._clock,
            refresh_on_start=self._refresh_on_start,
        )
        return self._main_screen

    def on_mount(self) -> None:
        if self._settings_problem:
            self.notify(
                self._settings_problem, title="Settings reset", severity="warning", markup=False
            )

    def on_unmount(self) -> None:
        if self._own_parsers:
            self._parsers.close()

    @on(Worker.StateChanged)
    def _report_worker_error(self, event: Worker.StateChanged) -> None:
        """The one place an unexpected error in a background task reaches the user.

        Workers of screens and widgets report here too: their `Worker.StateChanged` does not
        bubble, so the main screen posts it on to the app.
        """
        error = event.worker.error
        if event.state != WorkerState.ERROR or error is None:
            return
        what = event.worker.name or "A background task"
        self.notify(
            f"{what} failed: {type(error).__name__}: {clean_line(str(error))}",
            title="Something went wrong",
            severity="error",
            markup=False,
            timeout=10,
        )

    # -- benchmark hooks (bench/run.py; never used otherwise) ---------------------------------
    # CacheLoaded and EntriesLoaded bubble up here after the main screen has shown them.

    @on(CacheLoaded)
    def _bench_cache_shown(self) -> None:
        if (self._bench_paint or self._bench_view) and not self._bench_cache_seen:
            self._bench_cache_seen = True
            self.call_after_refresh(self._bench_first_paint)

    def _bench_first_paint(self) -> None:
        self._bench_painted = True
        _bench_report(f"feedtui-first-paint {time.perf_counter() - feedtui.START:.6f}")
        if self._bench_view:
            self._bench_open_view()
        else:
            self.exit()

    @on(EntriesLoaded)
    def _bench_entries_shown(self, message: EntriesLoaded) -> None:
        if not self._bench_view:
            return
        if self._bench_asked is None:
            # The start-up view's rows: only now can a fresh load be told apart from it.
            self._bench_rows_seen = True
            self._bench_open_view()
        elif message.view == ALL_UNREAD:
            self._bench_view = False  # report once
            self.call_after_refresh(self._bench_view_painted, self._bench_asked, len(message.rows))

    def _bench_open_view(self) -> None:
        """Ask for "All unread" once the first paint and the start-up rows are both done."""
        screen = self._main_screen
        if self._bench_painted and self._bench_rows_seen and screen is not None:
            self._bench_asked = time.perf_counter()
            screen.select_view(ALL_UNREAD)

    def _bench_view_painted(self, asked: float, rows: int) -> None:
        _bench_report(f"feedtui-view-open {time.perf_counter() - asked:.6f}")
        _bench_report(f"feedtui-view-rows {rows}")
        self.exit()


def _bench_report(line: str) -> None:
    """Write one benchmark line to the real stderr (Textual captures `sys.stderr`).

    Textual draws the screen on that stream too, so the line starts on a line of its own.
    """
    stream = sys.__stderr__
    if stream is not None:
        stream.write("\n" + line + "\n")
        stream.flush()


def run_app(store: Store) -> int:
    """Run the reader until the user quits; returns the exit status."""
    app = FeedtuiApp(store)
    app.run()
    store.flush()
    return app.return_code or 0


__all__ = ["FeedtuiApp", "run_app"]
