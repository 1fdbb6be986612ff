"""The row index: what the entries pane lists, kept beside each feed and never trusted stale."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from feedtui.core.models import Entry, Subscription
from feedtui.core.paths import Paths
from feedtui.core.row_index import FeedRows, derive_rows
from feedtui.core.store import Store

URL = "http://127.0.0.1:1/feed.xml"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def document(*numbers: int, title: str = "Post {n}") -> list[tuple[Entry, str]]:
    return [
        (
            Entry(
                id=f"id-{n}",
                feed_url=URL,
                title=title.format(n=n),
                link=f"https://example.org/{n}",
                published=NOW - timedelta(hours=n),
            ),
            "",
        )
        for n in numbers
    ]


@pytest.fixture
def store(paths: Paths) -> Store:
    created = Store(paths)
    created.add_subscriptions([Subscription(URL, "Local")])
    return created


def rows_file(paths: Paths) -> str:
    return str(paths.rows_file(Subscription(URL).key))


def test_rows_match_the_entries_newest_first(store: Store) -> None:
    store.merge_entries(URL, document(2, 1, 3), now=NOW)
    rows = store.rows(URL)
    assert rows.ids == ("id-1", "id-2", "id-3")
    assert rows.titles == ("Post 1", "Post 2", "Post 3")
    assert rows.links[0] == "https://example.org/1"
    assert rows.published[0] == (NOW - timedelta(hours=1)).timestamp()


def test_titles_are_cleaned_to_one_line_of_text(store: Store) -> None:
    hostile = "a\x1b[31m red\u202e\nline [bold]b[/bold]"
    store.merge_entries(URL, document(1, title=hostile), now=NOW)
    (title,) = store.rows(URL).titles
    assert "\x1b" not in title and "\u202e" not in title and "\n" not in title
    assert "[bold]b[/bold]" in title  # markup stays text: it is escaped where it is drawn


def test_an_index_written_by_another_process_is_used(store: Store, paths: Paths) -> None:
    store.merge_entries(URL, document(1), now=NOW)
    with open(rows_file(paths), encoding="utf-8") as file:
        saved = json.load(file)
    saved["titles"] = ["From the index"]
    with open(rows_file(paths), "w", encoding="utf-8") as file:
        json.dump(saved, file)
    assert Store(paths).rows(URL).titles == ("From the index",)


def test_an_index_older_than_its_entries_is_rebuilt(store: Store, paths: Paths) -> None:
    store.merge_entries(URL, document(1), now=NOW)
    assert store.rows(URL).ids == ("id-1",)
    # Another process (`feedtui refresh`) rewrites the entries; this store's memory is stale.
    Store(paths).merge_entries(URL, document(0, 1), now=NOW)
    with open(rows_file(paths), encoding="utf-8") as file:
        stale = json.load(file)
    other = Store(paths)
    other.merge_entries(URL, document(5), now=NOW)
    with open(rows_file(paths), "w", encoding="utf-8") as file:
        json.dump(stale, file)  # an index naming an older entries file
    assert other.rows(URL).ids == ("id-0", "id-1", "id-5")
    assert store.rows(URL).ids == ("id-0", "id-1", "id-5")


def test_a_corrupt_or_lost_index_is_rebuilt_and_saved(store: Store, paths: Paths) -> None:
    store.merge_entries(URL, document(1, 2), now=NOW)
    with open(rows_file(paths), "w", encoding="utf-8") as file:
        file.write("{not json")
    reported: list[str] = []
    assert Store(paths, on_problem=reported.append).rows(URL).ids == ("id-1", "id-2")
    assert len(reported) == 1 and reported[0].startswith("rows/")
    paths.rows_dir.joinpath(f"{Subscription(URL).key}.json").unlink()
    assert Store(paths).rows(URL).ids == ("id-1", "id-2")
    with open(rows_file(paths), encoding="utf-8") as file:
        assert json.load(file)["ids"] == ["id-1", "id-2"]


@pytest.mark.parametrize(
    "change",
    [
        {"rules": 0},
        {"ids": "id-1"},
        {"titles": [1]},
        {"published": ["yesterday"]},
        {"links": []},
    ],
)
def test_an_index_of_other_rules_or_shape_is_refused(change: dict[str, object]) -> None:
    good = derive_rows([{"id": "id-1", "title": "T", "link": "L", "published": None}]).to_json()
    assert FeedRows.from_json(good) is not None
    assert FeedRows.from_json({**good, **change}) is None


def test_a_removed_feed_leaves_no_index(store: Store, paths: Paths) -> None:
    store.merge_entries(URL, document(1), now=NOW)
    store.remove_subscription(URL)
    assert not list(paths.rows_dir.iterdir())


def test_a_view_reads_its_rows_even_when_the_index_cannot_be_saved(
    store: Store, paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.merge_entries(URL, document(1), now=NOW)
    paths.rows_file(Subscription(URL).key).unlink()

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("feedtui.core.store.write_json", full_disk)
    assert Store(paths).rows(URL).ids == ("id-1",)
