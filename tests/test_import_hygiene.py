"""The core never imports Textual or Rich; the scripting CLI does not load the UI."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import feedtui.core

CORE_MODULES = sorted(
    f"feedtui.core.{module.name}" for module in pkgutil.iter_modules(feedtui.core.__path__)
)


@pytest.mark.parametrize(
    "module", ["feedtui.cli", "feedtui.cli_refresh", "feedtui.cli_stories", *CORE_MODULES]
)
def test_module_does_not_import_the_ui(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich') "
        "or m.startswith('feedtui.ui')]; print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_there_are_core_modules_to_check() -> None:
    assert {"feedtui.core.store", "feedtui.core.refresh", "feedtui.core.parse"} <= set(CORE_MODULES)
