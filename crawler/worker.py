"""The store process, and the client the spider talks to it with.

Scrapy's own machinery (scheduling, downloading, middlewares) keeps one core
busy; parsing pages and writing SQLite would need as much again.  So the
spider hands each response to a second process over a socket pair and awaits
the answer: the links to follow.  That process owns the
:class:`~crawler.recorder.Recorder`, hence every database write (one writer).

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
from typing import Any

logger = logging.getLogger(__name__)
_LEN = struct.Struct("!I")


class WorkerDied(RuntimeError):
    pass


# ---------------------------------------------------------------------------- process side
def serve(sock: socket.socket) -> None:
    """Answer requests until the other end closes; then end the crawl as interrupted if it was not finished."""
    from crawler.recorder import Recorder

    rf = sock.makefile("rb", buffering=1 << 16)
    recorder: Recorder | None = None

    def send(msg: Any) -> None:
        data = pickle.dumps(msg, protocol=5)
        sock.sendall(_LEN.pack(len(data)) + data)

    while True:
        hdr = rf.read(4)
        if len(hdr) < 4:
            break
        (n,) = _LEN.unpack(hdr)
        data = rf.read(n)
        if len(data) < n:
            break
        rid, method, args = pickle.loads(data)
        try:
            if method == "init":
                recorder = Recorder(*args)
                result: Any = recorder.crawl_id
            elif recorder is None:
                raise RuntimeError("init must come first")
            else:
                result = getattr(recorder, method)(*args)
            send((rid, True, result))
        except Exception:
            send((rid, False, traceback.format_exc()))
    if recorder is not None and not recorder.finished:
        try:
            recorder.finish("interrupted", "the crawl process ended before the crawl finished (killed?); facts not merged")
        except Exception:
            traceback.print_exc()


def main() -> None:
    # Ctrl-C and SIGTERM are for the crawl process, which then tells us how to finish.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sock = socket.socket(fileno=int(sys.argv[1]))
    try:
        serve(sock)
    finally:
        sock.close()


# ---------------------------------------------------------------------------- client side
class ProcessStore:
    """Runs the recorder in a child process; ``await call(method, *args)``."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.pending: dict[int, asyncio.Future] = {}
        self.next_id = 0
        self.dead: str | None = None
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        a, b = socket.socketpair()
        env = dict(os.environ)
        self.proc = subprocess.Popen([sys.executable, "-m", "crawler.worker", str(b.fileno())], pass_fds=[b.fileno()], env=env)
        b.close()
        self.reader, self.writer = await asyncio.open_unix_connection(sock=a, limit=1 << 22)
        self.writer.transport.set_write_buffer_limits(high=1 << 20)
        self._task = asyncio.get_running_loop().create_task(self._read_loop())

    async def _read_loop(self) -> None:
        assert self.reader is not None
        try:
            while True:
                hdr = await self.reader.readexactly(4)
                data = await self.reader.readexactly(_LEN.unpack(hdr)[0])
                rid, ok, result = pickle.loads(data)
                fut = self.pending.pop(rid, None)
                if fut is None or fut.done():
                    continue
                if ok:
                    fut.set_result(result)
                else:
                    fut.set_exception(RuntimeError("store process error:\n" + result))
        except (asyncio.IncompleteReadError, ConnectionError) as e:
            self.dead = f"the store process ended unexpectedly ({type(e).__name__})"
        except asyncio.CancelledError:
            self.dead = "closed"
        for fut in self.pending.values():
            if not fut.done():
                fut.set_exception(WorkerDied(self.dead or "store process ended"))
        self.pending.clear()

    async def call(self, method: str, *args: Any) -> Any:
        if self.dead:
            raise WorkerDied(self.dead)
        assert self.writer is not None
        self.next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = fut
        data = pickle.dumps((self.next_id, method, args), protocol=5)
        self.writer.write(_LEN.pack(len(data)) + data)
        # back-pressure: when the store process falls behind, wait here; Scrapy then stops
        # downloading once its scraper slot is full (SCRAPER_SLOT_MAX_ACTIVE_SIZE).
        await self.writer.drain()
        return await fut

    async def close(self) -> None:
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

    def __init__(self) -> None:
        self.recorder = None
        self.dead = None

    async def start(self) -> None:
        pass

    async def call(self, method: str, *args: Any) -> Any:
        if method == "init":
            from crawler.recorder import Recorder

            self.recorder = Recorder(*args)
            return self.recorder.crawl_id
        return getattr(self.recorder, method)(*args)

    async def close(self) -> None:
        if self.recorder is not None and not self.recorder.finished:
            self.recorder.finish("interrupted", "the crawl ended before it finished")


def make_store() -> ProcessStore | InProcessStore:
    if os.environ.get("DECAY_WORKER", "1") in ("0", "false", "no"):
        return InProcessStore()
    return ProcessStore()


if __name__ == "__main__":
    main()
