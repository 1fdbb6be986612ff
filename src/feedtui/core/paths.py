"""Where feedtui keeps its files: one `Paths` object that every part is handed."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "feedtui"
DATA_DIR_VARIABLE = "FEEDTUI_DATA_DIR"


@dataclass(frozen=True, slots=True)
class Paths:
    """Every file location feedtui uses, derived from a data and a config directory."""

    data: Path
    """Subscriptions, entries and read state."""
    config: Path
    """User settings (theme, pane widths)."""

    @classmethod
    def default(cls, data_dir: str | os.PathLike[str] | None = None) -> Paths:
        """`data_dir`, else `$FEEDTUI_DATA_DIR`, else platformdirs' user directories."""
        chosen = data_dir or os.environ.get(DATA_DIR_VARIABLE)
        if chosen:
            root = Path(chosen).expanduser()
            return cls(data=root, config=root)
        return cls(
            data=platformdirs.user_data_path(APP_NAME, appauthor=False),
            config=platformdirs.user_config_path(APP_NAME, appauthor=False),
        )

    @property
    def subscriptions(self) -> Path:
        return self.data / "subscriptions.json"

    @property
    def index(self) -> Path:
        """Per-feed state and counts: all start-up needs to draw the feeds pane."""
        return self.data / "index.json"

    @property
    def entries_dir(self) -> Path:
        return self.data / "entries"

    @property
    def bodies_dir(self) -> Path:
        return self.data / "bodies"

    @property
    def marks_dir(self) -> Path:
        return self.data / "marks"

    @property
    def rows_dir(self) -> Path:
        """Per-feed row indexes: a derived cache, rebuilt from `entries/` when stale."""
        return self.data / "rows"

    @property
    def lock(self) -> Path:
        return self.data / ".lock"

    @property
    def settings(self) -> Path:
        return self.config / "settings.json"

    def entries_file(self, key: str) -> Path:
        return self.entries_dir / f"{key}.json"

    def bodies_file(self, key: str) -> Path:
        return self.bodies_dir / f"{key}.json"

    def marks_file(self, key: str) -> Path:
        return self.marks_dir / f"{key}.json"

    def rows_file(self, key: str) -> Path:
        return self.rows_dir / f"{key}.json"
