"""Parse bounds: a document past the deadline or the memory bound fails on its own feed, its
parser process is replaced, the other feeds go on, and the app stays responsive meanwhile."""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from feedtui.core.fetch import Fetcher, make_client
from feedtui.core.models import Subscription
from feedtui.core.parse import NotAFeedError, ParsedFeed
from feedtui.core.parse_workers import ParseFailedError, ParseWorkers, _take_jobs
from feedtui.core.refresh import refresh_feeds
from feedtui.core.store import Store
from feedtui.ui.widgets.entry_list import EntryList
from support.feeds import rss
from support.server import FeedServer
from ui_support import feed_labels, main_screen, make_app, make_store, settle

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="only Linux enforces an address-space limit"
)


def slow_document(entries: int = 600) -> bytes:
    """A legitimate Atom feed that costs feedparser seconds: inline XHTML is parsed element by
    element (600 entries, 4 MB: 5 s on the 2-core VM this was written on)."""
    body = b"<p>Some <b>bold</b> and <i>italic</i> <a href='/x'>words</a>.</p>" * 100
    items = b"".join(
        b"<entry><id>g%d</id><title>Post %d</title><updated>2026-11-20T12:00:00Z</updated>"
        b"<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'>%s</div></content>"
        b"</entry>" % (n, n, body)
        for n in range(entries)
    )
    return b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Slow</title>' + items + b"</feed>"


def big_document(megabytes: int = 19) -> bytes:
    """A quick feed that still needs memory: one post of escaped text, many times its bytes once
    parsed (19 MB peaked near 170 MB)."""
    body = b"&lt;p&gt;" + b"word " * (megabytes * 200_000) + b"&lt;/p&gt;"
    return (
        b'<rss version="2.0"><channel><title>Big</title><item><guid>g</guid><title>Big</title>'
        b"<description>" + body + b"</description></item></channel></rss>"
    )


@pytest.fixture
def parsers() -> Iterator[ParseWorkers]:
    with ParseWorkers(1, deadline=0.3) as workers:
        yield workers


async def test_a_document_past_the_deadline_fails_and_its_process_is_replaced(
    parsers: ParseWorkers,
) -> None:
    with pytest.raises(ParseFailedError, match=r"took longer than 0\.3 s"):
        await parsers.parse(slow_document(), url="http://127.0.0.1/slow.xml")
    parsed = await parsers.parse(rss("Next", 2), url="http://127.0.0.1/next.xml")
    assert parsed.title == "Next"
    assert len(parsed.entries) == 2
    assert parsers.started == 2


async def test_documents_sent_behind_one_past_the_deadline_parse_in_a_new_process(
    parsers: ParseWorkers,
) -> None:
    # One process, fed ahead: "A" and "B" were in its pipe when it was killed.
    slow, first, second = await asyncio.gather(
        parsers.parse(slow_document(), url="http://127.0.0.1/slow.xml"),
        parsers.parse(rss("A", 1), url="http://127.0.0.1/a.xml"),
        parsers.parse(rss("B", 2), url="http://127.0.0.1/b.xml"),
        return_exceptions=True,
    )
    assert isinstance(slow, ParseFailedError) and "took longer" in str(slow)
    assert isinstance(first, ParsedFeed) and first.title == "A"
    assert isinstance(second, ParsedFeed) and len(second.entries) == 2
    assert parsers.started == 2


async def test_documents_bigger_than_a_pipe_go_back_to_back_to_one_process() -> None:
    # The next document is sent before the last answer is read: the process must keep taking
    # documents while its answer waits, or both sides block on full pipes.
    def document(name: str) -> bytes:
        body = b"&lt;p&gt;" + b"word " * 800_000 + b"&lt;/p&gt;"  # 4 MB each way
        return rss(name, 1).replace(b"</channel>", b"") + (
            b"<item><guid>big</guid><description>" + body + b"</description></item></channel>"
        )

    with ParseWorkers(1) as parsers:
        parsed = await asyncio.wait_for(
            asyncio.gather(
                *(parsers.parse(document(name), url=f"http://127.0.0.1/{name}") for name in "ABC")
            ),
            timeout=60,
        )
    assert [feed.title for feed in parsed] == ["A", "B", "C"]
    assert all(len(feed.entries) == 2 for feed in parsed)


def test_after_a_document_that_does_not_fit_the_pipe_is_still_read() -> None:
    # Else the parent, still sending, and the parser, answering, would wait on each other.
    parent, child = multiprocessing.Pipe()

    class Unaffordable:
        def recv(self) -> object:
            raise MemoryError

        def fileno(self) -> int:
            return child.fileno()

    sender = threading.Thread(target=parent.send_bytes, args=(b"x" * 4_000_000,))
    sender.start()
    jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
    drainer = threading.Thread(target=_take_jobs, args=(Unaffordable(), jobs), daemon=True)
    drainer.start()
    sender.join(timeout=30)
    assert not sender.is_alive()  # everything sent was read
    parent.close()
    drainer.join(timeout=30)
    assert isinstance(jobs.get_nowait(), MemoryError)


async def test_a_process_is_reused_for_the_next_document(parsers: ParseWorkers) -> None:
    for name in ("One", "Two", "Three"):
        parsed = await parsers.parse(rss(name, 1), url="http://127.0.0.1/feed.xml")
        assert parsed.title == name
    assert parsers.started == 1


async def test_not_a_feed_keeps_its_own_reason_through_the_process(parsers: ParseWorkers) -> None:
    with pytest.raises(NotAFeedError, match="HTML page") as raised:
        await parsers.parse(b"<html><body>hi</body></html>", url="http://127.0.0.1/page")
    assert not isinstance(raised.value, ParseFailedError)
    assert parsers.started == 1


@linux_only
async def test_a_document_past_the_memory_bound_fails_and_the_next_one_parses() -> None:
    with ParseWorkers(1, memory=150 * 1024 * 1024) as parsers:
        with pytest.raises(ParseFailedError, match="more than 150 MB"):
            await parsers.parse(big_document(), url="http://127.0.0.1/huge.xml")
        parsed = await parsers.parse(rss("After", 1), url="http://127.0.0.1/after.xml")
        assert parsed.title == "After"
        assert parsers.started == 2


@linux_only
async def test_a_document_sent_behind_one_past_the_memory_bound_still_parses() -> None:
    with ParseWorkers(1, memory=150 * 1024 * 1024) as parsers:
        big, after = await asyncio.gather(
            parsers.parse(big_document(), url="http://127.0.0.1/huge.xml"),
            parsers.parse(rss("After", 1), url="http://127.0.0.1/after.xml"),
            return_exceptions=True,
        )
        assert isinstance(big, ParseFailedError) and "more than 150 MB" in str(big)
        assert isinstance(after, ParsedFeed) and after.title == "After"


async def test_closing_stops_every_process() -> None:
    parsers = ParseWorkers(1)
    await parsers.parse(rss("One", 1), url="http://127.0.0.1/one.xml")
    processes = [worker.process for worker in parsers._workers]
    parsers.close()
    assert processes and not any(process.is_alive() for process in processes)
    with pytest.raises(RuntimeError):
        await parsers.parse(rss("Two", 1), url="http://127.0.0.1/two.xml")


async def test_a_slow_feed_fails_alone_in_a_refresh(
    tmp_path: Path, feed_server: FeedServer, parsers: ParseWorkers
) -> None:
    feed_server.feed("/slow.xml", slow_document())
    feed_server.feed("/ok.xml", rss("Fine", 3))
    store = make_store(tmp_path, [], posts={})
    subscriptions = [
        Subscription(feed_server.url("/slow.xml"), "Slow"),
        Subscription(feed_server.url("/ok.xml"), "Fine"),
    ]
    store.add_subscriptions(subscriptions)
    async with make_client() as client:
        summary = await refresh_feeds(store, Fetcher(client), subscriptions, parsers=parsers)
    outcomes = {outcome.url: outcome for outcome in summary.outcomes}
    slow = outcomes[feed_server.url("/slow.xml")]
    assert slow.outcome == "failed"
    assert "took longer than 0.3 s" in slow.error
    assert outcomes[feed_server.url("/ok.xml")].new_entries == 3
    reopened = Store(store.paths)
    assert "took longer" in reopened.summary(feed_server.url("/slow.xml")).state.error
    assert len(reopened.entries(feed_server.url("/ok.xml"))) == 3


async def test_the_app_answers_keys_while_a_slow_feed_parses(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.feed("/slow.xml", slow_document(2000))  # 13 MB: 16 s here, far past 3 s
    feed_server.feed("/ok.xml", rss("Fine", 3))
    subscriptions = [
        Subscription(feed_server.url("/ok.xml"), "Fine"),
        Subscription(feed_server.url("/slow.xml"), "Slow"),
    ]
    # Two processes: the fine feed never waits behind the slow one.
    with ParseWorkers(2, deadline=3.0) as parsers:
        app = make_app(make_store(tmp_path, subscriptions, posts={}), parsers=parsers)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = main_screen(app)
            entries = screen.query_one(EntryList)
            await pilot.press("R")
            await _wait_until(pilot, lambda: len(entries.rows) == 3)
            # The fine feed is listed; the slow one is still in its parser process.
            assert screen.progress is not None
            await pilot.press("tab", "j")
            assert entries.has_focus
            assert entries.cursor == 1
            assert screen.progress is not None
            await settle(pilot)
            assert screen.progress is None
            assert any(label.startswith("! Slow") for label in feed_labels(app))
            assert (
                "took longer than 3 s" in screen.summaries[feed_server.url("/slow.xml")].state.error
            )


async def _wait_until(pilot: Pilot[Any], ready: Callable[[], bool], seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if ready():
            return
        await pilot.pause(0.05)
    raise AssertionError("the app never got there")
