"""Feed text made ready for the screen: cleaned of escapes and never read as markup."""

from __future__ import annotations

from textual.content import Content

from feedtui.core.sanitize import clean_text


def plain(text: str) -> str:
    """Feed text with escape sequences, control characters and bidi overrides removed."""
    return clean_text(text)


def safe_content(text: str, style: str = "") -> Content:
    """Feed text as `Content`: cleaned, shown literally (`[b]` stays `[b]`), optionally styled.

    Args:
        text: Text that came from a feed, a URL, or anyone but us.
        style: A Textual style for the whole text, such as `"bold"` or `"$text-muted"`.
    """
    content = Content(plain(text))
    return content.stylize(style) if style else content
