"""Parsing in child processes that can be killed: one document costs at most a deadline and a
memory bound, and a document past either fails on its own feed while the others go on.

A thread cannot be stopped, and a `ProcessPoolExecutor` cannot kill one job: both let a
pathological document hold a core (or all memory) for as long as feedparser takes. Each worker
here is a spawned process with its own address-space limit, fed one document at a time through a
pipe; when a document outlives the deadline, its worker is killed and replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import queue
import signal
import threading
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from feedtui.core.parse import NotAFeedError, ParsedFeed, parse_feed

PARSE_DEADLINE = 30.0
"""Seconds one document may take to parse. On a slow 2-core VM, 20 MB of escaped HTML in 2,000
posts (the most a fetch accepts) parses in 11 s; 13 MB of inline XHTML, the slowest kind, 16 s."""
PARSE_MEMORY = 1024 * 1024 * 1024
"""Bytes of address space for one parser process (Linux enforces it; macOS does not). The
documents above peak under 200 MB."""
START_TIMEOUT = 60.0
"""Seconds a new parser process may take to start and import feedparser."""
MAX_WORKERS = 8
"""More parser processes than this gain nothing: fetching and storing become the limit."""
AHEAD = 2
"""Documents sent to one parser process before its oldest answer is read."""


class ParseFailedError(NotAFeedError):
    """A document went past a parse bound or broke its parser process."""


@dataclass(frozen=True, slots=True)
class _Job:
    content: bytes
    url: str
    headers: dict[str, str]


class _Worker:
    """One parser process and the pipe to it."""

    def __init__(self, context: Any, memory: int) -> None:
        self.connection, child = context.Pipe()
        self.process: BaseProcess = context.Process(
            target=_serve, args=(child, memory), name="feedtui-parser", daemon=True
        )
        try:
            self.process.start()
        except (OSError, ValueError) as error:
            raise ParseFailedError(f"could not start a parser process: {error}") from None
        finally:
            child.close()
        # The deadline is for the document, not for starting Python and importing feedparser.
        try:
            ready = self.connection.poll(START_TIMEOUT) and self.connection.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.kill()
            raise ParseFailedError("could not start a parser process")

    def send(self, job: _Job) -> None:
        """Queue a document in the process's pipe: it starts on it as soon as it is free."""
        try:
            self.connection.send(job)
        except (EOFError, OSError):
            # The pipe stays open: answers to documents sent before are still in it.
            with contextlib.suppress(Exception):
                self.process.kill()
            raise ParseFailedError("refused: the parser process stopped on this document") from None

    def receive(self, deadline: float) -> ParsedFeed:
        """The answer for the oldest document sent, killing the process past `deadline`.

        Runs in a thread: unpickling a feed's entries would otherwise hold the event loop.
        """
        try:
            if not self.connection.poll(deadline):
                self.kill()
                raise ParseFailedError(f"refused: parsing took longer than {deadline:g} s")
            kind, value = self.connection.recv()
        except (EOFError, OSError):
            self.kill()
            raise ParseFailedError("refused: the parser process stopped on this document") from None
        if kind == "ok" and isinstance(value, ParsedFeed):
            return value
        if kind == "memory":
            self.kill()  # a process that ran out of memory is not trusted with the next one
        raise (NotAFeedError if kind == "refused" else ParseFailedError)(value)

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.join(1)
        self.connection.close()


class ParseWorkers:
    """A pool of killable parser processes, each started when a job finds none idle.

    Every process has a thread that takes the next document from a shared queue as soon as
    the last one is parsed, so the event loop is never a step between two documents. The pool
    is not bound to an event loop: the app keeps one for all its refreshes, tests share one.
    """

    def __init__(
        self,
        size: int | None = None,
        *,
        deadline: float = PARSE_DEADLINE,
        memory: int = PARSE_MEMORY,
    ) -> None:
        self.size = max(1, size or min(os.cpu_count() or 1, MAX_WORKERS))
        self.deadline = deadline
        self.memory = memory
        # Spawn, not fork: the app runs threads, and forking a threaded process is unsafe.
        self._context = multiprocessing.get_context("spawn")
        _start_resource_tracker()
        self._jobs: queue.SimpleQueue[tuple[_Job, Future[ParsedFeed]] | None] = queue.SimpleQueue()
        self._guard = threading.Lock()
        self._threads = 0
        self._idle_threads = 0
        self._workers: set[_Worker] = set()
        self._started = 0
        self._closed = False

    async def parse(
        self, content: bytes, *, url: str, headers: Mapping[str, str] | None = None
    ) -> ParsedFeed:
        """`parse_feed` in a worker process, within the deadline and the memory bound.

        Raises:
            NotAFeedError: the document is not a readable feed, or went past a bound
                (`ParseFailedError`).
        """
        future: Future[ParsedFeed] = Future()
        with self._guard:
            if self._closed:
                raise RuntimeError("the parser processes were closed")
            self._jobs.put((_Job(content, url, dict(headers or {})), future))
            if self._threads < self.size and self._jobs.qsize() > self._idle_threads:
                self._threads += 1
                threading.Thread(target=self._serve_jobs, name="feedtui-parse", daemon=True).start()
        return await asyncio.wrap_future(future)

    def _serve_jobs(self) -> None:
        """One parser process's thread: keep the process fed, start it when needed.

        The next document is sent before the last one's answer is read (`AHEAD`), so the
        process goes from one to the next without waiting for this thread to be scheduled,
        unpickle an answer and send again: in a busy refresh that wait left the parsers idle.
        """
        worker: _Worker | None = None
        sent: deque[tuple[_Job, Future[ParsedFeed]]] = deque()
        stopping = False
        while not (stopping and not sent):
            if not stopping and len(sent) < AHEAD:
                try:
                    item = self._next_job(wait=not sent)
                except queue.Empty:
                    pass  # nothing waits: read the oldest answer
                else:
                    if item is None:
                        stopping = True
                    else:
                        worker = self._send(worker, item, sent)
                    continue
            future = sent.popleft()[1]
            try:
                assert worker is not None  # a document was sent to it
                future.set_result(worker.receive(self.deadline))
            except BaseException as error:  # noqa: BLE001 - handed to the caller
                future.set_exception(error)
            if worker is not None and not worker.alive:
                self._forget(worker)
                # The documents sent after the one that killed it start again in a new one.
                worker = self._resend(sent)
        if worker is not None:
            self._forget(worker)

    def _next_job(self, *, wait: bool) -> tuple[_Job, Future[ParsedFeed]] | None:
        """The next queued document, or None to stop.

        Raises:
            queue.Empty: nothing waits and `wait` is off.
        """
        with self._guard:
            if not wait and self._idle_threads:
                raise queue.Empty  # an idle process should take it, not wait behind this one
            self._idle_threads += wait
        try:
            return self._jobs.get() if wait else self._jobs.get_nowait()
        finally:
            with self._guard:
                self._idle_threads -= wait

    def _send(
        self,
        worker: _Worker | None,
        item: tuple[_Job, Future[ParsedFeed]],
        sent: deque[tuple[_Job, Future[ParsedFeed]]],
    ) -> _Worker | None:
        """Send one document (starting a process if needed); the worker to use next."""
        job, future = item
        if not future.set_running_or_notify_cancel():
            return worker  # the refresh that asked was cancelled
        try:
            worker = worker or self._start_worker()
            worker.send(job)
        except ParseFailedError as error:
            if sent:
                # The process died on an earlier document: this one goes to its successor.
                sent.append(item)
            else:
                future.set_exception(error)
                if worker is not None:
                    self._forget(worker)
                    worker = None
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            future.set_exception(error)
        else:
            sent.append(item)
        return worker

    def _resend(self, sent: deque[tuple[_Job, Future[ParsedFeed]]]) -> _Worker | None:
        if not sent:
            return None
        try:
            worker = self._start_worker()
            for job, _ in sent:
                worker.send(job)
        except BaseException as error:  # noqa: BLE001 - handed to the callers
            while sent:
                sent.popleft()[1].set_exception(error)
            return None
        return worker

    def _start_worker(self) -> _Worker:
        if self._closed:
            raise RuntimeError("the parser processes were closed")
        worker = _Worker(self._context, self.memory)
        with self._guard:
            self._workers.add(worker)
            self._started += 1
            if self._closed:
                worker.kill()
        return worker

    def _forget(self, worker: _Worker) -> None:
        worker.kill()
        with self._guard:
            self._workers.discard(worker)

    @property
    def started(self) -> int:
        """How many processes were started so far (a killed one is replaced by a new one)."""
        return self._started

    def close(self) -> None:
        """Kill every parser process; documents still waiting or parsing fail."""
        with self._guard:
            self._closed = True
            workers, self._workers = list(self._workers), set()
            threads = self._threads
        for worker in workers:
            worker.kill()
        while True:
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                break
            if item is not None and item[1].set_running_or_notify_cancel():
                item[1].set_exception(RuntimeError("the parser processes were closed"))
        for _ in range(threads):
            self._jobs.put(None)

    def __enter__(self) -> ParseWorkers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


async def parse_off_loop(
    parsers: ParseWorkers | None,
    content: bytes,
    *,
    url: str,
    headers: Mapping[str, str] | None = None,
) -> ParsedFeed:
    """`parse_feed` off the event loop: in a parser process when given some, else in a thread.

    The thread is unbounded in time and memory: only for documents that are trusted.
    """
    if parsers is None:
        return await asyncio.to_thread(parse_feed, content, url=url, headers=headers)
    return await parsers.parse(content, url=url, headers=headers)


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, while the real stderr is in place.

    Spawning starts it on first use and passes it `sys.stderr.fileno()`; inside the app that is
    Textual's capture, whose fileno is -1, and every spawn would fail with "bad value(s) in
    fds_to_keep".
    """
    if os.name != "posix":
        return
    from multiprocessing import resource_tracker

    with contextlib.suppress(Exception):
        resource_tracker.ensure_running()


def _serve(connection: Connection, memory: int) -> None:
    """A parser process: parse each document sent until the pipe closes.

    A thread takes documents off the pipe as they come, so the parent's sending the next one
    never waits for this one's answer to be read (both would block on a full pipe). After
    running out of memory the process answers and exits: the parent starts a fresh one.
    """
    _quiet()
    _limit_memory(memory)
    jobs: queue.SimpleQueue[_Job | BaseException] = queue.SimpleQueue()
    threading.Thread(target=_take_jobs, args=(connection, jobs), daemon=True).start()
    connection.send("ready")
    while True:
        job = jobs.get()
        if isinstance(job, MemoryError):  # the document itself did not fit
            reply: tuple[str, Any] = (
                "memory",
                f"refused: the document needs more than {_size(memory)}",
            )
        elif isinstance(job, BaseException):
            return  # the pipe closed
        else:
            try:
                reply = _answer(job, memory)
            except MemoryError:
                reply = ("memory", f"refused: the document needs more than {_size(memory)}")
        try:
            connection.send(reply)
        except MemoryError:
            reply = ("memory", f"refused: the parsed feed is bigger than {_size(memory)}")
            with contextlib.suppress(Exception):
                connection.send(reply)
        except (EOFError, OSError):
            return
        if reply[0] == "memory":
            return


def _take_jobs(connection: Connection, jobs: queue.SimpleQueue[_Job | BaseException]) -> None:
    """Move each document from the pipe to `jobs`; an exception ends the stream.

    After a document that does not fit in memory the rest of the pipe is read and dropped: the
    parent may still be sending, and would wait on a full pipe while this process waits for it
    to read the answers before that document. The process exits once they are sent.
    """
    while True:
        try:
            jobs.put(connection.recv())
        except (EOFError, OSError) as error:
            jobs.put(error)
            return
        except MemoryError as error:
            jobs.put(error)
            _drain(connection)
            return


def _drain(connection: Connection) -> None:
    chunk = bytearray(64 * 1024)
    with contextlib.suppress(OSError):
        while os.readv(connection.fileno(), [chunk]):
            pass


def _answer(job: _Job, memory: int) -> tuple[str, Any]:
    try:
        return "ok", parse_feed(job.content, url=job.url, headers=job.headers)
    except NotAFeedError as error:
        return "refused", str(error)
    except MemoryError:
        return "memory", f"refused: parsing needed more than {_size(memory)} of memory"
    except Exception as error:  # noqa: BLE001 - reported on its feed, never raised
        return "error", f"not a readable feed: the parser failed ({type(error).__name__})"


def _quiet() -> None:
    """No output and no Ctrl-C in a parser: it shares the terminal with the app.

    A warning printed there would land in the middle of the screen, and Ctrl-C in `feedtui
    refresh` reaches the whole process group: the parent stops its workers itself.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)


def _limit_memory(memory: int) -> None:
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource  # not on Windows

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))


def _size(memory: int) -> str:
    return f"{memory / 1024**3:g} GB" if memory >= 1024**3 else f"{memory // 1024**2} MB"
