"""The store process, and the client the spider talks to it with.

Scrapy's own machinery (scheduling, downloading, middlewares) keeps one core
busy; parsing pages and writing SQLite would need as much again.  So the
spider hands each response to a second process over a socket pair and awaits
the answer: the links to follow.  That process owns the recorder
(:class:`~crawler.record.router.Router`), hence every database write (one writer).  The messages it
accepts are the router's table (``crawler.record.router.MESSAGES``), plus ``init``, which creates it.

``DECAY_WORKER=0`` runs the recorder inside the Scrapy process instead (same
code, one core): handy for debugging.

Wire format: 4-byte big-endian length, then a pickle of ``(id, method, args)``
(requests) or ``(id, ok, result)`` (answers).  Both ends are this package.
"""
from __future__ import annotations

import asyncio
import logging
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import traceback
from typing import Any, Callable
from crawler.record.router import Router
from crawler.store import OwnerGone
from foundation import spawn
from foundation.times import utcnow

logger = logging.getLogger(__name__)
_LEN = struct.Struct("!I")
SOCKET_BUFFER = 4 << 20


class WorkerDied(RuntimeError):
    pass


# ---------------------------------------------------------------------------- process side
def serve(sock: socket.socket, parent: int | None = None) -> None:
    """Answer requests until the other end closes; then end the crawl as interrupted if it was not finished.

    A request that fails (a database locked for longer than the busy timeout, a bug) loses what that answer
    would have recorded or discovered: the crawl then ends ``failed`` with the first error as its reason, and is
    never merged as complete with pages missing.  ``parent`` is the crawl process: if it has gone when the merge
    is about to commit, nothing is merged, the crawl is marked interrupted, and this process ends quietly.
    """
    import threading


    # Scrapy's sitemap reader imports most of Scrapy (0.3 s): import it while the crawl has other things to do
    threading.Thread(target=_import_quietly, args=("scrapy.utils.sitemap",), daemon=True).start()

    rf = sock.makefile("rb", buffering=1 << 16)
    log = _message_log()
    recorder: Router | None = None
    errors: list[str] = []   # one line per failed request

    def send(msg: Any) -> bool:
        data = pickle.dumps(msg, protocol=5)
        try:
            sock.sendall(_LEN.pack(len(data)) + data)
            return True
        except OSError:   # the crawl process has gone (BrokenPipeError): nobody to answer
            return False

    while True:
        hdr = rf.read(4)
        if len(hdr) < 4:
            break
        (n,) = _LEN.unpack(hdr)
        data = rf.read(n)
        if len(data) < n:
            break
        if log is not None:
            log.write(hdr + data)
        rid, method, args = pickle.loads(data)
        try:
            if method == "init":
                recorder = Router(*args)
                if parent is not None:
                    recorder.ctx.main.owner_alive = lambda: os.getppid() == parent
                result: Any = recorder.crawl_id
            elif recorder is None:
                raise RuntimeError("init must come first")
            elif method == "finish":
                if _dump_memory is not None:
                    _dump_memory()
                result = _finish(recorder, args, errors)
            else:
                result = recorder.handle(method, *args)
            ok = send((rid, True, result))
        except OwnerGone as e:
            _mark(recorder, "interrupted", str(e))
            recorder.ctx.staging.remove()
            return
        except Exception as e:
            if method != "init":
                errors.append(f"{method}: {_one_line(e)}")
            ok = send((rid, False, traceback.format_exc()))
        if not ok:
            break
    if recorder is not None and not recorder.finished:
        try:
            recorder.handle("finish", "interrupted", "the crawl process ended before the crawl finished (killed?); facts not merged")
        except Exception:
            traceback.print_exc()


def _one_line(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}".splitlines()[0][:500]


def _finish(recorder: Router, args: tuple, errors: list[str]) -> dict:
    """The recorder's finish, except that a crawl with failed requests is failed, not complete, and a merge that cannot
    write the database ends the crawl failed with that reason."""
    import sqlite3

    status, reason = (list(args) + ["complete", None])[:2]
    if status == "complete" and errors:
        status = "failed"
        reason = (f"the store process could not record {len(errors)} answer(s), so pages or links could be missing "
                  f"(first: {errors[0]}); nothing was merged, the previous results are intact")
    try:
        return recorder.handle("finish", status, reason)
    except sqlite3.Error as e:
        why = f"the crawl's facts could not be merged: {_one_line(e)}"
        _mark(recorder, "failed", why)
        return {"crawl_id": recorder.crawl_id, "status": "failed", "reason": why, "sites": []}


def _mark(recorder: Router | None, status: str, reason: str) -> None:
    """Record the end of the crawl in its crawls row, if the database lets us (else the next command marks it)."""

    if recorder is None:
        return
    recorder.ctx.finished = True
    try:
        recorder.ctx.main.update_crawl(recorder.crawl_id, status=status, reason=reason, finished_at=utcnow(), pid=None)
    except Exception:  # noqa: BLE001 - the crawl process is gone or the database locked: the row's pid is dead anyway
        pass


def _message_log():
    """DECAY_RECORD_MESSAGES=FILE (benchmarks/store_replay.py): every message the spider sends, appended to FILE as
    it came (its length, then its pickle), so that the store process's work can be replayed without Scrapy."""
    path = os.environ.get("DECAY_RECORD_MESSAGES")
    return open(path, "ab", buffering=0) if path else None   # unbuffered: nothing left unwritten however it ends


def _import_quietly(module: str) -> None:
    import importlib

    try:
        importlib.import_module(module)
    except Exception:   # noqa: BLE001 (the real import, where it is used, reports any problem)
        pass


def _trace_memory() -> None:
    """DECAY_TRACEMALLOC=FILE (benchmarks): trace this process's allocations and, when it ends, write the
    largest holders by line to FILE when the crawl finishes (before the merge): what grows with the site."""
    path = os.environ.get("DECAY_TRACEMALLOC")
    if not path:
        return
    import tracemalloc

    tracemalloc.start(1)

    def dump() -> None:
        snap = tracemalloc.take_snapshot()
        current, peak = tracemalloc.get_traced_memory()
        with open(path, "w") as f:
            f.write(f"traced now {current / 1e6:.1f} MB, peak {peak / 1e6:.1f} MB\n")
            for stat in snap.statistics("lineno")[:40]:
                f.write(f"{stat}\n")

    global _dump_memory
    _dump_memory = dump


_dump_memory = None   # set by _trace_memory: called when the crawl finishes, before the merge


def main() -> None:
    _trace_memory()
    # Ctrl-C and SIGTERM are for the crawl process, which then tells us how to finish.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = os.getppid()
    sock = socket.socket(fileno=int(sys.argv[1]))
    try:
        serve(sock, parent)
    finally:
        sock.close()


# ---------------------------------------------------------------------------- client side
Callback = Callable[[Any], None]


class ProcessStore:
    """Runs the recorder in a child process.

    ``await call(method, *args)`` waits for the answer; ``submit(method, args, on_result)`` does not: the
    answer is passed to ``on_result`` when it comes (answers come in the order of the requests).  The
    spider submits pages and goes on downloading, so neither process waits for the other while both
    have work; ``in_flight`` says how far the store process is behind, for back-pressure.
    """

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.pending: dict[int, tuple[asyncio.Future | None, Callback | None]] = {}
        self.next_id = 0
        self.dead: str | None = None
        self.stopped: str | None = None   # why the graceful stop's deadline killed the process (decay.steps.StopDeadline)
        self.on_error: Callable[[str], None] = lambda message: logger.error("%s", message)
        self.on_death: Callable[[str], None] = lambda message: None
        self._task: asyncio.Task | None = None

    @property
    def in_flight(self) -> int:
        return len(self.pending)

    def spawn(self) -> None:
        """Start the process now (it imports its modules while Scrapy starts); ``start`` connects to it."""
        if self.proc is not None:
            return
        a, b = socket.socketpair()
        for sock in (a, b):  # room for ~200 pages in the kernel, so a busy event loop does not starve the store process
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)
        self.proc = subprocess.Popen(spawn.python("-m", "crawler.worker", str(b.fileno())), pass_fds=[b.fileno()],
                                     env=spawn.environment())
        b.close()
        self._sock = a

    async def start(self) -> None:
        self.spawn()
        self.reader, self.writer = await asyncio.open_unix_connection(sock=self._sock, limit=1 << 22)
        self._task = asyncio.get_running_loop().create_task(self._read_loop())

    async def _read_loop(self) -> None:
        assert self.reader is not None
        try:
            while True:
                hdr = await self.reader.readexactly(4)
                data = await self.reader.readexactly(_LEN.unpack(hdr)[0])
                rid, ok, result = pickle.loads(data)
                fut, callback = self.pending.pop(rid, (None, None))
                if not ok:
                    message = "store process error:\n" + result
                    if fut is not None and not fut.done():
                        fut.set_exception(RuntimeError(message))
                        continue
                    self.on_error(message)
                    result = []   # no requests from this answer; the callback still runs (it un-pauses the engine)
                if fut is not None and not fut.done():
                    fut.set_result(result)
                elif callback is not None:
                    try:
                        callback(result)
                    except Exception:
                        logger.exception("error while handling an answer of the store process")
        except (asyncio.IncompleteReadError, ConnectionError) as e:
            if self.dead is None:
                self.dead = f"the store process ended unexpectedly ({type(e).__name__})"
        except asyncio.CancelledError:
            self.dead = "closed"
        for fut, _ in self.pending.values():
            if fut is not None and not fut.done():
                fut.set_exception(WorkerDied(self.dead or "store process ended"))
        self.pending.clear()
        if self.dead != "closed":
            self.on_death(self.dead or "store process ended")

    def _send(self, method: str, args: tuple, fut: asyncio.Future | None, callback: Callback | None) -> None:
        if self.dead:
            raise WorkerDied(self.dead)
        assert self.writer is not None
        self.next_id += 1
        self.pending[self.next_id] = (fut, callback)
        data = pickle.dumps((self.next_id, method, args), protocol=5)
        self.writer.write(_LEN.pack(len(data)) + data)

    def submit(self, method: str, args: tuple, on_result: Callback) -> None:
        self._send(method, args, None, on_result)

    async def call(self, method: str, *args: Any) -> Any:
        fut = asyncio.get_running_loop().create_future()
        self._send(method, args, fut, None)
        return await fut

    async def close(self) -> None:
        self.dead = self.dead or "closed"
        if self.writer is not None:
            try:
                self.writer.close()
            except Exception:
                pass
        if self.proc is not None:
            loop = asyncio.get_running_loop()
            try:
                await asyncio.wait_for(loop.run_in_executor(None, self.proc.wait), timeout=600)
            except asyncio.TimeoutError:
                self.proc.kill()
        if self._task is not None:
            self._task.cancel()


class InProcessStore:
    """The same interface, with the recorder in this process."""

    in_flight = 0

    def __init__(self) -> None:
        self.recorder: Router | None = None
        self.dead = None
        self.errors: list[str] = []
        self.on_error: Callable[[str], None] = lambda message: logger.error("%s", message)
        self.on_death: Callable[[str], None] = lambda message: None

    def spawn(self) -> None:
        pass

    async def start(self) -> None:
        pass

    async def call(self, method: str, *args: Any) -> Any:
        if method == "init":
            self.recorder = Router(*args)
            return self.recorder.crawl_id
        if method == "finish":
            return _finish(self.recorder, args, self.errors)
        return self.recorder.handle(method, *args)

    def submit(self, method: str, args: tuple, on_result: Callback) -> None:
        try:
            result = self.recorder.handle(method, *args)
        except Exception as e:
            self.errors.append(f"{method}: {_one_line(e)}")
            self.on_error("recorder error:\n" + traceback.format_exc())
            result = []   # as the process store does: the callback still runs
        on_result(result)

    async def close(self) -> None:
        if self.recorder is not None and not self.recorder.finished:
            self.recorder.handle("finish", "interrupted", "the crawl ended before it finished")


def make_store() -> ProcessStore | InProcessStore:
    if os.environ.get("DECAY_WORKER", "1") in ("0", "false", "no"):
        return InProcessStore()
    return ProcessStore()


if __name__ == "__main__":
    main()
