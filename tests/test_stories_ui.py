"""The Stories view, the story reader and "Also covered by", driven from the keyboard."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.widgets import Label, OptionList

from feedtui.core.store import Store
from feedtui.ui.widgets.article_view import ArticleView
from feedtui.ui.widgets.entry_list import EntryList
from ui_support import (
    ALPHA,
    BETA,
    CHINESE,
    HOSTILE,
    HOSTILE_TITLE,
    entry,
    feed_labels,
    main_screen,
    make_app,
    make_store,
    reopen,
    settle,
    widget_lines,
)

CVE_EN = "Heap overflow in libfoo fixed (CVE-2026-1234)"
CVE_ZH = "libfoo 堆溢出漏洞修复 CVE-2026-1234"
SUMMARY_EN = (
    "A heap overflow in libfoo lets a crafted image run code. Version 2.4.1 fixes it. "
    "Distributions are shipping the update."
)

POSTS = {
    ALPHA: [("a-cve", CVE_EN, 10), ("a-other", "Alpha's own news", 1)],
    CHINESE: [("c-cve", CVE_ZH, 6), ("c-other", "第二篇中文文章", 2)],
    BETA: [("b-big", HOSTILE_TITLE, 30), ("b-cve", "libfoo 2.4.1 patches CVE-2026-1234", 8)],
    HOSTILE: [("h-big", "Something else entirely", 3)],
}
"""Two stories: the CVE (Alpha, Beta, 中文博客; newest 6 h ago) and one link shared by Beta and
Hostile (newest 3 h ago): by rank the CVE comes first, by time the link."""


def story_store(tmp_path: Path) -> Store:
    """The UI test feeds with two stories in them, and a text summary on the CVE posts."""
    store = make_store(tmp_path, posts={})
    for url, items in POSTS.items():
        fetched = []
        for entry_id, title, hours in items:
            post = entry(url, entry_id, title, hours)
            if entry_id == "a-cve":
                post = replace(post, summary=SUMMARY_EN)
            if entry_id.endswith("-big"):
                link = "https://news.example/big"
                post = replace(post, link=link + ("?utm_source=rss" if url == BETA else ""))
            fetched.append((post, f"<p>Body of {title}</p>"))
        store.merge_entries(url, fetched)
    return store


async def open_stories(pilot) -> EntryList:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("j", "j", "enter")  # All unread → Starred → Stories
    await settle(pilot)
    return main_screen(pilot.app).query_one(EntryList)


async def test_stories_view_lists_each_story_once_with_its_sources(tmp_path: Path) -> None:
    app = make_app(story_store(tmp_path))
    async with app.run_test(size=(240, 40)) as pilot:
        assert "◆ Stories" in feed_labels(app)
        entries = await open_stories(pilot)
        await pilot.press(*">" * 10)  # widen the list: room for the feeds' names
        await settle(pilot)
        lines = [line for line in widget_lines(entries) if line.strip()]
        assert len(lines) == 2
        # Each row: headline, sources, the feeds' names, rank and the newest post's age.
        cve = next(line for line in lines if "Heap overflow in libfoo" in line)
        assert cve.startswith("● ")  # the first post to report it gives the headline
        assert "3 sources · Alpha Blog" in cve
        assert cve.endswith(" 6h")
        link = next(line for line in lines if "2 sources · Beta News" in line)
        assert "[bold]x[/] [@click=app.quit]y[/]" in link  # feed text is shown, not obeyed
        assert [row.feed_title for row in entries.rows] == [
            "Alpha Blog, Beta News, 中文博客",
            "Beta News, Hostile",
        ]
        ranks = [float(line.split()[-2]) for line in lines]
        assert ranks == sorted(ranks, reverse=True)
        header = str(main_screen(app).query_one("#entries-header", Label).render())
        assert header.endswith("2 stories · 2 unread")  # by rank unless t was pressed


async def test_t_sorts_stories_newest_first_and_back(tmp_path: Path) -> None:
    app = make_app(story_store(tmp_path))
    async with app.run_test(size=(160, 40)) as pilot:
        entries = await open_stories(pilot)
        first = widget_lines(entries)[0]  # a narrow list keeps room for the headline
        assert first.startswith("●  Heap overflow in libfoo fixed")
        assert "3 sources " in first and "Alpha" not in first
        by_rank = [row.key for row in entries.rows]
        assert [row.story.story.source_count for row in entries.rows if row.story] == [3, 2]
        await pilot.press("t")
        await settle(pilot)
        newest = [row.published for row in entries.rows]
        assert newest == sorted(newest, reverse=True)
        assert [row.key for row in entries.rows] == by_rank[::-1]
        assert "newest first" in str(main_screen(app).query_one("#entries-header", Label).render())
        await pilot.press("t")
        await settle(pilot)
        assert [row.key for row in entries.rows] == by_rank


async def test_opening_a_story_shows_summary_and_coverage_and_enter_reads_one(
    tmp_path: Path,
) -> None:
    app = make_app(story_store(tmp_path))
    async with app.run_test(size=(160, 40)) as pilot:
        entries = await open_stories(pilot)
        index = next(i for i, row in enumerate(entries.rows) if "CVE" in row.title)
        entries.move_cursor(index)
        await pilot.press("enter")
        await settle(pilot)
        reader = main_screen(app).query_one(ArticleView)
        assert str(reader.query_one("#article-title", Label).render()) == CVE_EN
        meta = str(reader.query_one("#article-meta", Label).render())
        assert meta.startswith("3 sources · Alpha Blog, Beta News, 中文博客 · newest ")
        body = reader.query_one("#article-body").source  # type: ignore[attr-defined]
        assert "A heap overflow in libfoo lets a crafted image run code." in body
        assert "Distributions" not in body  # the first two sentences only
        assert "Coverage: 3 sources" in str(
            reader.query_one("#article-related-title", Label).render()
        )
        coverage = reader.query_one("#article-related", OptionList)
        prompts = [str(coverage.get_option_at_index(i).prompt) for i in range(3)]
        assert "Alpha Blog" in prompts[0] and CVE_EN in prompts[0]
        assert "Beta News" in prompts[1]
        assert "中文博客" in prompts[2] and CVE_ZH in prompts[2]
        assert coverage.has_focus  # the story's posts are one key away
        # Opening the overview marks nothing read.
        assert reopen(tmp_path).marks(ALPHA).read == frozenset()
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert str(reader.query_one("#article-title", Label).render()) == CVE_ZH
        assert reopen(tmp_path).marks(CHINESE).read == {"c-cve"}
        assert reopen(tmp_path).marks(ALPHA).read == frozenset()


async def test_m_on_a_story_marks_every_copy_read_and_u_undoes(tmp_path: Path) -> None:
    app = make_app(story_store(tmp_path))
    async with app.run_test(size=(160, 40)) as pilot:
        entries = await open_stories(pilot)
        index = next(i for i, row in enumerate(entries.rows) if "CVE" in row.title)
        entries.move_cursor(index)
        await pilot.press("m")
        await settle(pilot)
        store = reopen(tmp_path)
        assert store.marks(ALPHA).read == {"a-cve"}
        assert store.marks(CHINESE).read == {"c-cve"}
        assert store.marks(BETA).read == {"b-cve"}
        assert not entries.rows[index].unread
        assert widget_lines(entries)[index].startswith("  ")  # no unread dot
        labels = feed_labels(app)
        assert "Alpha Blog  (1)" in labels and "中文博客  (1)" in labels
        await pilot.press("m")  # again: every copy unread
        await settle(pilot)
        assert reopen(tmp_path).marks(ALPHA).read == frozenset()
        await pilot.press("A")  # every story read, and u brings back exactly what was unread
        await settle(pilot)
        assert reopen(tmp_path).marks(BETA).read == {"b-big", "b-cve"}
        assert reopen(tmp_path).marks(HOSTILE).read == {"h-big"}
        await pilot.press("u")
        await settle(pilot)
        store = reopen(tmp_path)
        assert all(store.marks(url).read == frozenset() for url in POSTS)
        assert all(row.unread for row in entries.rows)


async def test_the_reader_lists_other_coverage_and_enter_opens_it(tmp_path: Path) -> None:
    app = make_app(story_store(tmp_path))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "j", "enter")  # Tech / Alpha Blog
        await settle(pilot)
        entries = main_screen(app).query_one(EntryList)
        assert entries.select((ALPHA, "a-cve"))
        await pilot.press("enter")
        await settle(pilot)
        reader = main_screen(app).query_one(ArticleView)
        title = str(reader.query_one("#article-related-title", Label).render())
        assert title == "Also covered by"
        related = reader.query_one("#article-related", OptionList)
        assert related.option_count == 2
        assert "Beta News" in str(related.get_option_at_index(0).prompt)
        assert CVE_ZH in str(related.get_option_at_index(1).prompt)
        # Tab walks the reader's lists (More from, then Also covered by) before the next pane.
        await pilot.press("tab", "tab")
        assert related.has_focus
        await pilot.press("down", "enter")
        await settle(pilot)
        assert str(reader.query_one("#article-title", Label).render()) == CVE_ZH
        assert reopen(tmp_path).marks(CHINESE).read == {"c-cve"}


async def test_a_post_in_no_story_has_no_coverage_list(tmp_path: Path) -> None:
    app = make_app(story_store(tmp_path))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "j", "enter")
        await settle(pilot)
        entries = main_screen(app).query_one(EntryList)
        assert entries.select((ALPHA, "a-other"))
        await pilot.press("enter")
        await settle(pilot)
        reader = main_screen(app).query_one(ArticleView)
        assert reader.has_class("-no-related")
        assert not reader.query_one("#article-related", OptionList).display or (
            reader.query_one("#article-related", OptionList).option_count == 0
        )
