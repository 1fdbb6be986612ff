"""A local HTTP server for the benchmarks: a directory on 127.0.0.1, ETag/Last-Modified and 304s.

Run: `python bench/server.py DIR [--port 8765] [--latency-ms 50] [--max-seconds 600]`, or
in-process:

    with BenchServer(directory, latency_ms=50) as server:
        ...  # server.port, server.counts(), server.reset_counts(), server.latency_ms = 0

It stops by itself after `max_seconds` and prints its request counts (by status) when it stops.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
import time
from collections import Counter
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default 5 makes a burst of 16-64 connects wait for SYN retries
    bench: BenchServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections
    server: _Server
    timeout = 30  # idle keep-alive connections give their thread back

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        bench = self.server.bench
        if bench.latency_ms:
            time.sleep(bench.latency_ms / 1000)
        found = bench.lookup(self.path)
        if found is None:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", {}, body)
            return
        path, etag, last_modified, mtime = found
        headers = {"ETag": etag, "Last-Modified": last_modified, "Cache-Control": "no-cache"}
        if _not_modified(
            self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since"), etag, mtime
        ):
            self._send(HTTPStatus.NOT_MODIFIED, b"", headers, body)
            return
        headers["Content-Type"] = "application/xml"
        self._send(HTTPStatus.OK, path.read_bytes(), headers, body)

    def _send(self, status: HTTPStatus, data: bytes, headers: dict[str, str], body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body and data:
            self.wfile.write(data)
        self.server.bench.record(int(status), len(data) if body else 0)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # the request log is the counts, not a line per request


def _not_modified(
    if_none_match: str | None, if_modified_since: str | None, etag: str, mtime: int
) -> bool:
    """RFC 9110: If-None-Match decides when present; otherwise If-Modified-Since."""
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if if_modified_since:
        try:
            return int(parsedate_to_datetime(if_modified_since).timestamp()) >= mtime
        except (TypeError, ValueError):
            return False
    return False


def loopback_host(number: int, hosts: int) -> str:
    """The address feed `number` is served on when the feeds are spread over `hosts` hosts.

    127.0.0.1, then 127.0.1.1, 127.0.1.2, ...: all loopback, but distinct hosts to a client,
    as a real subscription list is spread over many sites.
    """
    index = number % max(1, hosts)
    return "127.0.0.1" if index == 0 else f"127.0.1.{index}"


class BenchServer:
    """A threaded HTTP server over `root` on loopback, started in a thread, bounded in time.

    With `hosts` > 1 it also listens, on the same port, on the addresses `loopback_host` gives.
    """

    def __init__(
        self,
        root: Path,
        *,
        port: int = 0,
        latency_ms: float = 0,
        max_seconds: float = 3600,
        hosts: int = 1,
    ) -> None:
        self.root = root.resolve()
        self.latency_ms = latency_ms
        """Sleep this long before answering each request (models a round trip)."""
        self.max_seconds = max_seconds
        self._counts: Counter[int] = Counter()
        self._bytes = 0
        self._lock = threading.Lock()
        self._stats: dict[str, tuple[Path, str, str, int] | None] = {}
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._servers = [self._httpd] + [
            _Server((loopback_host(index, hosts), self.port), _Handler) for index in range(1, hosts)
        ]
        for server in self._servers:
            server.bench = self
        self.hosts = hosts
        """How many loopback addresses the feeds are spread over."""
        self._threads: list[threading.Thread] = []
        self._timer: threading.Timer | None = None
        self.stopped = threading.Event()
        """Set once the server has stopped and printed its counts."""
        self._stop_lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def lookup(self, request_path: str) -> tuple[Path, str, str, int] | None:
        """The file for a request path with its ETag, Last-Modified and mtime (cached stat)."""
        key = request_path.split("?", 1)[0]
        if key not in self._stats:
            path = (self.root / key.lstrip("/")).resolve()
            if not path.is_relative_to(self.root) or not path.is_file():
                return None
            stat = path.stat()
            mtime = int(stat.st_mtime)
            etag = f'"{mtime:x}-{stat.st_size:x}"'
            self._stats[key] = (path, etag, formatdate(mtime, usegmt=True), mtime)
        return self._stats[key]

    def record(self, status: int, sent: int) -> None:
        with self._lock:
            self._counts[status] += 1
            self._bytes += sent

    def counts(self) -> dict[str, int]:
        """Requests answered so far, by status, and the body bytes sent."""
        with self._lock:
            result = {str(status): count for status, count in sorted(self._counts.items())}
            result["bytes"] = self._bytes
            return result

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()
            self._bytes = 0

    def start(self) -> BenchServer:
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            self._threads.append(thread)
        self._timer = threading.Timer(self.max_seconds, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        """Stop serving (idempotent) and print the request counts."""
        with self._stop_lock:
            if self.stopped.is_set():
                return
            if self._timer is not None:
                self._timer.cancel()
            for server in self._servers:
                server.shutdown()
                server.server_close()
            print(f"bench server :{self.port} stopped; requests {self.counts()}", flush=True)
            self.stopped.set()

    def __enter__(self) -> BenchServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="directory to serve (e.g. a generate.py output)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--max-seconds", type=float, default=600, help="stop after this long")
    parser.add_argument("--hosts", type=int, default=1, help="loopback addresses to listen on")
    args = parser.parse_args()
    server = BenchServer(
        args.root,
        port=args.port,
        latency_ms=args.latency_ms,
        max_seconds=args.max_seconds,
        hosts=args.hosts,
    )
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.stop).start())
    server.start()
    print(f"serving {server.root} on http://127.0.0.1:{server.port}/ for {args.max_seconds:g} s")
    with contextlib.suppress(KeyboardInterrupt):
        server.stopped.wait(args.max_seconds + 5)
    server.stop()


if __name__ == "__main__":
    main()
