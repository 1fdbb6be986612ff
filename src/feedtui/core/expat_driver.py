"""The SAX driver feedparser parses with: expat, buffering text, and optionally stopping early.

feedparser asks `xml.sax.make_parser` for a driver by module name (`feedparser_speedups` names
this one). Two things differ from the standard library's:

- expat buffers text, so feedparser gets one call per text node instead of one per line and per
  entity: a third of its time on escaped-HTML bodies.
- Inside `stopping_early(...)`, the parse stops with `StrictParseStopped` at the first
  well-formedness error, past a nesting depth or past an entry count. feedparser catches only
  SAX errors, so this reaches the caller instead of feedparser's slow loose parser: a document
  that parses cleanly needs no scan of its own beforehand, and the few that do not are cleaned
  and bounded first (`core.parse`).
"""

from __future__ import annotations

import contextlib
import xml.sax.expatreader
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

StopReason = Literal["malformed", "too deep", "too many entries"]
_ENTRY_NAMES = frozenset({"item", "entry"})


@dataclass(frozen=True, slots=True)
class StrictBounds:
    """Where a strict parse stops."""

    max_depth: int
    max_entries: int


class StrictParseStopped(Exception):  # noqa: N818 - a signal, not an error of the document
    """A strict parse stopped early; `reason` says why."""

    def __init__(self, reason: StopReason, error: xml.sax.SAXParseException | None = None) -> None:
        super().__init__(reason)
        self.reason: StopReason = reason
        self.error = error
        """expat's own error, when the document is malformed."""


_bounds: ContextVar[StrictBounds | None] = ContextVar("feedtui_strict_bounds", default=None)
_refusal: ContextVar[xml.sax.SAXException | None] = ContextVar(
    "feedtui_strict_refusal", default=None
)


@contextlib.contextmanager
def stopping_early(bounds: StrictBounds) -> Iterator[None]:
    """Parses started inside stop at the first error or past `bounds` (this thread only)."""
    token = _bounds.set(bounds)
    try:
        yield
    finally:
        _bounds.reset(token)


@contextlib.contextmanager
def loosely(error: xml.sax.SAXException) -> Iterator[None]:
    """Parses started inside fail at once with `error`, so feedparser goes straight to its loose
    parser: for a document expat already stopped on, a second strict pass would only fail
    at the same place."""
    token = _refusal.set(error)
    try:
        yield
    finally:
        _refusal.reset(token)


class BufferedExpatParser(xml.sax.expatreader.ExpatParser):
    """The standard library's expat driver, with buffered text and optional bounds."""

    _limits: StrictBounds | None = None
    _depth = 0
    _entries = 0

    def reset(self) -> None:
        super().reset()
        parser: Any = self._parser  # type: ignore[attr-defined]  # private in the stubs
        parser.buffer_text = True
        self._limits = _bounds.get()
        if self._limits is not None:
            self._depth = self._entries = 0
            self._start, self._end = parser.StartElementHandler, parser.EndElementHandler
            parser.StartElementHandler = self._bounded_start
            parser.EndElementHandler = self._bounded_end

    def feed(self, data: Any, isFinal: bool = False) -> None:  # noqa: N803 - the base's name
        if (refusal := _refusal.get()) is not None:
            raise refusal
        try:
            super().feed(data, isFinal)
        except xml.sax.SAXParseException as error:
            if self._limits is None:
                raise
            raise StrictParseStopped("malformed", error) from None

    def _bounded_start(self, name: str, attributes: Any) -> None:
        limits = self._limits
        assert limits is not None  # installed only with limits
        self._depth += 1
        if self._depth > limits.max_depth:
            raise StrictParseStopped("too deep")
        # With namespaces on, expat names an element "uri local prefix" (or "uri local", or
        # just "local" outside any namespace): "a:entry" must count as well as "entry".
        parts = name.split(" ", 2)
        if parts[len(parts) > 1].lower() in _ENTRY_NAMES:
            self._entries += 1
            if self._entries > limits.max_entries:
                raise StrictParseStopped("too many entries")
        self._start(name, attributes)

    def _bounded_end(self, name: str) -> None:
        self._depth -= 1
        self._end(name)


def create_parser(*args: Any, **kwargs: Any) -> BufferedExpatParser:
    """The SAX driver entry point: `xml.sax.make_parser` imports this module and calls it."""
    return BufferedExpatParser(*args, **kwargs)
