"""The help screen: a short introduction and every key the app offers."""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label

INTRO = (
    "feedtui reads your feeds in the terminal. Pick a feed on the left, a post in the middle, "
    "and read it on the right. Ctrl+P opens the command palette, which can also jump to a feed."
)
"""What the help screen says above the keys."""


class HelpScreen(ModalScreen[None]):
    """Lists the app's keys; Escape, q or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        #help-dialog {
            width: 80;
            max-width: 95%;
            height: auto;
            max-height: 90%;
            border: thick $primary;
            background: $panel;
            padding: 0 1;
        }
        #help-intro { width: 1fr; margin-bottom: 1; }
        .help-key { width: 1fr; }
    }
    """

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close help", tooltip="Close this screen"),
    ]

    def __init__(self, keys: Iterable[tuple[str, str]], intro: str = INTRO) -> None:
        """Args:
        keys: (key as shown, what it does) pairs, in the order to list them.
        intro: The paragraph shown above the keys.
        """
        super().__init__()
        self._keys = list(keys)
        self._intro = intro

    def compose(self) -> ComposeResult:
        width = max((cell_len(key) for key, _ in self._keys), default=0)
        # The dialog itself scrolls: on a short terminal the keys run past its bottom edge.
        with VerticalScroll(id="help-dialog") as dialog:
            dialog.border_title = "Help"
            yield Label(Content(self._intro), id="help-intro")
            for key, description in self._keys:
                yield Label(_key_line(key, description, width), classes="help-key")

    def on_mount(self) -> None:
        self.query_one("#help-dialog").focus()  # so Down, PageDown and End scroll it


def _key_line(key: str, description: str, width: int) -> Content:
    """`key` in bold, padded to `width` cells, then its description; never read as markup."""
    padding = " " * (width - cell_len(key) + 2)
    return Content.assemble(Content(key).stylize("bold"), padding, Content(description))
