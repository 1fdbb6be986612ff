"""Bounds on a document before feedparser sees it: entry count and element nesting.

feedparser's cost grows with both (measured: 100,000 entries took 60 s; 100,000 nested elements
8-14 s), so a document past them is cut (entries) or refused (nesting) with a clear reason.
A well-formed document is held to them by expat while it parses (`STRICT_BOUNDS`); the scan
here is for the others, before feedparser's loose parser reads them.
"""

from __future__ import annotations

import re

from feedtui.core.expat_driver import StrictBounds

MAX_DOCUMENT_ENTRIES = 2000
"""Entries past this many, in document order, are not parsed at all."""
MAX_NESTING = 1000
"""Documents with elements nested deeper than this are refused."""
STRICT_BOUNDS = StrictBounds(max_depth=MAX_NESTING, max_entries=MAX_DOCUMENT_ENTRIES)
"""The same bounds, counted by expat while it parses a well-formed document."""
TOO_DEEP = f"refused: elements nested more than {MAX_NESTING} deep"

# Any prefix: "a·:entry" is a well-formed name that expat counts as an entry.
_ENTRY_START = re.compile(r"<(?:[^\s<>/:!?]+:)?(?:item|entry)[\s>/]", re.IGNORECASE)
_TAG = re.compile(r"<(/?)[A-Za-z][^<>]*?(/?)>")


class DocumentTooComplexError(Exception):
    """The document is past a bound that would make parsing it slow."""


def bound_document(document: str) -> tuple[str, str]:
    """The document cut to MAX_DOCUMENT_ENTRIES entries, and a warning when it was cut.

    Raises:
        DocumentTooComplexError: elements are nested deeper than MAX_NESTING.
    """
    _check_nesting(document)
    starts = _ENTRY_START.finditer(document)
    for count, match in enumerate(starts, start=1):
        if count > MAX_DOCUMENT_ENTRIES:
            total = count + sum(1 for _ in starts)
            warning = f"only the first {MAX_DOCUMENT_ENTRIES:,} of {total:,} entries were read"
            return document[: match.start()], warning
    return document, ""


def _check_nesting(document: str) -> None:
    if document.count("<") < MAX_NESTING:
        return
    markup = _without_cdata(document) if "<![CDATA[" in document else document
    depth = 0
    for match in _TAG.finditer(markup):
        closing, empty = match.groups()
        if closing:
            depth = max(0, depth - 1)
        elif not empty:
            depth += 1
            if depth > MAX_NESTING:
                raise DocumentTooComplexError(TOO_DEEP)


def _without_cdata(document: str) -> str:
    """The document with its CDATA sections cut out; an unclosed one runs to the end.

    `str.find`, not a lazy regex: the regex tried its terminator at every character of every
    body, which cost more than the nesting walk itself.
    """
    pieces = []
    pos = 0
    while (start := document.find("<![CDATA[", pos)) >= 0:
        pieces.append(document[pos:start])
        end = document.find("]]>", start + 9)
        if end < 0:
            return "".join(pieces)
        pos = end + 3
    pieces.append(document[pos:])
    return "".join(pieces)
