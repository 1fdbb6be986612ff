"""Prompts, confirmations, help, the feed palette and saved settings, driven with Pilot."""

from __future__ import annotations

import json
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.screen import Screen
from textual.widgets import Input, Label

from feedtui.core.paths import Paths
from feedtui.ui.commands import FeedCommands
from feedtui.ui.screens.help import HelpScreen
from feedtui.ui.screens.prompts import Confirm, TextPrompt
from feedtui.ui.settings import Settings

HOSTILE = "Delete [@click=app.quit]Evil[/] x [/bold] \x1b]52;c;ZXZpbA==\x07feed?"


class DialogApp(App[None]):
    """Pushes one dialog on start and keeps what it was dismissed with."""

    def __init__(self, dialog: Screen[Any]) -> None:
        super().__init__()
        self.dialog = dialog
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, callback=self.results.append)


def screen_text(app: App[Any]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (["h", "i", "enter"], "hi"),
        (["中", "文", "enter"], "中文"),
        (["x", "escape"], None),
    ],
)
async def test_text_prompt_returns_the_text_or_none(keys: list[str], expected: str | None) -> None:
    app = DialogApp(TextPrompt("Feed URL", placeholder="https://…"))
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.press(*keys)
        await pilot.pause()
        assert app.results == [expected]


async def test_text_prompt_starts_with_its_value() -> None:
    app = DialogApp(TextPrompt("Rename", value="旧名字"))
    async with app.run_test(size=(80, 20)) as pilot:
        assert app.screen.query_one(Input).value == "旧名字"
        await pilot.press("end", "!", "enter")
        await pilot.pause()
        assert app.results == ["旧名字!"]


@pytest.mark.parametrize(
    ("key", "expected"), [("y", True), ("enter", True), ("n", False), ("escape", False)]
)
async def test_confirm_answers(key: str, expected: bool) -> None:
    app = DialogApp(Confirm("Unsubscribe?"))
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.press(key)
        await pilot.pause()
        assert app.results == [expected]


@pytest.mark.parametrize(
    "dialog", [Confirm(HOSTILE), TextPrompt(HOSTILE)], ids=["confirm", "prompt"]
)
async def test_dialogs_show_feed_text_literally(dialog: Screen[Any]) -> None:
    app = DialogApp(dialog)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Delete [@click=app.quit]Evil[/] x [/bold] feed?" in text
        assert "\x1b" not in text


async def test_help_lists_the_keys_and_closes() -> None:
    keys = [("j / k", "Next / previous post"), ("[", "Literal [bracket]"), ("ctrl+p", "Palette")]
    for close in ("escape", "q", "question_mark"):
        app = DialogApp(HelpScreen(keys))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            lines = [line.strip(" ▊▎█") for line in screen_text(app).splitlines()]
            assert any(
                line.startswith("j / k") and "Next / previous post" in line for line in lines
            )
            assert any("Literal [bracket]" in line for line in lines)
            await pilot.press(close)
            await pilot.pause()
            assert not isinstance(app.screen, HelpScreen)
            assert app.results == [None]


class FeedsScreen(Screen[None]):
    """Stands in for MainScreen: the hook FeedCommands uses."""

    COMMANDS = {FeedCommands}

    def __init__(self) -> None:
        super().__init__()
        self.went_to: list[str] = []

    def compose(self) -> ComposeResult:
        yield Label("feeds")

    def feed_titles(self) -> list[tuple[str, str]]:
        return [
            ("https://a.example/feed", "Alpha News"),
            ("https://b.example/feed", "[@click=app.quit]Bravo[/] \x1b[31m中文"),
            ("https://c.example/feed", ""),
        ]

    def action_go_to_feed(self, url: str) -> None:
        self.went_to.append(url)


class PaletteApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(FeedsScreen())


async def test_palette_goes_to_a_feed_by_its_title() -> None:
    app = PaletteApp()
    async with app.run_test(size=(100, 30)) as pilot:
        feeds = app.screen
        assert isinstance(feeds, FeedsScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"bravo")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "Go to feed: [@click=app.quit]Bravo[/] 中文" in text
        assert "\x1b" not in text
        await pilot.press("enter")
        await pilot.pause()
        assert feeds.went_to == ["https://b.example/feed"]
        assert app.is_running


async def test_palette_lists_feeds_before_typing() -> None:
    app = PaletteApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "Go to feed: Alpha News" in text
        assert "Go to feed: https://c.example/feed" in text


def test_settings_round_trip(paths: Paths) -> None:
    assert Settings.load(paths) == Settings()
    chosen = Settings(theme="nord", feeds_width=40, entries_width=70, refresh_after_minutes=0)
    chosen.save(paths)
    assert Settings.load(paths) == chosen
    assert json.loads(paths.settings.read_text())["version"] == 1


def test_corrupt_settings_are_set_aside_and_reported(paths: Paths) -> None:
    paths.settings.parent.mkdir(parents=True, exist_ok=True)
    paths.settings.write_text("{not json")
    reported: list[Exception] = []
    assert Settings.load(paths, on_corrupt=reported.append) == Settings()
    assert len(reported) == 1
    assert not paths.settings.exists()
    assert [p.name.split(".corrupt-")[0] for p in paths.settings.parent.iterdir()] == [
        "settings.json"
    ]


def test_odd_setting_values_fall_back_or_are_bounded(paths: Paths) -> None:
    paths.settings.parent.mkdir(parents=True, exist_ok=True)
    odd = {"version": 1, "theme": 3, "feeds_width": 10_000, "entries_width": "wide"}
    paths.settings.write_text(json.dumps(odd))
    settings = Settings.load(paths)
    assert settings.theme == "textual-dark"
    assert settings.feeds_width == 120
    assert settings.entries_width == 60
    assert settings.refresh_after_minutes == 30


async def test_help_scrolls_to_its_last_key_on_a_short_terminal() -> None:
    keys = [(f"k{n}", f"Key number {n}") for n in range(40)]
    app = DialogApp(HelpScreen(keys))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Key number 39" not in screen_text(app)
        await pilot.press("end")
        await pilot.pause()
        assert "Key number 39" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]
