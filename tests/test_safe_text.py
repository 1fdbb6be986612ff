"""Feed text is shown literally: never parsed as markup, never carrying escapes to the terminal."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.content import Content
from textual.markup import MarkupError
from textual.widgets import Label

from feedtui.ui.safe_text import plain, safe_content

LITERAL = [
    "[bold]x[/]",
    "[@click=app.quit]y[/]",
    "x [/bold] y",
    "[ @click=app.quit ]z",
    "[link='javascript:alert(1)']w[/link]",
    "$title [b]$x[/b]",
]


@pytest.mark.parametrize("text", LITERAL)
def test_markup_stays_literal(text: str) -> None:
    content = safe_content(text)
    assert content.plain == text
    assert not content.spans


def test_unbalanced_markup_would_raise_if_it_were_parsed() -> None:
    with pytest.raises(MarkupError):
        Content.from_markup("x [/bold] y")
    assert safe_content("x [/bold] y").plain == "x [/bold] y"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("red \x1b[31mtext\x1b[0m", "red text"),
        ("clip \x1b]52;c;ZXZpbA==\x07board", "clip board"),
        ("title \x1b]0;pwned\x1b\\ok", "title ok"),
        ("abc\u202edef\u2066g", "abcdefg"),
        ("nul\x00 and c1\x85", "nul and c1"),
        ("中文 [粗体]", "中文 [粗体]"),
    ],
)
def test_escapes_controls_and_bidi_are_removed(text: str, expected: str) -> None:
    assert plain(text) == expected
    assert safe_content(text).plain == expected


def test_style_applies_to_the_whole_text_without_parsing_it() -> None:
    content = safe_content("[i]x[/i]", "bold")
    assert content.plain == "[i]x[/i]"
    assert [(span.start, span.end, span.style) for span in content.spans] == [(0, 8, "bold")]


class LabelsApp(App[None]):
    def compose(self) -> ComposeResult:
        for text in LITERAL:
            yield Label(safe_content(text))
        yield Label(safe_content("osc \x1b]52;c;ZXZpbA==\x07 \u202eend"))


async def test_labels_render_the_text_literally_and_clicks_do_nothing() -> None:
    app = LabelsApp()
    async with app.run_test(size=(60, 10)) as pilot:
        lines = [strip.text.rstrip() for strip in app.screen._compositor.render_strips()]
        assert lines[: len(LITERAL)] == LITERAL
        assert lines[len(LITERAL)] == "osc  end"
        await pilot.click(offset=(3, 1))  # on "[@click=app.quit]y[/]"
        await pilot.pause()
        assert app.is_running
