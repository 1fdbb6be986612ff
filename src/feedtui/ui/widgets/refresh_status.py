"""The refresh status line: a progress bar and the feed that just finished."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import var
from textual.widgets import Label, ProgressBar

from feedtui.ui.safe_text import safe_content


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a refresh has got."""

    done: int
    """Feeds finished."""
    total: int
    """Feeds in this refresh."""
    text: str = ""
    """What just happened, e.g. "Example Blog: 3 new" (feed text, shown literally)."""


class RefreshStatus(Horizontal):
    """Shown only while feeds are refreshing."""

    DEFAULT_CSS = """
    RefreshStatus {
        height: 1;
        display: none;
        &.-active { display: block; }
        ProgressBar { width: auto; margin-right: 1; }
        #refresh-text { width: 1fr; color: $text-muted; }
    }
    """

    progress: var[Progress | None] = var(None)
    """The refresh under way, or None."""

    def compose(self) -> ComposeResult:
        yield ProgressBar(show_eta=False, id="refresh-bar")
        yield Label(id="refresh-text", markup=False)

    def watch_progress(self, progress: Progress | None) -> None:
        self.set_class(progress is not None, "-active")
        if progress is None or not self.is_mounted:
            return
        self.query_one(ProgressBar).update(total=max(progress.total, 1), progress=progress.done)
        text = f"Refreshing {progress.done}/{progress.total}"
        label = safe_content(f"{text} · {progress.text}" if progress.text else text)
        self.query_one("#refresh-text", Label).update(label)
