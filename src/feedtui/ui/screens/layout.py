"""Moving between the main screen's panes, the filter, help and pane widths."""

from __future__ import annotations

from dataclasses import replace

from textual import on, work
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input

from feedtui.ui.screens.help import HelpScreen
from feedtui.ui.screens.main_base import MainScreenBase
from feedtui.ui.settings import Settings
from feedtui.ui.widgets.entry_list import EntryList

RESIZE_STEP = 4
"""How many cells `<` and `>` change a pane's width by."""


class LayoutMixin(MainScreenBase):
    """Tab, Escape, `/`, `?`, `<` and `>`, and the theme and widths kept in the settings."""

    def _panes(self) -> list[Widget]:
        return [self._feeds, self._entry_list, self._reader]

    def _pane_index(self) -> int:
        if self._feeds.has_focus:
            return 0
        if self.query_one("#entries-pane").has_focus_within:
            return 1
        return 2 if self._reader.has_focus_within else -1

    def action_next_pane(self) -> None:
        """Tab: the next pane; in the reader, first through its lists of other posts."""
        if not self._reader.focus_part(1):
            self._panes()[(self._pane_index() + 1) % 3].focus()

    def action_previous_pane(self) -> None:
        if not self._reader.focus_part(-1):
            self._panes()[(self._pane_index() - 1) % 3].focus()

    def action_back(self) -> None:
        """Escape: clear the filter, or go back a pane (reader → posts → feeds)."""
        if self._filter_input.has_focus or (self._entry_list.has_focus and self.entry_filter):
            self._filter_input.value = ""
            self._filter_input.remove_class("-shown")
            self._entry_list.focus()
        elif self._reader.has_focus_within:
            self._entry_list.focus()
        elif self._entry_list.has_focus:
            self._feeds.focus()

    def action_filter(self) -> None:
        self._filter_input.add_class("-shown")
        self._filter_input.focus()

    @on(Input.Changed, "#entry-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.entry_filter = event.value

    @on(Input.Submitted, "#entry-filter")
    def _filter_submitted(self) -> None:
        if not self.entry_filter:
            self._filter_input.remove_class("-shown")
        self._entry_list.focus()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self._key_help()))

    def _key_help(self) -> list[tuple[str, str]]:
        bindings = [*EntryList.BINDINGS, *self.BINDINGS]
        keys: list[tuple[str, str]] = []
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            shown = ", ".join(
                self.app.get_key_display(replace(binding, key=key.strip()))
                for key in binding.key.split(",")
            )
            keys.append((shown, binding.tooltip or binding.description))
        return keys

    def action_resize(self, direction: int) -> None:
        """`<` and `>`: narrow or widen the focused pane (remembered)."""
        index = self._pane_index()
        if index == 0:
            name, width = "feeds_width", self._settings.feeds_width + direction * RESIZE_STEP
        else:
            # Widening the reader narrows the entries beside it.
            sign = 1 if index == 1 else -1
            name = "entries_width"
            width = self._settings.entries_width + sign * direction * RESIZE_STEP
        self._settings = Settings.from_json({**self._settings.to_json(), name: width})
        self._apply_widths()
        self._save_settings(self._settings)

    def _apply_widths(self) -> None:
        self._feeds.styles.width = self._settings.feeds_width
        self.query_one("#entries-pane").styles.width = self._settings.entries_width

    def _theme_changed(self, _theme: object) -> None:
        if self.app.theme != self._settings.theme:
            self._settings = self._settings.evolve(theme=self.app.theme)
            self._save_settings(self._settings)

    @work(thread=True, group="settings", exit_on_error=False)
    def _save_settings(self, settings: Settings) -> None:
        settings.save(self._store.paths)
