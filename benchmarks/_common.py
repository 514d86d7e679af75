"""Helpers shared by the benchmark scripts: the cached synthetic site, a static
web server on 127.0.0.1, and running a command while sampling the memory of
its whole process tree.

Standard library only (plus ``synthetic_site`` next to this file).
"""
from __future__ import annotations

import json
import os
import platform
import pwd
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic_site  # noqa: E402

SITE_SEED = 42
SITE_MARKER = ".decay-bench-site.json"


def remove_db(db: Path) -> None:
    """An SQLite database and its write-ahead log and shared-memory files, if they exist."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)


# --------------------------------------------------------------------------- the site
def default_site_dir(n_pages: int) -> Path:
    return Path(f"/tmp/decay-bench-site-{n_pages}")


def ensure_site(n_pages: int, site_dir: Path, seed: int = SITE_SEED) -> bool:
    """Generate the synthetic site into site_dir unless it already holds this very site.

    Returns True when the site was (re)generated.  The marker file is written
    last, so an interrupted generation is never mistaken for a complete one.
    A non-empty directory without a marker is not ours: it is left alone.
    """
    wanted = {"pages": n_pages, "seed": seed, "generator": synthetic_site.GENERATOR_VERSION}
    marker = site_dir / SITE_MARKER
    if marker.exists():
        if json.loads(marker.read_text()) == wanted:
            return False
        shutil.rmtree(site_dir)
    elif site_dir.exists() and any(site_dir.iterdir()):
        raise SystemExit(f"{site_dir} exists and is not a benchmark site (no {SITE_MARKER}); "
                         "choose another --site-dir or remove it")
    synthetic_site.generate(n_pages, site_dir, seed)
    marker.write_text(json.dumps(wanted) + "\n")
    return True


def warm_page_cache(site_dir: Path) -> int:
    """Read every file once so that no tool pays for disk reads the others do not; returns bytes read."""
    total = 0
    for path in site_dir.rglob("*"):
        if path.is_file():
            total += len(path.read_bytes())
    return total


# --------------------------------------------------------------------------- the server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


NGINX_CONF = """\
daemon off;
worker_processes 1;
{user}pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    {types}
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
    }}
}}
"""


def nginx_conf(root: Path, port: int, work_dir: Path) -> str:
    mime = Path("/etc/nginx/mime.types")
    types = f"include {mime};" if mime.exists() else "types { text/html html; text/plain txt; }"
    # As root, nginx would run its worker as "nobody", who may not be allowed to read the site.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    return NGINX_CONF.format(user=user, dir=work_dir, types=types, port=port, root=root)


@dataclass
class Server:
    """A static web server for one directory, as a subprocess; use it as a context manager."""

    root: Path
    work_dir: Path
    port: int = 0
    kind: str = ""
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def comparable(self) -> bool:
        """False for the Python fallback: it is slow enough to be what a benchmark measures."""
        return self.kind.startswith("nginx")

    def __enter__(self) -> Server:
        self.port = free_port()
        self.kind, cmd = self._command()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self._wait_until_serving()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _command(self) -> tuple[str, list[str]]:
        """(kind, argv) of nginx if it is installed, else of Python's http.server."""
        nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
        if nginx:
            conf = self.work_dir / "nginx.conf"
            conf.write_text(nginx_conf(self.root.resolve(), self.port, self.work_dir))
            return f"nginx {program_version([nginx, '-v'])}", [nginx, "-c", str(conf), "-p", str(self.work_dir)]
        print("WARNING: nginx is not installed; serving with Python's ThreadingHTTPServer instead. "
              "It is much slower than nginx (and than the crawlers), so the figures measure that "
              "server, not the crawlers, and are NOT comparable with figures served by nginx.", file=sys.stderr)
        return "python http.server", [sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
                                      "--directory", str(self.root), str(self.port)]

    def _wait_until_serving(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                log = self.work_dir / "error.log"
                detail = log.read_text() if log.exists() else ""
                raise RuntimeError(f"{self.kind} exited with status {self.proc.returncode}\n{detail}")
            try:
                with urllib.request.urlopen(self.url + "/robots.txt", timeout=2) as r:
                    r.read()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.kind} does not answer on {self.url}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            stop_process(self.proc)


def stop_process(proc: subprocess.Popen, grace: float = 10.0) -> None:
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def program_version(cmd: list[str]) -> str:
    """The first version number a "--version"-like command prints (on stdout or stderr), or ""."""
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    found = re.search(r"\d+(?:\.\d+)+", out.stdout + out.stderr)
    return found.group() if found else ""


# --------------------------------------------------------------------------- process trees
def _stat_fields(pid: int | str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after "pid (comm)" (the state first, then ppid, ...), or None if it is gone.
    comm may contain spaces and parentheses: the fields start after the last ")"."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def parent_pids() -> dict[int, int]:
    """pid -> ppid for every process, from /proc/<pid>/stat."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(entry)
        if fields is not None:   # (else it ended in the meantime)
            parents[int(entry)] = int(fields[1])
    return parents


def process_tree(root: int) -> list[int]:
    """root and all its descendants that are alive now."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parent_pids().items():
        children.setdefault(ppid, []).append(pid)
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def memory_kib(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) of a process in KiB, or None if it is gone (or a zombie)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    values = {}
    for line in status.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    if len(values) < 2:
        return None
    return values["VmRSS"], values["VmHWM"]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far, from /proc/<pid>/stat, or None if it is gone."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")   # utime, stime: fields 14 and 15 of stat


def command_label(pid: int) -> str:
    """A short name for a process: its first arguments, paths reduced to their last part."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return f"pid {pid}"
    words = [os.path.basename(a) if "/" in a and not a.startswith("http") else a for a in argv if a]
    return " ".join(words[:3])[:60]


@dataclass
class ProcessPeak:
    pid: int
    command: str
    peak_kib: int = 0
    cpu_s: float = 0.0   # CPU time at the last sample (up to one interval short of its end)


@dataclass
class Measurement:
    """What run_measured saw of one command."""

    returncode: int
    seconds: float
    peak_tree_kib: int
    processes: list[ProcessPeak] = field(default_factory=list)

    @property
    def peak_tree_mb(self) -> float:
        return self.peak_tree_kib / 1024


class TreeMemory:
    """Samples a process tree: the peak of the summed VmRSS, and each process's own peak."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_sum_kib = 0
        self.peaks: dict[int, ProcessPeak] = {}

    @property
    def peak_tree_kib(self) -> int:
        """The sampled peak, or one process's exact peak if higher (a sample can miss a short spike)."""
        return max([self.peak_sum_kib, *(p.peak_kib for p in self.peaks.values())])

    def sample(self) -> None:
        total = 0
        for pid in process_tree(self.root):
            mem = memory_kib(pid)
            if mem is None:
                continue
            rss, hwm = mem
            total += rss
            if pid not in self.peaks:
                self.peaks[pid] = ProcessPeak(pid, command_label(pid))
            peak = self.peaks[pid]
            # VmHWM is the kernel's own high-water mark: exact, even between two samples.
            peak.peak_kib = max(peak.peak_kib, rss, hwm)
            peak.cpu_s = cpu_seconds(pid) or peak.cpu_s
        self.peak_sum_kib = max(self.peak_sum_kib, total)


def run_measured(cmd: list[str], log: Path, cwd: Path | None = None, env: dict[str, str] | None = None,
                 interval: float = 0.1) -> Measurement:
    """Run cmd to completion, stdout and stderr into log (so not a terminal), sampling its memory.

    The wall-clock time runs from just before the process is started until it
    (and so, for a well-behaved program, its children) has ended.
    """
    with open(log, "wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        memory = TreeMemory(proc.pid)
        try:
            while True:
                memory.sample()
                try:
                    proc.wait(interval)
                    break
                except subprocess.TimeoutExpired:
                    continue
        except KeyboardInterrupt:
            # The tool got the same Ctrl-C: let it finish its own way (content-decay
            # records the crawl as interrupted) before being told to stop.
            _wait_quietly(proc, 10.0)
            raise
        finally:
            if proc.poll() is None:  # an error here, or a tool slow to stop: do not leave it running
                stop_process(proc)
        seconds = time.perf_counter() - started
    processes = sorted(memory.peaks.values(), key=lambda p: -p.peak_kib)
    return Measurement(proc.returncode, seconds, memory.peak_tree_kib, processes)


def _wait_quietly(proc: subprocess.Popen, seconds: float) -> None:
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        pass


def tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# --------------------------------------------------------------------------- the machine
def machine_info() -> dict[str, str | int]:
    try:
        scrapy_version = version("scrapy")
    except PackageNotFoundError:
        scrapy_version = "not installed"
    return {
        "cpu": _cpu_model(),
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        # which build: a PGO+LTO one (a distribution's python3) runs content-decay 10-15% faster than a plain
        # source build (pyenv's default) on the same machine (README, "Which Python to install it with")
        "python_executable": os.path.realpath(sys.executable),
        "scrapy": scrapy_version,
        "wget": program_version(["wget", "--version"]),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run_child_json(script: str, which: str, *args: str) -> dict:
    """Run ``script --child WHICH ARGS...`` in a fresh Python process (so that its peak memory is its own)
    and return the JSON object it prints last."""
    out = subprocess.run([sys.executable, script, "--child", which, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{which} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
