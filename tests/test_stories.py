"""Stories: grouping one event's coverage across feeds, its storage, listing and the CLI."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from feedtui.cli_stories import run_stories
from feedtui.core.models import Entry, Subscription, from_stamp
from feedtui.core.paths import Paths
from feedtui.core.store import Store
from feedtui.core.stories import (
    Story,
    StoryIndex,
    journal_file,
    mark_story_read,
    stories_file,
    story_index,
    summary,
)
from feedtui.core.story_text import (
    Grouper,
    GroupItem,
    canonical_url,
    joining_vuln_ids,
    lead_sentences,
    title_tokens,
    vuln_ids,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "stories"
FEEDS: dict[str, Any] = json.loads((FIXTURES / "feeds.json").read_text("utf-8"))
NOW: datetime = from_stamp(FEEDS["now"])  # type: ignore[assignment]
EN, ZH = "https://en-sec.example/feed.xml", "https://zh-sec.example/rss"
NEWS_A, NEWS_B = "https://news-a.example/atom.xml", "https://news-b.example/feed"


def fixture_entries(feed: dict[str, Any]) -> list[Entry]:
    return [
        Entry(
            id=item["id"],
            feed_url=feed["url"],
            title=item["title"],
            link=item["link"],
            published=NOW - timedelta(hours=item["hours_ago"]),
            summary=item["summary"],
        )
        for item in feed["entries"]
    ]


@pytest.fixture
def store(paths: Paths) -> Store:
    """A store holding the fixture feeds, each grouped as refresh would group it."""
    created = Store(paths)
    created.add_subscriptions(Subscription(f["url"], f["title"]) for f in FEEDS["feeds"])
    index = StoryIndex(paths, created)
    for feed in FEEDS["feeds"]:
        merged = created.merge_entries(
            feed["url"], [(e, "") for e in fixture_entries(feed)], now=NOW
        )
        index.add_entries(merged.added, now=NOW)
    return created


def story_with(stories: list[Story], key: tuple[str, str]) -> Story | None:
    return next((s for s in stories if key in s.members), None)


def grouping(store: Store) -> set[frozenset[tuple[str, str]]]:
    return {frozenset(s.members) for s in StoryIndex(store.paths, store).stories(NOW)}


# -- text signals -------------------------------------------------------------------------------


def test_canonical_url_drops_tracking_and_cosmetic_differences() -> None:
    tracked = "HTTP://www.Example.com/post/1/?utm_source=x&b=2&fbclid=z&a=1&ref=rss#top"
    assert canonical_url(tracked) == canonical_url("https://example.com/post/1?a=1&b=2")
    assert canonical_url("https://example.com/?utm_source=x") == ""  # a front page is no story
    assert canonical_url("https://example.com/post?id=1") != canonical_url(
        "https://example.com/post?id=2"
    )


def test_vuln_ids_are_found_case_insensitively_and_roundups_join_nothing() -> None:
    text = "fixes cve-2026-3094, GHSA-jf85-cpcp-j695 and not XCVE-2026-1111 or CVE-26-1"
    assert vuln_ids(text) == {"CVE-2026-3094", "GHSA-JF85-CPCP-J695"}
    roundup = " ".join(f"CVE-2026-{n:04d}" for n in range(1000, 1006))
    assert joining_vuln_ids(roundup) == frozenset()


def test_titles_become_words_for_latin_and_bigrams_for_cjk() -> None:
    assert title_tokens("OpenAI releases the GPT-5 models") == {"openai", "gpt-5", "model"}
    # Stop-words cut a CJK run, so no bigram straddles them ("危漏" would match any advisory).
    assert title_tokens("Chrome 浏览器高危漏洞预警") == {"chrome", "浏览", "览器"}
    rust = {"rust", "1.80", "支持", "持懒", "懒加", "加载"}
    assert title_tokens("Rust 1.80 发布，支持懒加载") == rust


def test_lead_sentences_split_english_and_chinese() -> None:
    assert lead_sentences("第一句。第二句！第三句？") == "第一句。第二句！"
    assert lead_sentences("Version 1.2 is out. It is fast. Upgrade.") == (
        "Version 1.2 is out. It is fast."
    )
    assert len(lead_sentences("word " * 200)) <= 300


def test_labelled_pairs_are_grouped_as_labelled() -> None:
    pairs = json.loads((FIXTURES / "pairs.json").read_text("utf-8"))["pairs"]
    assert len(pairs) >= 30 and {p["same"] for p in pairs} == {True, False}
    wrong = [p["note"] for p in pairs if pair_joins(p) != p["same"] and not p.get("known_miss")]
    assert wrong == []


def pair_joins(pair: dict[str, Any]) -> bool:
    grouper = Grouper()
    groups = []
    for feed, side in (
        ("https://a.example/feed", pair["a"]),
        ("https://b.example/feed", pair["b"]),
    ):
        entry = Entry(
            id="1",
            feed_url=feed,
            title=side["title"],
            link=side.get("link", ""),
            published=NOW,
            summary=side.get("summary", ""),
        )
        groups.append(grouper.add(GroupItem.from_entry(entry), NOW - timedelta(days=14)))
    return groups[0] == groups[1]


# -- grouping -----------------------------------------------------------------------------------


def test_english_and_chinese_posts_sharing_a_cve_join(store: Store) -> None:
    story = story_with(story_index(store).stories(NOW), (EN, "en-xz"))
    assert story is not None
    assert set(story.members) == {(EN, "en-xz"), (ZH, "zh-xz")}
    assert story.source_count == 2
    assert story.headline.startswith("Backdoor found in XZ Utils")  # the first to report it


def test_ghsa_ids_join_whatever_their_case(store: Store) -> None:
    assert {(EN, "en-ghsa"), (ZH, "zh-ghsa")} in grouping(store)


def test_same_url_with_and_without_utm_joins(store: Store) -> None:
    assert {(NEWS_A, "a-rust"), (NEWS_B, "b-rust")} in grouping(store)


def test_stories_sharing_one_common_word_do_not_join(store: Store) -> None:
    assert (
        story_with(StoryIndex(store.paths, store).stories(NOW), (NEWS_A, "a-google-fine")) is None
    )


def test_one_feeds_similar_posts_never_join_by_title_alone(store: Store) -> None:
    assert story_with(StoryIndex(store.paths, store).stories(NOW), (NEWS_A, "a-macos-1")) is None


def test_window_is_respected(store: Store) -> None:
    # en-openssl-old (20 days old) and zh-openssl share a CVE id, but not a fortnight.
    index = story_index(store)
    assert index.story_of(ZH, "zh-openssl", NOW) is None
    later = NOW + timedelta(days=14)
    assert story_with(index.stories(later), (EN, "en-xz")) is None  # the story aged out


def test_exactly_the_expected_stories(store: Store) -> None:
    assert grouping(store) == {
        frozenset({(EN, "en-xz"), (ZH, "zh-xz")}),
        frozenset({(EN, "en-ghsa"), (ZH, "zh-ghsa")}),
        frozenset({(NEWS_A, "a-rust"), (NEWS_B, "b-rust")}),
    }


def test_rank_counts_sources_recency_and_unread(store: Store) -> None:
    stories = story_index(store).stories(NOW)
    assert [s.rank for s in stories] == sorted((s.rank for s in stories), reverse=True)
    xz = story_with(stories, (EN, "en-xz"))
    assert xz is not None and xz.rank == pytest.approx(2 * 2 + 1 / (1 + 2 / 24) + 0.5, abs=1e-3)
    mark_story_read(store, xz)
    again = story_with(story_index(store).stories(NOW), (EN, "en-xz"))
    assert again is not None and again.rank == pytest.approx(xz.rank - 0.5, abs=1e-3)


def test_marking_a_story_read_marks_all_its_entries(store: Store) -> None:
    story = story_with(story_index(store).stories(NOW), (ZH, "zh-xz"))
    assert story is not None
    mark_story_read(store, story)
    assert "en-xz" in store.marks(EN).read and "zh-xz" in store.marks(ZH).read
    assert store.marks(NEWS_A).read == frozenset()


def test_summary_is_the_best_entrys_first_sentences(store: Store) -> None:
    story = story_with(story_index(store).stories(NOW), (EN, "en-xz"))
    assert story is not None
    assert summary(story, store) == (
        "A malicious maintainer slipped a backdoor into XZ Utils 5.6.0 and 5.6.1, tracked as "
        "CVE-2026-3094. Systems running affected builds of sshd can be taken over remotely."
    )


# -- storage ------------------------------------------------------------------------------------


def test_groups_survive_a_new_index_without_rebuilding(store: Store, paths: Paths) -> None:
    before = grouping(store)
    fresh = StoryIndex(paths)  # no store: it could not rebuild even if it wanted to
    assert {frozenset(s.members) for s in fresh.stories(NOW)} == before
    assert not fresh.needs_rebuild


def test_another_instance_sees_entries_added_since_it_loaded(store: Store, paths: Paths) -> None:
    reader = StoryIndex(paths, store)
    assert story_with(reader.stories(NOW), (NEWS_B, "b-macos")) is None
    late = Entry("b-macos", NEWS_B, "macOS 15.1 arrives with Apple Intelligence", published=NOW)
    story_index(store).add_entries([late], now=NOW)
    story = story_with(reader.stories(NOW), (NEWS_B, "b-macos"))
    assert story is not None and (NEWS_A, "a-macos-1") in story.members


def test_deleted_snapshot_is_rebuilt_from_the_entries(store: Store, paths: Paths) -> None:
    before = grouping(store)
    stories_file(paths).unlink()
    journal_file(paths).unlink(missing_ok=True)
    assert grouping(store) == before
    assert stories_file(paths).exists()


def test_corrupt_snapshot_is_set_aside_and_rebuilt(store: Store, paths: Paths) -> None:
    before = grouping(store)
    stories_file(paths).write_text('{"version": 1, "groups": [tru')
    index = StoryIndex(paths, store)
    assert {frozenset(s.members) for s in index.stories(NOW)} == before
    assert list(paths.data.glob("stories.json.corrupt-*"))
    assert index.problems and "stories.json" in index.problems[0]


def test_a_torn_journal_line_is_skipped(store: Store, paths: Paths) -> None:
    index = StoryIndex(paths, store)
    index.flush(NOW)
    with journal_file(paths).open("ab") as handle:
        handle.write(b'{"feed": "https://news-b.example/feed", "id": "b-to')  # crash mid-line
    late = Entry("b-macos", NEWS_B, "macOS 15.1 arrives with Apple Intelligence", published=NOW)
    StoryIndex(paths, store).add_entries([late], now=NOW)
    story = story_with(StoryIndex(paths).stories(NOW), (NEWS_B, "b-macos"))
    assert story is not None and (NEWS_A, "a-macos-1") in story.members


def test_adding_the_same_entries_again_changes_nothing(store: Store, paths: Paths) -> None:
    before = grouping(store)
    size = journal_file(paths).stat().st_size
    for feed in FEEDS["feeds"]:
        story_index(store).add_entries(fixture_entries(feed), now=NOW)
    assert grouping(store) == before
    assert journal_file(paths).stat().st_size == size


def test_flush_keeps_groups_and_empties_the_journal(store: Store, paths: Paths) -> None:
    before = grouping(store)
    story_index(store).flush(NOW)
    assert journal_file(paths).stat().st_size == 0
    assert grouping(store) == before


# -- command line -------------------------------------------------------------------------------


def test_stories_json_lists_ranked_stories_with_members(
    store: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("feedtui.core.stories.utc_now", lambda: NOW)
    assert run_stories(store, as_json=True) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3
    assert [r["rank"] for r in rows] == sorted((r["rank"] for r in rows), reverse=True)
    xz = next(r for r in rows if r["headline"].startswith("Backdoor"))
    assert xz["source_count"] == 2
    assert {(m["feed_url"], m["entry_id"]) for m in xz["members"]} == {(EN, "en-xz"), (ZH, "zh-xz")}
    assert {"title", "link"} <= set(xz["members"][0])


def test_stories_text_is_one_line_per_story(
    store: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("feedtui.core.stories.utc_now", lambda: NOW)
    assert run_stories(store, as_json=False) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert any(
        "2 sources  Backdoor found in XZ Utils" in line and "(EN Security, 中文安全)" in line
        for line in lines
    )


def test_titles_do_not_chain_one_story_into_another() -> None:
    """A is like B, B like C, C like D; D shares nothing with A and B and stays out."""
    groups = group_titles(
        ("Metric researcher doubled measured", 0, ""),
        ("Measured metric packet regression", 0, ""),
        ("Packet regression firmware planner", 0, ""),
        ("Firmware planner exploit larger", 0, ""),
    )
    assert groups[0] == groups[1] == groups[2]  # each new title is like half the group
    assert groups[3] != groups[0]  # like one title of three: a chain, not the same story


def test_chinese_titles_naming_different_products_stay_apart() -> None:
    groups = group_titles(
        ("Sudo 新版本正式发布，性能大幅提升", 0, ""),
        ("Redis 新版本正式发布，性能大幅提升", 0, ""),
    )
    assert groups[0] != groups[1]


def group_titles(*posts: tuple[str, float, str]) -> list[str]:
    """Group (title, hours before NOW, summary) posts, one feed each; their group ids."""
    grouper = Grouper()
    return [
        grouper.add(
            GroupItem.from_entry(
                Entry(
                    id="1",
                    feed_url=f"https://f{n}.example/feed",
                    title=title,
                    published=NOW - timedelta(hours=hours),
                    summary=summary,
                )
            ),
            NOW - timedelta(days=14),
        )
        for n, (title, hours, summary) in enumerate(posts)
    ]


def test_alike_titles_a_week_apart_are_other_news() -> None:
    title = "Node.js ships a major release"
    near = group_titles((title, 30, ""), (title, 2, ""))
    assert near[0] == near[1]
    far = group_titles((title, 200, ""), (title, 2, ""))
    assert far[0] != far[1]


def test_a_post_naming_another_cve_never_joins_by_title() -> None:
    groups = group_titles(
        ("Heap overflow fixed in libfoo", 5, "Tracked as CVE-2026-1111."),
        ("Heap overflow fixed in libfoo, upgrade", 4, ""),
        ("Heap overflow fixed in libfoo again", 3, "Tracked as CVE-2026-2222."),
    )
    assert groups[0] == groups[1]
    assert groups[2] != groups[0]


def test_flush_with_nothing_new_rewrites_nothing(store: Store) -> None:
    index = StoryIndex(store.paths, store)
    index.flush(now=NOW)
    before = stories_file(store.paths).stat()
    StoryIndex(store.paths, store).flush(now=NOW)  # a refresh where every feed answered 304
    after = stories_file(store.paths).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
