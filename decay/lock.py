"""One run at a time: an exclusive lock on a file next to the database (``decay.db.lock``).

The lock is an ``fcntl.flock`` on that file, so the kernel releases it when the process ends, however it
ends (SIGKILL, a crash, a power cut): a lock can never outlive its holder.  The file also holds who took
the lock (pid, start time, command) so that a refused run can say who is running, and a run that finds
the details of a holder that is gone can say it took over a stale lock.

flock does not work across machines on some network file systems (NFS): keep the database on a local disk.
"""
from __future__ import annotations

import fcntl
import json
import os
import sys
from pathlib import Path

from foundation.times import pid_alive, utcnow


class LockHeld(RuntimeError):
    """Another process holds the lock."""

    def __init__(self, path: Path, holder: dict) -> None:
        self.path = path
        self.holder = holder
        who = f"pid {holder.get('pid', '?')}, started {holder.get('started_at', '?')}"
        if holder.get("command"):
            who += f": {holder['command']}"
        super().__init__(f"another run holds the lock {path} ({who}); nothing was done")


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


class RunLock:
    """``with RunLock(db_path) as lock:`` ... raises LockHeld when another process holds it."""

    def __init__(self, db_path: Path, what: str = "") -> None:
        self.path = lock_path(Path(db_path))
        self.what = what or " ".join(Path(a).name if i == 0 else a for i, a in enumerate(sys.argv))
        self.fd: int | None = None
        self.stale: dict | None = None   # details left by a holder that died without releasing (informational)

    def acquire(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise LockHeld(self.path, holder) from None
        previous = _read(fd)
        if previous.get("pid") and previous.get("pid") != os.getpid():
            # the lock was free, yet the file names a holder: that process died without cleaning up
            self.stale = previous | {"alive": pid_alive(previous.get("pid"))}
        info = {"pid": os.getpid(), "started_at": utcnow(),
                "command": self.what}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        os.fsync(fd)
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.ftruncate(self.fd, 0)   # an empty file: nobody holds it
        except OSError:
            pass
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None

    def __enter__(self) -> "RunLock":
        return self.acquire() if self.fd is None else self

    def __exit__(self, *exc) -> None:
        self.release()


def _read(fd: int) -> dict:
    try:
        data = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
        return json.loads(data) if data else {}
    except (OSError, ValueError):
        return {}
