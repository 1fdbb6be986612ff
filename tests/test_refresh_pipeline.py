"""A refresh keeps a bounded number of feeds between fetch and store, so memory stays flat."""

from __future__ import annotations

import asyncio

import pytest

from feedtui.core import refresh
from feedtui.core.models import Subscription
from feedtui.core.paths import Paths
from feedtui.core.store import Store


async def test_feeds_in_flight_are_bounded(monkeypatch: pytest.MonkeyPatch, paths: Paths) -> None:
    monkeypatch.setattr(refresh, "FEEDS_IN_FLIGHT", 3)
    active = peak = 0

    async def one_feed(
        store: Store, fetcher: object, subscription: Subscription, **_: object
    ) -> refresh.FeedOutcome:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.01)
        active -= 1
        return refresh.FeedOutcome(subscription.url, subscription.title, "unchanged")

    monkeypatch.setattr(refresh, "refresh_one", one_feed)
    store = Store(paths)
    feeds = [Subscription(f"https://h{n}.example/feed.xml", f"Feed {n}") for n in range(20)]
    store.add_subscriptions(feeds)
    summary = await refresh.refresh_feeds(store, None, feeds)  # type: ignore[arg-type]
    assert len(summary.outcomes) == 20
    assert peak == 3
