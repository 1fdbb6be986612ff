"""Refreshing feeds from the main screen: the refresh worker and the messages it posts."""

from __future__ import annotations

from textual import on, work
from textual.worker import Worker, WorkerState

from feedtui.core.fetch import Fetcher
from feedtui.core.models import Subscription
from feedtui.core.refresh import FeedOutcome, refresh_feeds
from feedtui.core.sanitize import clean_line
from feedtui.ui.messages import FeedRefreshed, RefreshFinished, RefreshProgress
from feedtui.ui.screens.main_base import MainScreenBase
from feedtui.ui.widgets.refresh_status import Progress

RELOAD_DELAY = 0.5
"""Seconds to gather updated feeds before the entries pane reloads once for all of them."""
SUMMARY_DELAY = 0.2
"""Seconds to gather refreshed feeds before their counts are read and shown at once: relabelling
the feeds pane for each of 1,000 outcomes held the event loop for seconds."""


class RefreshingMixin(MainScreenBase):
    """r and R: one refresh at a time, progress in the status line, results as they land."""

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
            self.post_message(RefreshProgress(done, len(feeds), outcome_line(outcome)))

        async with self._client_factory() as client:
            summary = await refresh_feeds(
                self._store, Fetcher(client), feeds, on_outcome=finished, parsers=self._parsers
            )
        self.post_message(RefreshFinished(summary))

    @on(RefreshProgress)
    def _show_progress(self, message: RefreshProgress) -> None:
        if self.progress is not None:
            self.progress = Progress(message.done, message.total, message.text)

    @on(FeedRefreshed)
    def _feed_refreshed(self, message: FeedRefreshed) -> None:
        self._refreshed.add(message.outcome.url)
        if self._summary_timer is None:
            self._summary_timer = self.set_timer(SUMMARY_DELAY, self._show_refreshed)
        if message.outcome.outcome == "updated" and self._reload_timer is None:
            self._reload_timer = self.set_timer(RELOAD_DELAY, self._reload_after_refresh)

    def _show_refreshed(self) -> None:
        self._summary_timer = None
        urls, self._refreshed = self._refreshed, set()
        self._load_summaries(urls)

    def _reload_after_refresh(self) -> None:
        self._reload_timer = None
        self._reload_view()

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
        if (
            failed
            and len(failed) == len(summary.outcomes)
            and all(outcome.error.startswith(UNREACHABLE) for outcome in failed)
        ):
            self.notify(
                "No feed could be reached: you seem to be offline. "
                "Everything cached is here to read; press R to try again.",
                title="Offline",
                severity="warning",
                markup=False,
            )
        elif failed:
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
    def _refresh_stopped(self, event: Worker.StateChanged) -> None:
        """A refresh that failed or was cancelled posts no RefreshFinished: tidy up here."""
        if event.worker.group == "refresh" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self.progress = None
            self._load_cache()


UNREACHABLE = (
    "DNS lookup failed",
    "connection refused",
    "timed out connecting",
    "could not connect",
    "network error",
)
"""How `describe_error` begins when the network, not the feed, failed."""


def outcome_line(outcome: FeedOutcome) -> str:
    """`Title: 3 new`, `Title: failed (404 Not Found)`…, one line of cleaned text."""
    title = clean_line(outcome.title)
    if outcome.outcome == "updated":
        return f"{title}: {outcome.new_entries} new"
    if outcome.outcome == "failed":
        return f"{title}: failed ({clean_line(outcome.error)})"
    return f"{title}: {outcome.outcome}"
