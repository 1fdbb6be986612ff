"""Cleaning text from feeds: no terminal control, no escape sequence, no bidi override survives.

Textual and Rich strip only a few controls (BEL, BS, VT, FF, CR); ESC/CSI/OSC sequences, C1
controls, NUL and bidi overrides would reach the terminal. Text is cleaned once at ingest and again
at display (for data cached by older versions).
"""

from __future__ import annotations

import re

MAX_LINE_LENGTH = 1000
"""Titles, authors and names longer than this are cut: a 1 MB title must not survive."""

# Whole sequences first, so their payload (an OSC 52 clipboard write, say) goes too.
_SEQUENCES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?            # CSI
    | \x9b[0-?]*[ -/]*[@-~]?            # 8-bit CSI
    | \x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # OSC, DCS, SOS, PM, APC strings
    | [\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?  # their 8-bit forms
    | \x1b[ -/]*[0-~]?                  # other two-character escapes
    """,
    re.VERBOSE,
)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s+")
_SAFE_SCHEMES = ("http", "https", "mailto")


def clean_text(text: str) -> str:
    """Remove escape sequences and control characters, keeping newlines and tabs."""
    if not text:
        return ""
    if "\x1b" in text or any("\x90" <= c <= "\x9f" for c in text):
        text = _SEQUENCES.sub("", text)
    return _CONTROLS.sub("", text)


def clean_line(text: str, limit: int = MAX_LINE_LENGTH) -> str:
    """One line of clean text: whitespace collapsed, bounded in length."""
    line = _WHITESPACE.sub(" ", clean_text(text)).strip()
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def safe_link(url: str) -> str:
    """The URL when it is http, https or mailto; "" otherwise. The one link policy."""
    if not url:
        return ""
    candidate = _WHITESPACE.sub("", clean_text(url))
    scheme, colon, _ = candidate.partition(":")
    if not colon or scheme.lower() not in _SAFE_SCHEMES:
        return ""
    if scheme.lower() in ("http", "https") and not candidate[len(scheme) + 1 :].startswith("//"):
        return ""
    return candidate
