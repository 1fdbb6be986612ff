"""`feedtui refresh`: a progress line on a terminal, plain lines otherwise, then a summary."""

from __future__ import annotations

import asyncio
import sys
import unicodedata
from typing import TextIO

from feedtui.core.fetch import Fetcher, make_client
from feedtui.core.models import Subscription
from feedtui.core.parse_workers import ParseWorkers
from feedtui.core.refresh import FeedOutcome, RefreshSummary, refresh_feeds
from feedtui.core.sanitize import clean_line
from feedtui.core.store import Store

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


STATUS_WIDTH = 60
"""Terminal cells of the rewritten status line."""


def fit_cells(text: str, width: int) -> str:
    """`text` cut and padded to exactly `width` terminal cells; a wide (CJK) character is two."""
    out, used = [], 0
    for char in text:
        cells = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used + cells > width:
            break
        out.append(char)
        used += cells
    return "".join(out) + " " * (width - used)


class ProgressPrinter:
    """Reports each finished feed: one rewritten status line on a TTY, a line each otherwise."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.live = stream.isatty()

    def __call__(self, outcome: FeedOutcome) -> None:
        self.done += 1
        title = clean_line(outcome.title)
        if self.live:
            line = fit_cells(f"[{self.done}/{self.total}] {title}", STATUS_WIDTH)
            self.stream.write(f"\r{line}")
        else:
            detail = f" (+{outcome.new_entries})" if outcome.new_entries else ""
            self.stream.write(f"{outcome.outcome:<9} {title}{detail}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.live and self.done:
            self.stream.write("\r" + " " * STATUS_WIDTH + "\r")
            self.stream.flush()


def run_refresh(store: Store, only_url: str | None) -> int:
    """Refresh all feeds (or one) and print the outcome; 1 when any feed failed."""
    subscriptions = store.subscriptions()
    if only_url is not None:
        wanted = store.subscription(only_url)
        if wanted is None:
            print(f"feedtui: not subscribed to {only_url}", file=sys.stderr)
            return EXIT_USAGE
        subscriptions = [wanted]
    progress = ProgressPrinter(len(subscriptions), sys.stderr)
    try:
        summary = asyncio.run(_refresh(store, subscriptions, progress))
    finally:
        progress.finish()
    print(summary.line())
    for failed in summary.failed:
        print(
            f"  {clean_line(failed.title)} <{clean_line(failed.url)}>: {clean_line(failed.error)}"
        )
    return EXIT_FAILED if summary.failed else EXIT_OK


async def _refresh(
    store: Store, subscriptions: list[Subscription], progress: ProgressPrinter
) -> RefreshSummary:
    with ParseWorkers() as parsers:
        async with make_client() as client:
            return await refresh_feeds(
                store, Fetcher(client), subscriptions, on_outcome=progress, parsers=parsers
            )
