"""Cleaning text from feeds: no terminal control, no escape sequence, no bidi override survives.

Textual and Rich strip only a few controls (BEL, BS, VT, FF, CR); ESC/CSI/OSC sequences, C1
controls, NUL and bidi overrides would reach the terminal. Text is cleaned once at ingest and again
at display (for data cached by older versions). Markup lookalikes such as `[bold]` are kept: they
are text, and escaping them is the display's job.
"""

from __future__ import annotations

import re

MAX_LINE_LENGTH = 1000
"""Titles, authors and names longer than this are cut: a 1 MB title must not survive."""
MAX_LINK_LENGTH = 8192
"""Links longer than this are refused rather than stored with every entry."""

# Whole sequences go first, so their payload (an OSC 52 clipboard write, say) goes too. The 7-bit
# forms start with ESC, which no honest text contains, so an unterminated string runs to the end.
# The 8-bit string introducers (U+0090, U+0098, U+009D-U+009F) also appear in Latin-1-decoded
# Windows-1252 text (Czech "ž" is U+009E), so for them a terminator is required, the payload is
# bounded and stops at the next introducer, and the quantifiers are possessive: text full of them
# must cost linear time, not a rescan of 4 KB per character.
_SEQUENCES = re.compile(
    r"""
    \x1b\[[0-?]*+[ -/]*+[@-~]?                                  # CSI
    | \x1b[\]PX^_][^\x07\x1b\x9c]*+(?:\x07|\x1b\\|\x9c)?       # OSC, DCS, SOS, PM, APC
    | \x1b[ -/]*+[0-~]?                                        # other escapes (ESC c, ESC ( B)
    | \x9b[0-?]*+[ -/]*+[@-~]                                   # 8-bit CSI
    | [\x90\x98\x9d-\x9f][^\x07\x1b\x90-\x9f\n]{0,4096}+(?:\x07|\x1b\\|\x9c)  # 8-bit strings
    """,
    re.VERBOSE,
)
_INTRODUCERS = re.compile("[\x1b\x90\x98\x9b\x9d-\x9f]")
# C0 except tab and newline, DEL, C1, bidi embeddings/overrides/isolates, surrogates, BOM.
# U+200E/U+200F (LRM/RLM) are plain marks and stay.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufeff]")
_WHITESPACE = re.compile(r"\s+")
# What the WHATWG URL parser ignores: leading/trailing C0 and space, and tab/newline anywhere.
_URL_IGNORED = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


def clean_text(text: str) -> str:
    """Remove escape sequences and control characters, keeping newlines and tabs."""
    if not text:
        return ""
    # One scan for clean text (nearly all of it): every introducer is also a control, and CR too.
    if _CONTROLS.search(text) is None:
        return text
    if _INTRODUCERS.search(text):
        text = _SEQUENCES.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text)


def clean_line(text: str, limit: int = MAX_LINE_LENGTH) -> str:
    """One line of clean text: whitespace collapsed, cut to `limit` characters with an ellipsis."""
    if not text:
        return ""
    # Only a bounded prefix is cleaned, so a huge title costs no more than a long one.
    cut = len(text) > limit * 4
    if cut:
        text = text[: limit * 4]
    line = _WHITESPACE.sub(" ", clean_text(text)).strip()
    if cut or len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def safe_link(url: str) -> str:
    """The URL when its scheme is http, https or mailto; "" otherwise. The one link policy.

    Controls and tab/newline tricks (`java\\tscript:`) are removed before the scheme is read, so
    what is judged is what a browser would open. Inner spaces are percent-encoded.
    """
    if not url or len(url) > MAX_LINK_LENGTH:
        return ""
    candidate = clean_text(_URL_IGNORED.sub("", url)).strip()
    match = _SCHEME.match(candidate)
    if match is None or match.group(1).lower() not in _SAFE_SCHEMES:
        return ""
    rest = candidate[match.end() :]
    if match.group(1).lower() != "mailto" and not rest.startswith("//"):
        return ""
    return candidate.replace(" ", "%20")
