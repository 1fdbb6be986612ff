"""Hostile feed titles quoted in notifications show as text: no markup, no escape sequence."""

from __future__ import annotations

from pathlib import Path

from textual.widgets._toast import Toast

from feedtui.core.models import Subscription
from feedtui.core.paths import Paths
from feedtui.core.store import Store
from support.server import FeedServer
from ui_support import make_app, settle

EVIL = "[@click=app.quit]evil[/] x [/bold] \x1b]52;c;aGVsbG8=\x07\u202eboom"


async def test_failed_refresh_notification_quotes_the_title_as_text(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    store = Store(Paths.default(tmp_path / "data"))
    store.add_subscriptions([Subscription(feed_server.url("/missing.xml"), EVIL)])
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot, rounds=8)
        quoting = [n for n in app._notifications if "evil" in n.message]
        assert quoting, [n.message for n in app._notifications]
        for notification in quoting:
            assert "[@click=app.quit]evil[/]" in notification.message
            assert not notification.markup
            assert "\x1b" not in notification.message and "\u202e" not in notification.message
            rendered = Toast(notification).render().plain  # what the toast would draw
            assert "[@click=app.quit]evil[/]" in rendered and "\x1b" not in rendered
        assert app.is_running  # a MarkupError would have killed it
