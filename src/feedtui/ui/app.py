"""The feedtui application: loads settings, shows the main screen, reports what goes wrong."""

from __future__ import annotations

import contextlib
import os

from textual import on
from textual.app import App
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from feedtui.core.fetch import make_client
from feedtui.core.jsonfile import CorruptFileError
from feedtui.core.models import utc_now
from feedtui.core.store import Store
from feedtui.ui.screens.main import ClientFactory, Clock, MainScreen
from feedtui.ui.settings import Settings


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
    ) -> None:
        """Args:
        store: Where subscriptions, posts and marks live.
        fetcher_factory: Makes the HTTP client for refreshes and new subscriptions.
        refresh_on_start: Refresh at start-up (True/False), or None to refresh when the last
            refresh is older than the settings allow.
        clock: Tells the time (aware UTC).
        """
        super().__init__()
        self.store = store
        self._fetcher_factory = fetcher_factory
        self._refresh_on_start = refresh_on_start
        self._clock = clock
        self._settings_problem = ""
        self.settings = Settings.load(store.paths, on_corrupt=self._settings_corrupt)

    def _settings_corrupt(self, error: CorruptFileError) -> None:
        self._settings_problem = str(error)

    def get_default_screen(self) -> Screen[None]:
        return MainScreen(
            self.store,
            self.settings,
            client_factory=self._fetcher_factory,
            clock=self._clock,
            refresh_on_start=self._refresh_on_start,
        )

    def on_mount(self) -> None:
        if self._settings_problem:
            self.notify(
                self._settings_problem, title="Settings reset", severity="warning", markup=False
            )

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
            f"{what} failed: {type(error).__name__}: {error}",
            title="Something went wrong",
            severity="error",
            markup=False,
            timeout=10,
        )


def run_app(store: Store) -> int:
    """Run the reader until the user quits; returns the exit status."""
    _start_resource_tracker()
    app = FeedtuiApp(store)
    app.run()
    store.flush()
    return app.return_code or 0


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker while the real stderr is still in place.

    Big refreshes parse in spawned processes (`parse_executor`). The tracker starts on first
    use and passes `sys.stderr.fileno()` to its child; inside the app that is Textual's
    capture, whose fileno is -1, and the spawn fails with "bad value(s) in fds_to_keep".
    """
    if os.name != "posix":
        return
    from multiprocessing import resource_tracker

    with contextlib.suppress(Exception):
        resource_tracker.ensure_running()


__all__ = ["FeedtuiApp", "run_app"]
