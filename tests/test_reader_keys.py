"""Reader keys not covered elsewhere: Space at the end of a post, y, and folding a folder."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Tree

from feedtui.ui.widgets.article_view import ArticleView
from feedtui.ui.widgets.entry_list import EntryList
from ui_support import ALPHA, feed_labels, main_screen, make_app, make_store, reopen, settle


async def test_space_at_the_end_of_a_short_post_reads_the_next_unread(tmp_path: Path) -> None:
    app = make_app(make_store(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("tab", "enter")  # the newest unread post, in All unread
        await settle(pilot)
        reader = main_screen(app).query_one(ArticleView)
        first = reader.article
        assert first is not None
        await pilot.press("space")  # the post fits the pane: Space goes on
        await settle(pilot)
        assert reader.article is not None and reader.article.entry != first.entry
        entries = main_screen(app).query_one(EntryList)
        assert not entries.rows[0].unread and not entries.rows[1].unread


async def test_y_copies_the_post_link(tmp_path: Path) -> None:
    app = make_app(make_store(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "j", "enter")  # Tech / Alpha Blog
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == "https://alpha.example/a1"
        assert reopen(tmp_path).marks(ALPHA).read == frozenset()  # copying reads nothing


async def test_space_on_a_folder_collapses_and_expands_it(tmp_path: Path) -> None:
    app = make_app(make_store(tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tree = main_screen(app).query_one(Tree)
        await pilot.press("j", "j", "j")  # the Tech folder
        assert "Alpha Blog" in " ".join(feed_labels(app))
        lines_open = tree.last_line
        await pilot.press("space")
        await settle(pilot)
        assert tree.last_line < lines_open  # its two feeds are hidden
        await pilot.press("space")
        await settle(pilot)
        assert tree.last_line == lines_open
