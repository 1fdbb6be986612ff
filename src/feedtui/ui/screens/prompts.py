"""Small modal dialogs: ask for a line of text, or ask yes or no."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from feedtui.ui.safe_text import safe_content

_DIALOG_CSS = """
{name} {{
    align: center middle;
    .prompt-dialog {{
        width: 70;
        max-width: 95%;
        height: auto;
        border: thick $primary;
        background: $panel;
        padding: 1 2;
    }}
    .prompt-question {{ width: 1fr; margin-bottom: 1; }}
    .prompt-hint {{ width: 1fr; color: $text-muted; }}
    .prompt-buttons {{ height: auto; align-horizontal: right; }}
    .prompt-buttons Button {{ margin-left: 1; }}
}}
"""


class TextPrompt(ModalScreen[str | None]):
    """Asks for one line of text: Enter gives the text, Escape gives None."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="TextPrompt")

    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without a value")]

    def __init__(self, title: str, placeholder: str = "", value: str = "") -> None:
        """Args:
        title: The question asked; may quote feed text, which is shown literally.
        placeholder: Shown in the empty input.
        value: The input's starting text.
        """
        super().__init__()
        self._title = title
        self._placeholder = placeholder
        self._value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-dialog"):
            yield Label(safe_content(self._title), classes="prompt-question")
            yield Input(value=self._value, placeholder=self._placeholder)
            yield Label("Enter to accept · Escape to cancel", classes="prompt-hint")

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """Asks a yes/no question: y or Enter is yes, n or Escape is no."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="Confirm")

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", tooltip="Answer yes"),
        Binding("enter", "answer(True)", "Yes", show=False),
        Binding("n,escape", "answer(False)", "No", tooltip="Answer no"),
    ]

    def __init__(self, question: str) -> None:
        """Args:
        question: What is asked; may quote feed text, which is shown literally.
        """
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-dialog"):
            yield Label(safe_content(self._question), classes="prompt-question")
            with Horizontal(classes="prompt-buttons"):
                yield Button("Yes", id="confirm-yes", variant="primary")
                yield Button("No", id="confirm-no")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
