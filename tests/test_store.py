"""The JSON store: merging, marks, retention, corruption and concurrent writers."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feedtui.core import store as store_module
from feedtui.core.jsonfile import read_json
from feedtui.core.models import Entry, Subscription
from feedtui.core.paths import Paths
from feedtui.core.store import Store

URL = "http://127.0.0.1:1/feed.xml"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def entry(number: int, *, dated: bool = True, when: datetime | None = None) -> Entry:
    return Entry(
        id=f"urn:entry:{number}",
        feed_url=URL,
        title=f"Post {number}",
        link=f"https://example.org/{number}",
        published=when or NOW - timedelta(hours=number),
        dated=dated,
    )


def document(*numbers: int) -> list[tuple[Entry, str]]:
    return [(entry(n), f"<p>body {n}</p>") for n in numbers]


@pytest.fixture
def store(paths: Paths) -> Store:
    created = Store(paths)
    created.add_subscriptions([Subscription(URL, "Local")])
    return created


def test_refetch_never_duplicates_nor_resurrects_read(store: Store) -> None:
    store.merge_entries(URL, document(1, 2, 3), now=NOW)
    store.set_read(URL, ["urn:entry:2"])
    result = store.merge_entries(URL, document(0, 1, 2, 3), now=NOW)
    assert result.new_entries == 1
    assert [e.id for e in store.entries(URL)] == [f"urn:entry:{n}" for n in (0, 1, 2, 3)]
    assert "urn:entry:2" in store.marks(URL).read
    assert store.summary(URL).unread == 3


def test_undated_entry_keeps_the_time_first_seen(store: Store) -> None:
    first_seen = NOW - timedelta(days=3)
    undated = Entry(id="u", feed_url=URL, title="No date", published=first_seen, dated=False)
    store.merge_entries(URL, [(undated, "")], now=first_seen)
    later = Entry(id="u", feed_url=URL, title="No date", published=NOW, dated=False)
    store.merge_entries(URL, [(later, "")], now=NOW)
    assert store.entries(URL)[0].published == first_seen


def test_bodies_are_stored_apart_and_read_on_demand(store: Store, paths: Paths) -> None:
    store.merge_entries(URL, document(1), now=NOW)
    entries_text = paths.entries_file(Subscription(URL).key).read_text("utf-8")
    assert "body 1" not in entries_text
    assert store.body(URL, "urn:entry:1") == "<p>body 1</p>"


def test_marks_survive_a_new_store_instance(store: Store, paths: Paths) -> None:
    store.merge_entries(URL, document(1, 2), now=NOW)
    store.set_read(URL, ["urn:entry:1"])
    store.set_starred(URL, ["urn:entry:2"])
    reopened = Store(paths)
    assert reopened.marks(URL).read == {"urn:entry:1"}
    assert reopened.marks(URL).starred == {"urn:entry:2"}
    assert reopened.summaries()[URL].unread == 1


def test_retention_prunes_old_read_entries_but_never_starred_or_recent_unread(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "MAX_ENTRIES_PER_FEED", 5)
    store.merge_entries(URL, document(*range(10, 20)), now=NOW)  # 10 entries, all old ids
    store.set_read(URL, [f"urn:entry:{n}" for n in range(10, 20)])
    store.set_starred(URL, ["urn:entry:19"])
    store.set_read(URL, ["urn:entry:18"], read=False)
    store.merge_entries(URL, document(1, 2), now=NOW)  # the feed now lists only 1 and 2
    kept = {e.id for e in store.entries(URL)}
    assert {"urn:entry:1", "urn:entry:2"} <= kept  # present in the document
    assert "urn:entry:19" in kept  # starred
    assert "urn:entry:18" in kept  # unread within the window
    assert len(kept) == 5


def test_corrupt_file_is_set_aside_and_reported(store: Store, paths: Paths) -> None:
    store.merge_entries(URL, document(1), now=NOW)
    marks = paths.marks_file(Subscription(URL).key)
    marks.parent.mkdir(parents=True, exist_ok=True)
    marks.write_text("{not json", "utf-8")
    reported: list[str] = []
    reopened = Store(paths, on_problem=reported.append)
    assert reopened.marks(URL).read == frozenset()
    assert len(reported) == 1 and marks.name in reported[0]
    kept = list(marks.parent.glob(f"{marks.name}.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text("utf-8") == "{not json"


def test_lost_index_is_rebuilt_from_the_feed_files(store: Store, paths: Paths) -> None:
    store.merge_entries(URL, document(1, 2, 3), now=NOW)
    store.set_read(URL, ["urn:entry:1"])
    store.flush()
    paths.index.unlink()
    summary = Store(paths).summaries()[URL]
    assert (summary.total, summary.unread) == (3, 2)


def test_stale_temp_files_are_cleaned_up(paths: Paths) -> None:
    Store(paths)
    leftover = paths.marks_dir / ".tmp-abandoned"
    leftover.write_text("half", "utf-8")
    Store(paths)
    assert not leftover.exists()


def test_moving_a_subscription_keeps_its_entries_and_marks(store: Store) -> None:
    store.merge_entries(URL, document(1), now=NOW)
    store.set_read(URL, ["urn:entry:1"])
    new_url = "http://127.0.0.1:1/moved.xml"
    store.move_subscription(URL, new_url)
    assert [s.url for s in store.subscriptions()] == [new_url]
    assert store.marks(new_url).read == {"urn:entry:1"}
    assert [e.title for e in store.entries(new_url)] == ["Post 1"]


def test_every_file_carries_a_version(store: Store, paths: Paths) -> None:
    store.merge_entries(URL, document(1), now=NOW)
    store.set_read(URL, ["urn:entry:1"])
    store.flush()
    files = [p for p in paths.data.rglob("*.json")]
    assert files
    for path in files:
        assert json.loads(path.read_text("utf-8"))["version"] == 1


def _mark_many(data: str, start: int, count: int) -> None:
    writer = Store(Paths.default(data))
    for number in range(start, start + count):
        writer.set_read(URL, [f"urn:entry:{number}"])


def test_two_processes_marking_read_lose_nothing(store: Store, paths: Paths) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_mark_many, args=(str(paths.data), start, 150))
        for start in (0, 1000)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    assert len(store.marks(URL).read) == 300


def test_a_killed_writer_leaves_every_file_whole(store: Store, paths: Paths) -> None:
    store.merge_entries(URL, document(*range(50)), now=NOW)
    store.set_read(URL, ["urn:entry:7"])
    context = multiprocessing.get_context("spawn")
    for round_number in range(5):
        worker = context.Process(target=_rewrite_forever, args=(str(paths.data),))
        worker.start()
        worker.join(timeout=0.6 + round_number * 0.15)
        worker.kill()
        worker.join()
    for path in paths.data.rglob("*.json"):
        assert read_json(path) is not None, path
    assert "urn:entry:7" in Store(paths).marks(URL).read


def _rewrite_forever(data: str) -> None:
    writer = Store(Paths.default(data))
    number = 100
    while True:
        writer.merge_entries(URL, document(*range(number, number + 50)), now=NOW)
        writer.set_read(URL, [f"urn:entry:{number}"])
        writer.flush()
        number += 1


def test_temp_files_do_not_accumulate(store: Store, paths: Paths) -> None:
    for number in range(20):
        store.set_read(URL, [f"urn:entry:{number}"])
    assert not list(Path(paths.marks_dir).glob(".tmp-*"))


def test_a_mark_keeps_the_feeds_state(store: Store, paths: Paths) -> None:
    store.merge_entries(URL, document(1, 2), now=NOW)
    later = NOW + timedelta(hours=1)
    store.record_status(URL, status="error", error="HTTP 503", last_checked=NOW, retry_after=later)
    store.set_read(URL, ["urn:entry:1"])
    summary = store.summary(URL)
    assert (summary.state.status, summary.state.error) == ("error", "HTTP 503")
    assert summary.state.retry_after == later and summary.state.last_checked == NOW
    assert summary.unread == 1  # the counts follow the mark
    store.record_unchanged([(URL, later)])
    store.flush()
    reopened = Store(paths).summary(URL)
    assert (reopened.state.status, reopened.state.last_checked) == ("unchanged", later)
