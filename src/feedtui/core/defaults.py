"""The default subscriptions: `feeds.opml`, shipped inside the package (one file, no copy)."""

from __future__ import annotations

from importlib.resources import files

from feedtui.core.models import Subscription
from feedtui.core.opml import parse_opml


def default_subscriptions() -> list[Subscription]:
    """The packaged default list (the repository's `feeds.opml` links to the same file)."""
    data = files("feedtui").joinpath("feeds.opml").read_bytes()
    return parse_opml(data, "feeds.opml")
