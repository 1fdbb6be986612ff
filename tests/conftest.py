"""Shared fixtures: an isolated data directory for every test, and no proxies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from feedtui.core.paths import Paths
from support.server import feed_server  # noqa: F401

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CORPUS = SHARED / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test reads the user's data or goes through a proxy (loopback via HTTP_PROXY breaks)."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("FEEDTUI_DATA_DIR", str(tmp_path / "data"))
    yield


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    """Paths under the test's own temporary directory."""
    return Paths.default(tmp_path / "data")
