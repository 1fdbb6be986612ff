"""What a refresh reads and writes: unchanged feeds cost a request each and nothing else."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from feedtui.core import jsonfile
from feedtui.core import refresh as refresh_module
from feedtui.core.fetch import Fetcher, make_client
from feedtui.core.models import Subscription, utc_now
from feedtui.core.paths import Paths
from feedtui.core.refresh import CHECKS_BATCH, FeedOutcome, refresh_feeds
from feedtui.core.store import Store
from feedtui.core.stories import StoryIndex, journal_file, stories_file
from support.server import FeedServer, feed_server  # noqa: F401

ETAG = '"v1"'


def rss(name: str, count: int) -> bytes:
    when = utc_now() - timedelta(hours=1)
    items = "".join(
        f"<item><guid>{name}-{n}</guid><title>{name} post {n}</title>"
        f"<pubDate>{(when - timedelta(minutes=n)).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
        f"</pubDate><description>body {n}</description></item>"
        for n in range(count)
    )
    return f"<rss version='2.0'><channel><title>{name}</title>{items}</channel></rss>".encode()


async def refresh(store: Store, feeds: list[Subscription]) -> None:
    async with make_client() as client:
        await refresh_feeds(store, Fetcher(client), feeds)


def stamps(root: Path) -> dict[Path, tuple[int, int]]:
    return {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def feeds(feed_server: FeedServer) -> list[Subscription]:  # noqa: F811
    subscriptions = []
    for name in ("alpha", "beta", "gamma"):
        feed_server.feed(f"/{name}.xml", rss(name, 4), etag=ETAG)
        subscriptions.append(Subscription(feed_server.url(f"/{name}.xml")))
    return subscriptions


async def test_an_all_304_refresh_reads_no_entries_and_writes_only_the_index(
    paths: Paths, feeds: list[Subscription], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(paths)
    store.add_subscriptions(feeds)
    await refresh(store, feeds)
    before = stamps(paths.data)
    first_checked = {url: s.state.last_checked for url, s in store.summaries().items()}
    read: list[Path] = []
    real_read = jsonfile.read_json

    def counting_read(path: Path) -> dict[str, object] | None:
        read.append(path)
        return real_read(path)

    monkeypatch.setattr("feedtui.core.store.read_json", counting_read)
    monkeypatch.setattr("feedtui.core.stories.read_json", counting_read)
    again = Store(paths)  # a new process: nothing cached in memory
    await refresh(again, feeds)
    changed = {p.name for p, stamp in stamps(paths.data).items() if before.get(p) != stamp}
    assert changed <= {"index.json", paths.lock.name}
    assert [p.name for p in read if p.parent != paths.data] == []
    # The 304s are recorded (in one batch) and written: a new process sees them.
    summaries = Store(paths).summaries()
    assert all(s.state.status == "unchanged" for s in summaries.values())
    assert all(s.state.last_checked > first_checked[url] for url, s in summaries.items())


async def test_counts_after_a_refresh_need_no_entries_file(
    paths: Paths, feeds: list[Subscription], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(paths)
    store.add_subscriptions(feeds)
    await refresh(store, feeds)
    monkeypatch.setattr(Store, "_recount", lambda *args: pytest.fail("counts were recomputed"))
    summaries = Store(paths).summaries()
    assert [summaries[f.url].unread for f in feeds] == [4, 4, 4]
    assert summaries[feeds[0].url].state.etag == ETAG


async def test_marking_read_after_a_refresh_still_updates_the_counts(
    paths: Paths, feeds: list[Subscription]
) -> None:
    store = Store(paths)
    store.add_subscriptions(feeds)
    await refresh(store, feeds)
    store.set_read(feeds[1].url, ["beta-0", "beta-1"])
    await refresh(store, feeds)
    assert Store(paths).summaries()[feeds[1].url].unread == 2


async def test_a_refresh_with_new_entries_appends_to_the_journal_only(
    paths: Paths,
    feed_server: FeedServer,  # noqa: F811
) -> None:
    link = "<link>https://news.example/launch</link>"
    first = rss("beta", 2).replace(b"<guid>beta-0</guid>", f"<guid>beta-0</guid>{link}".encode())
    feed_server.feed("/alpha.xml", rss("alpha", 2), etag=ETAG)
    feed_server.feed("/beta.xml", first, etag=ETAG)
    feeds = [Subscription(feed_server.url(f"/{name}.xml")) for name in ("alpha", "beta")]
    store = Store(paths)
    store.add_subscriptions(feeds)
    await refresh(store, feeds)
    snapshot = stories_file(paths).stat()
    second = rss("alpha", 3).replace(
        b"<guid>alpha-0</guid>", f"<guid>alpha-0</guid>{link}".encode()
    )
    feed_server.feed("/alpha.xml", second.replace(b"alpha-0", b"alpha-new"), etag='"v2"')
    await refresh(store, feeds)
    after = stories_file(paths).stat()
    assert (after.st_ino, after.st_mtime_ns) == (snapshot.st_ino, snapshot.st_mtime_ns)
    assert journal_file(paths).stat().st_size > 0
    stories = StoryIndex(paths, Store(paths)).stories()  # a new process replays the journal
    members = [{entry_id for _, entry_id in story.members} for story in stories]
    assert any({"alpha-new", "beta-0"} <= ids for ids in members)


@pytest.mark.parametrize(("batch", "wait"), [(CHECKS_BATCH, 1e9), (10_000, -1.0)])
async def test_feeds_answering_304_lose_their_error_while_the_refresh_goes_on(
    paths: Paths,
    feed_server: FeedServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    batch: int,
    wait: float,
) -> None:
    count = CHECKS_BATCH + 8
    feeds = []
    for n in range(count):
        feed_server.feed(f"/f{n}.xml", rss(f"f{n}", 1), etag=ETAG)
        feeds.append(Subscription(feed_server.url(f"/f{n}.xml")))
    store = Store(paths)
    store.add_subscriptions(feeds)
    await refresh(store, feeds)
    for feed in feeds:  # the last refresh failed for every feed
        store.record_status(feed.url, status="error", error="HTTP 503", last_checked=utc_now())
    # Only the size bound, then only the time bound (every outcome waited "too long").
    monkeypatch.setattr(refresh_module, "CHECKS_BATCH", batch)
    monkeypatch.setattr(refresh_module, "CHECKS_WAIT", wait)
    unchanged_when: list[int] = []

    def on_outcome(outcome: FeedOutcome) -> None:
        summaries = store.summaries()
        unchanged_when.append(sum(s.state.status == "unchanged" for s in summaries.values()))

    async with make_client() as client:
        await refresh_feeds(store, Fetcher(client), feeds, on_outcome=on_outcome)
    if wait < 0:  # each outcome is announced once its 304 is stored
        assert all(stored >= shown for shown, stored in enumerate(unchanged_when, start=1))
    else:  # a full batch is stored before the outcome that filled it is announced
        assert max(unchanged_when) >= CHECKS_BATCH
    assert all(s.state.status == "unchanged" for s in Store(paths).summaries().values())
