"""The user's UI settings (theme, pane widths, refresh interval), kept in `Paths.settings`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any, Self

from feedtui.core.jsonfile import CorruptFileError, read_json, write_json
from feedtui.core.paths import Paths

_LIMITS: dict[str, tuple[int, int]] = {
    "feeds_width": (12, 120),
    "entries_width": (20, 200),
    "refresh_after_minutes": (0, 7 * 24 * 60),
}
"""Accepted range for each number; a value outside it is brought inside."""


@dataclass(frozen=True, slots=True)
class Settings:
    """What the user chose about how feedtui looks and behaves."""

    theme: str = "textual-dark"
    """The name of the Textual theme."""
    feeds_width: int = 32
    """Width of the feeds pane, in cells."""
    entries_width: int = 60
    """Width of the entries pane, in cells."""
    refresh_after_minutes: int = 30
    """Refresh on start when the last refresh is older than this; 0 never refreshes on start."""

    @classmethod
    def load(
        cls, paths: Paths, on_corrupt: Callable[[CorruptFileError], None] | None = None
    ) -> Self:
        """The saved settings; the defaults when there are none or the file is unreadable.

        Args:
            paths: Where feedtui keeps its files.
            on_corrupt: Told when an unreadable file was set aside (`*.corrupt-<stamp>`).
        """
        try:
            data = read_json(paths.settings)
        except CorruptFileError as error:
            if on_corrupt is not None:
                on_corrupt(error)
            return cls()
        return cls.from_json(data or {})

    def save(self, paths: Paths) -> None:
        """Write the settings atomically."""
        write_json(paths.settings, self.to_json())

    def to_json(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        """Settings from a JSON object; a missing or ill-typed value keeps its default."""
        defaults = cls()
        theme = data.get("theme")
        return cls(
            theme=theme if isinstance(theme, str) and theme else defaults.theme,
            **{name: _number(data.get(name), getattr(defaults, name), name) for name in _LIMITS},
        )

    def evolve(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)


def _number(value: Any, default: int, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        return default
    low, high = _LIMITS[name]
    return max(low, min(high, value))
