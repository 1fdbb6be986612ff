"""A real HTTP/1.1 server on 127.0.0.1 for tests: exact bytes, slow drips, redirects, a request log.

Built on the standard library's `ThreadingHTTPServer` (like httpx's own test server) so a test
controls the status line, every header and the timing of every chunk. Each connection runs in a
daemon thread; `stop()` ends slow routes and open connections, so it never hangs on a client.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import pytest


class Headers(dict[str, str]):
    """Request headers whose names match in any case, as in HTTP."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        for name, value in pairs:
            key = name.lower()
            self[key] = f"{self[key]}, {value}" if key in self else value

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(name.lower(), default)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the server received; also what a route handler is given."""

    method: str
    """GET, HEAD, ..."""
    path: str
    """The path and query, also when the client sent an absolute URL (as to a proxy)."""
    headers: Headers
    """The request headers, looked up in any case."""
    target: str = ""
    """The request target exactly as sent (an absolute URL when the client used a proxy)."""
    client_port: int = 0
    """The client's port: requests on one kept-alive connection share it."""


@dataclass(frozen=True, slots=True)
class Reply:
    """What a route answers.

    A `bytes` body is sent with a Content-Length. An iterable body is sent chunk by chunk, each
    after `delay_per_chunk` seconds, and the connection is closed to end it (unless the headers
    say otherwise). Headers given here are sent as they are and win over the defaults.
    """

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | Iterable[bytes] = b""
    delay_per_chunk: float = 0.0


Handler = Callable[[RecordedRequest], Reply]

NOT_FOUND = Reply(404, {"Content-Type": "text/plain"}, b"not found")


class FeedServer:
    """An HTTP server on 127.0.0.1:<free port> with routes a test sets up."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        """Every request received, in arrival order."""
        self.errors: list[str] = []
        """Tracebacks of route handlers that raised (they answer 500)."""
        self._routes: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- set-up -----------------------------------------------------------------------------

    def route(self, path: str, handler: Handler) -> None:
        """Answer requests for `path` (path and query, exactly) with `handler`."""
        with self._lock:
            self._routes[path] = handler

    def feed(
        self,
        path: str,
        body: bytes,
        content_type: str = "application/rss+xml",
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        """Serve a document with validators, answering 304 to a matching conditional GET."""
        validators = {}
        if etag is not None:
            validators["ETag"] = etag
        if last_modified is not None:
            validators["Last-Modified"] = last_modified

        def answer(request: RecordedRequest) -> Reply:
            if _not_modified(request.headers, etag, last_modified):
                return Reply(304, validators)
            return Reply(200, {"Content-Type": content_type, **validators}, body)

        self.route(path, answer)

    def redirect(self, path: str, to: str, status: int = 301) -> None:
        """Answer `path` with a redirect to `to` (sent as given, so it may be relative)."""
        self.route(path, lambda request: Reply(status, {"Location": to}))

    def url(self, path: str = "/") -> str:
        """The absolute URL of `path` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        return int(self._httpd.server_address[1])

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> Self:
        """Listen and serve in a background thread."""
        self._httpd = _Server(("127.0.0.1", 0), _RequestHandler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; slow routes stop dripping and open connections are closed."""
        self._stopping.set()
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    # -- used by the request handler --------------------------------------------------------

    def _answer(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            handler = self._routes.get(request.path)
        if handler is None:
            return NOT_FOUND
        try:
            return handler(request)
        except Exception:
            text = traceback.format_exc()
            self.errors.append(text)
            print(text, file=sys.stderr)
            return Reply(500, {"Content-Type": "text/plain"}, b"route handler failed")

    def _wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True when the server is stopping and the reply should end."""
        return self._stopping.wait(seconds) if seconds > 0 else self._stopping.is_set()

    def _track(self, connection: socket.socket, alive: bool) -> None:
        with self._lock:
            if alive:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


def _not_modified(headers: Headers, etag: str | None, last_modified: str | None) -> bool:
    """RFC 9110: If-None-Match decides when present; otherwise If-Modified-Since."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [tag.strip() for tag in if_none_match.split(",")]
        return etag is not None and (etag in tags or "*" in tags)
    since = headers.get("If-Modified-Since")
    if since is None or last_modified is None:
        return False
    if since == last_modified:
        return True
    try:
        return parsedate_to_datetime(since) >= parsedate_to_datetime(last_modified)
    except (TypeError, ValueError):
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: FeedServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):  # a client hanging up is normal here
            super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # an idle keep-alive connection does not hold its thread forever
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, alive=True)

    def finish(self) -> None:
        self.server.owner._track(self.connection, alive=False)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self._respond()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is `FeedServer.requests`."""

    def _respond(self) -> None:
        owner = self.server.owner
        target = self.path
        parts = urlsplit(target)
        path = target
        if parts.scheme and parts.netloc:  # absolute form, as sent to a proxy
            path = parts.path + (f"?{parts.query}" if parts.query else "")
        request = RecordedRequest(
            method=self.command,
            path=path or "/",
            headers=Headers(self.headers.items()),
            target=target,
            client_port=self.client_address[1],
        )
        reply = owner._answer(request)
        if isinstance(reply.body, bytes | bytearray):
            self._send_head(reply, length=len(reply.body))
            if self.command != "HEAD" and not owner._wait(reply.delay_per_chunk):
                self.wfile.write(reply.body)
            return
        self._send_head(reply, length=None)
        if self.command == "HEAD":
            return
        for chunk in _chunks(reply.body):
            if owner._wait(reply.delay_per_chunk):
                break
            self.wfile.write(chunk)
            self.wfile.flush()
        self.close_connection = True

    def _send_head(self, reply: Reply, length: int | None) -> None:
        try:
            phrase = HTTPStatus(reply.status).phrase
        except ValueError:
            phrase = "Whatever"
        self.send_response_only(reply.status, phrase)
        given = {name.lower() for name in reply.headers}
        for name, value in reply.headers.items():
            self.send_header(name, value)
        delimited = given & {"content-length", "transfer-encoding"}
        if length is not None and not delimited and reply.status not in (204, 304):
            self.send_header("Content-Length", str(length))
        if length is None and not delimited:
            self.send_header("Connection", "close")
        self.end_headers()


def _chunks(body: Iterable[bytes]) -> Iterator[bytes]:
    for chunk in body:
        if chunk:
            yield bytes(chunk)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A started `FeedServer`, stopped after the test."""
    with FeedServer() as server:
        yield server
