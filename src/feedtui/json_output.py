"""JSON for scripts: feed text cleaned like everywhere else, so a terminal piping it stays safe."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from feedtui.core.sanitize import clean_text


def print_json(data: Any, stream: TextIO | None = None) -> None:
    """Print `data` as indented JSON with every string's escapes and controls removed."""
    out = stream or sys.stdout
    json.dump(_cleaned(data), out, ensure_ascii=False, indent=2)
    out.write("\n")


def _cleaned(data: Any) -> Any:
    if isinstance(data, str):
        return clean_text(data)
    if isinstance(data, dict):
        return {_cleaned(key): _cleaned(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_cleaned(item) for item in data]
    return data
