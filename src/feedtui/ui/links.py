"""The one place feedtui opens or copies a link: policy check first, browser off the UI thread."""

from __future__ import annotations

import webbrowser
from typing import Any

from textual.app import App, SuspendNotSupported

from feedtui.core.sanitize import clean_line, safe_link


def open_link(app: App[Any], url: str) -> bool:
    """Open `url` in the user's browser, if it is an http(s) or mailto link.

    The browser is looked up by `webbrowser`, so `$BROWSER` is honoured. It runs in a thread
    worker (group "open-link"); when no browser can be found, the link is copied instead.

    Returns:
        True if the link was handed to the browser, False if it was refused.
    """
    link = safe_link(url)
    if not link:
        app.notify(
            f"Not opening this link (only http, https and mailto are allowed): {clean_line(url)}",
            title="Link refused",
            severity="warning",
            markup=False,
        )
        return False
    app.run_worker(
        lambda: _launch(app, link),
        name="open link",
        group="open-link",
        thread=True,
        exit_on_error=False,
    )
    return True


def copy_link(app: App[Any], url: str) -> bool:
    """Copy `url` to the clipboard, if it is a link feedtui would open.

    Returns:
        True if the link was copied.
    """
    link = safe_link(url)
    if not link:
        app.notify("This post has no link to copy.", severity="warning")
        return False
    app.copy_to_clipboard(link)
    app.notify(link, title="Link copied", markup=False)
    return True


def _launch(app: App[Any], link: str) -> None:
    """Runs in a thread: start the browser, or fall back to copying."""
    if _browser_needs_terminal():
        opened = app.call_from_thread(_open_in_foreground, app, link)
    else:
        opened = _browser_open(link)
    if not opened:
        app.call_from_thread(_copy_instead, app, link)


def _browser_open(link: str) -> bool:
    try:
        return bool(webbrowser.open(link))
    except webbrowser.Error:
        return False


def _browser_needs_terminal() -> bool:
    """Is the browser `webbrowser` would use one that runs in this terminal (lynx, w3m…)?"""
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    if isinstance(browser, webbrowser.BackgroundBrowser):
        return False
    if isinstance(browser, webbrowser.GenericBrowser):
        return True
    return isinstance(browser, webbrowser.UnixBrowser) and not browser.background


def _open_in_foreground(app: App[Any], link: str) -> bool:
    """A terminal browser gets the terminal: the app is suspended while it runs."""
    try:
        with app.suspend():
            return _browser_open(link)
    except SuspendNotSupported:
        return _browser_open(link)


def _copy_instead(app: App[Any], link: str) -> None:
    app.copy_to_clipboard(link)
    app.notify(link, title="No browser found; link copied", severity="warning", markup=False)
