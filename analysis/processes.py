"""Worker processes beside the analysis: how they are started, talked to and answered.

A worker is a fresh interpreter running one function of this code (unlike multiprocessing's spawn, it never
re-imports the caller's main module: a script, a test runner).  Only short notices pass through its pipes,
each pickled with its length first and written whole; what is large (pages to judge, findings) passes through
files in a scratch directory beside the database, so neither side ever waits for the other to read.

Used by the pages' date judgments (analysis/page_judgments.py) and the rules run beside the analysis
(analysis/rules_beside.py).
"""
from __future__ import annotations

import gc
import glob
import os
import pickle
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path
from typing import Callable
from foundation import spawn

_HEADER = struct.Struct("<Q")
SCRATCH_KINDS = ("judge", "rules")   # the workers' scratch directories: decay.db.judge-*, decay.db.rules-*


class WorkerFailed(RuntimeError):
    """A worker process failed or ended without its answer: the analysis fails with it (nothing is written)."""


def start(entry: str) -> subprocess.Popen:
    """``entry`` (``module:function``) run in a fresh interpreter, with pipes to its stdin and stdout."""
    module, function = entry.split(":")
    return subprocess.Popen(spawn.python("-c", f"from {module} import {function}; {function}()"),   # this very code
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=spawn.environment(), bufsize=0)


def scratch_dir(db_path: Path, kind: str) -> Path:
    """A new scratch directory beside the database (``kind``: one of SCRATCH_KINDS); the caller removes it."""
    return Path(tempfile.mkdtemp(prefix=f"{Path(db_path).name}.{kind}-", dir=Path(db_path).parent))


def remove_leftovers(db_path: Path) -> None:
    """The scratch directories an analysis that was killed left behind (one run at a time: decay/lock.py)."""
    db_path = Path(db_path)
    for kind in SCRATCH_KINDS:
        for d in db_path.parent.glob(f"{glob.escape(db_path.name)}.{kind}-*"):
            if d.is_dir():
                shutil.rmtree(d, ignore_errors=True)


def exit_with_parent(inp: int) -> None:
    """For a worker that reads nothing more once started: it ends at once when the analysis does (its stdin
    closes: the analysis was killed, or failed elsewhere) instead of working on for nothing."""
    def watch() -> None:
        try:
            while os.read(inp, 1 << 16):
                pass
        except OSError:
            pass
        os._exit(1)
    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def serve(work: Callable[[int, int], None]) -> None:
    """A worker's main: ``work(stdin, stdout)`` (file descriptors), stdout kept for its notices (a print goes to
    stderr); what goes wrong is told to the analysis as ("error", what), and the analysis fails with it."""
    inp, out = sys.stdin.fileno(), sys.stdout.fileno()
    sys.stdout = sys.stderr
    try:
        work(inp, out)
    except BaseException as e:
        if isinstance(e, Exception):   # to stderr, the analysis' own: where it went wrong, for a bug report
            traceback.print_exc()
        try:
            send(out, ("error", f"{type(e).__name__}: {e}"))
        except OSError:
            pass


def notice(proc: subprocess.Popen, what: str) -> tuple:
    """A worker's next notice (what followed its "ok"); WorkerFailed naming ``what`` if it failed or ended."""
    try:
        message = receive(proc.stdout.fileno())
    except (EOFError, pickle.UnpicklingError):
        proc.wait()
        raise WorkerFailed(f"{what} ended without an answer (exit code {proc.returncode})") from None
    if message[0] != "ok":
        raise WorkerFailed(f"{what} failed: {message[1]}")
    return message[1:]


def send(fd: int, message) -> None:
    """One message (pickled, its length first) written whole to a pipe."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, n: int) -> bytes:
    parts = []
    while n:
        part = os.read(fd, min(n, 1 << 20))
        if not part:
            raise EOFError
        parts.append(part)
        n -= len(part)
    return b"".join(parts)


def receive(fd: int):
    """The next message from a pipe (EOFError: the other side closed it)."""
    (n,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size))
    return pickle.loads(_read_exactly(fd, n))


def readable(procs: list[subprocess.Popen], timeout: float | None) -> list[subprocess.Popen]:
    """The workers with something to read (a notice, or their end); ``timeout`` None: wait for one."""
    if not procs:
        return []
    by_fd = {p.stdout.fileno(): p for p in procs}
    ready, _, _ = select.select(list(by_fd), [], [], timeout)
    return [by_fd[fd] for fd in ready]


def dump(path: Path, obj) -> None:
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)


def load(path: Path):
    """A pickle the other side wrote, read once and removed."""
    with open(path, "rb") as f:
        obj = pickle.load(f)
    Path(path).unlink()
    return obj


def load_kept(path: Path):
    """``load`` for what the analysis keeps to its end (findings): made with the collector paused (unpickling makes
    many objects and no garbage), then moved out of its sight (``gc.freeze``); the collector left as it was."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return load(path)
    finally:
        if collecting:
            gc.enable()
        gc.freeze()


def stop(proc: subprocess.Popen, farewell: bool = True) -> None:
    """A worker ended: told to finish (``None``) and waited for a moment, else killed."""
    if farewell and proc.poll() is None:
        try:
            send(proc.stdin.fileno(), None)
            proc.wait(timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            pass
    if proc.poll() is None:
        proc.kill()
        proc.wait()
