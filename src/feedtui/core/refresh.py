"""Refreshing feeds: fetch concurrently, parse off the event loop, store each as it lands.

Knows nothing of any UI: it reports each finished feed through a callback, like a sync engine.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from feedtui.core.fetch import Fetcher, FetchResult
from feedtui.core.models import Entry, Subscription, utc_now
from feedtui.core.parse import NotAFeedError
from feedtui.core.parse_workers import ParseWorkers, parse_off_loop
from feedtui.core.store import MergeResult, Store
from feedtui.core.stories import story_index

Outcome = Literal["updated", "unchanged", "failed", "skipped"]
T = TypeVar("T")

CHECKS_BATCH = 32
"""304s recorded together, or as soon as the oldest waits `CHECKS_WAIT` s: a thread hop each cost
a warm refresh a sixth, yet a feed that answers again should lose its error while the refresh
goes on."""
CHECKS_WAIT = 0.1
FEEDS_IN_FLIGHT = 48
"""Feeds between fetch and store at once. Fetching outruns parsing, so without a bound every
fetched body would wait in memory for the parser (1,000 feeds: 300 MB)."""


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """How refreshing one feed went."""

    url: str
    """The feed's URL after the refresh (a permanent redirect changes it)."""
    title: str
    """The name to show for the feed."""
    outcome: Outcome
    """updated (new content), unchanged (304 or same entries), failed, or skipped (gone/waiting)."""
    new_entries: int = 0
    """How many entries were not seen before."""
    error: str = ""
    """Why it failed, one short line."""


@dataclass(frozen=True, slots=True)
class RefreshSummary:
    """The outcomes of one refresh, in completion order."""

    outcomes: tuple[FeedOutcome, ...]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def failed(self) -> list[FeedOutcome]:
        return [o for o in self.outcomes if o.outcome == "failed"]

    def line(self) -> str:
        """`N feeds: A updated, B unchanged, C failed`."""
        unchanged = self.count("unchanged") + self.count("skipped")
        return (
            f"{len(self.outcomes)} feeds: {self.count('updated')} updated, "
            f"{unchanged} unchanged, {self.count('failed')} failed"
        )


class StoreThread:
    """The one thread a refresh does its store work in, in order.

    Every write holds the data directory's lock anyway; handed to a pool, a dozen feeds'
    writes queued for it in as many threads, and that contention was a third of a cold
    refresh's system time.
    """

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="feedtui-store")

    async def run(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(func, *args, **kwargs))

    def close(self) -> None:
        self._executor.shutdown(wait=False)


def display_title(subscription: Subscription, feed_title: str = "") -> str:
    """The user's title, else the feed's own, else the host name: never an entry title."""
    return (
        subscription.title or feed_title or urlsplit(subscription.url).hostname or subscription.url
    )


async def refresh_feeds(
    store: Store,
    fetcher: Fetcher,
    subscriptions: Iterable[Subscription],
    *,
    on_outcome: Callable[[FeedOutcome], None] | None = None,
    parsers: ParseWorkers | None = None,
    now: datetime | None = None,
) -> RefreshSummary:
    """Refresh the given feeds concurrently; every feed's failure stays its own.

    Args:
        parsers: the processes that parse within time and memory bounds. Without them
            documents parse in a thread, unbounded: only for documents that are trusted.
    """
    subscriptions = list(subscriptions)
    writer = StoreThread()
    try:
        return await _refresh_all(store, fetcher, subscriptions, on_outcome, parsers, now, writer)
    finally:
        writer.close()


async def _refresh_all(
    store: Store,
    fetcher: Fetcher,
    subscriptions: list[Subscription],
    on_outcome: Callable[[FeedOutcome], None] | None,
    parsers: ParseWorkers | None,
    now: datetime | None,
    writer: StoreThread,
) -> RefreshSummary:
    summaries = await writer.run(store.summaries)
    outcomes: list[FeedOutcome] = []
    in_flight = asyncio.Semaphore(FEEDS_IN_FLIGHT)
    checks: list[tuple[str, datetime]] = []
    loop = asyncio.get_running_loop()
    recorded_at = loop.time()

    async def record_checks() -> None:
        nonlocal recorded_at
        batch = checks[:]
        checks.clear()
        recorded_at = loop.time()
        await writer.run(store.record_unchanged, batch)

    def finish() -> None:
        try:
            store.record_unchanged(checks)
        finally:
            store.flush()

    async def one(subscription: Subscription) -> None:
        async with in_flight:
            await refresh_or_skip(subscription)

    async def refresh_or_skip(subscription: Subscription) -> None:
        summary = summaries.get(subscription.url)
        state = summary.state if summary else None
        moment = now or utc_now()
        waiting = state is not None and state.retry_after is not None and state.retry_after > moment
        if waiting or (state is not None and state.status == "gone"):
            outcome = FeedOutcome(subscription.url, display_title(subscription), "skipped")
        else:
            # The index already holds the validators: no entries file is read to learn them.
            validators = (state.etag, state.last_modified) if state else None
            try:
                outcome = await refresh_one(
                    store,
                    fetcher,
                    subscription,
                    parsers=parsers,
                    validators=validators,
                    checks=checks,
                    writer=writer,
                )
            except Exception as error:  # noqa: BLE001 - one feed's bug must not stop the others
                outcome = FeedOutcome(
                    subscription.url,
                    display_title(subscription),
                    "failed",
                    error=f"internal error: {type(error).__name__}: {error}"[:300],
                )
        if len(checks) >= CHECKS_BATCH or (checks and loop.time() - recorded_at > CHECKS_WAIT):
            await record_checks()
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    try:
        async with asyncio.TaskGroup() as group:
            for subscription in subscriptions:
                group.create_task(one(subscription))
    finally:
        await writer.run(finish)
        # Only new entries touch the stories: an all-304 refresh neither loads nor rewrites them.
        if any(outcome.new_entries for outcome in outcomes):
            await writer.run(story_index(store).sync)
    return RefreshSummary(tuple(outcomes))


async def refresh_one(
    store: Store,
    fetcher: Fetcher,
    subscription: Subscription,
    *,
    parsers: ParseWorkers | None = None,
    validators: tuple[str, str] | None = None,
    checks: list[tuple[str, datetime]],
    writer: StoreThread,
) -> FeedOutcome:
    """Fetch, parse and store one feed; any failure becomes a `failed` outcome.

    Args:
        validators: the (ETag, Last-Modified) to send, when the caller knows them already.
        checks: where a 304's (URL, time) is left for the caller to record with others.
        writer: where the store is written.
    """
    url = subscription.url
    title = display_title(subscription)
    if validators is None:
        validators = await writer.run(store.validators, url)
    etag, last_modified = validators
    result = await fetcher.fetch(url, etag=etag, last_modified=last_modified)
    checked = utc_now()
    if result.kind == "not_modified":
        checks.append((url, checked))
        return FeedOutcome(url, title, "unchanged")
    if result.kind != "ok":
        return await _record_failure(store, subscription, result, checked, writer)
    try:
        parsed = await parse_off_loop(
            parsers, result.content, url=result.final_url or url, headers=result.headers
        )
    except NotAFeedError as error:
        await writer.run(
            store.record_status, url, status="error", error=str(error), last_checked=checked
        )
        return FeedOutcome(url, title, "failed", error=str(error))
    if result.permanent_url and result.permanent_url != url:
        await writer.run(store.move_subscription, url, result.permanent_url)
        url = result.permanent_url
    merged = await writer.run(
        _store_parsed,
        store,
        url,
        [(item.entry, item.body) for item in parsed.entries],
        etag=result.headers.get("etag", ""),
        last_modified=result.headers.get("last-modified", ""),
        feed_title=parsed.title,
        site_url=parsed.site_url,
        warning=parsed.warning,
        encoding=parsed.encoding,
        now=checked,
    )
    title = display_title(subscription, parsed.title)
    kind: Outcome = "updated" if merged.new_entries else "unchanged"
    return FeedOutcome(url, title, kind, new_entries=merged.new_entries)


def _store_parsed(
    store: Store, url: str, fetched: list[tuple[Entry, str]], *, now: datetime, **state: str
) -> MergeResult:
    """Merge the entries, then group the new ones into stories: one trip to the store thread."""
    merged = store.merge_entries(url, fetched, now=now, **state)
    if merged.added:
        story_index(store).add_entries(merged.added, now)
    return merged


async def _record_failure(
    store: Store,
    subscription: Subscription,
    result: FetchResult,
    checked: datetime,
    writer: StoreThread,
) -> FeedOutcome:
    title = display_title(subscription)
    status = "gone" if result.kind == "gone" else "error"
    await writer.run(
        store.record_status,
        subscription.url,
        status=status,
        error=result.error,
        last_checked=checked,
        retry_after=result.retry_after,
    )
    return FeedOutcome(subscription.url, title, "failed", error=result.error)
