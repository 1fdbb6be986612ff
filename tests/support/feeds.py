"""Small feed documents for tests, built in code so every test says what it serves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

BASE_TIME = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def rss(title: str, items: list[tuple[str, str]] | int = 3, *, link: str = "") -> bytes:
    """An RSS 2.0 feed; `items` is a count or (guid, title) pairs, newest first."""
    if isinstance(items, int):
        items = [(f"{title}-{n}", f"{title} post {n}") for n in range(items)]
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>{escape(link or 'https://example.org/')}</link>",
    ]
    for number, (guid, item_title) in enumerate(items):
        date = format_datetime(BASE_TIME - timedelta(hours=number))
        parts.append(
            f"<item><guid>{escape(guid)}</guid><title>{escape(item_title)}</title>"
            f"<link>https://example.org/{escape(guid)}</link><pubDate>{date}</pubDate>"
            f"<description>&lt;p&gt;Body of {escape(item_title)}&lt;/p&gt;</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def opml(feeds: list[tuple[str, str]], folder: str = "Local") -> bytes:
    """An OPML 2.0 file with (title, url) feeds in one folder."""
    outlines = "".join(
        f'<outline type="rss" text="{escape(t, {chr(34): "&quot;"})}" xmlUrl="{escape(u)}"/>'
        for t, u in feeds
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>t</title></head>'
        f'<body><outline text="{escape(folder)}">{outlines}</outline></body></opml>'
    ).encode()
