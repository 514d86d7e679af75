"""The process `decay serve` becomes: registers this project's datasette plugins, then runs datasette.

Usage (built by decay.serve.datasette_args): ``python -m decay.serve_run DB --metadata M --host H --port P ...``,
the arguments of ``datasette serve``.  The project's plugins (decay.serve.PLUGINS) are registered with datasette's
plugin manager in this process, so they need no entry point and no --plugins-dir.

With ``--port 0`` it picks the free port itself and prints the address datasette will listen on: the port is
reserved by a socket bound with SO_REUSEADDR and never listening (the kernel gives it to nobody else), which
uvicorn can bind again (it sets SO_REUSEADDR too), so the printed URL is the real one.
"""
from __future__ import annotations

import importlib
import socket
import sys
from decay.serve import PLUGINS


def _option(args: list[str], name: str, default: str) -> str:
    return args[args.index(name) + 1] if name in args else default


def reserve_port(host: str) -> tuple[socket.socket, int]:
    """A free port on host, held by a bound, non-listening socket until the process ends."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, 0))
    return s, s.getsockname()[1]


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    from datasette.plugins import pm


    for name in PLUGINS:
        if pm.get_plugin(name) is None:
            pm.register(importlib.import_module(name), name=name)
    host = _option(args, "--host", "127.0.0.1")
    port = _option(args, "--port", "8001")
    held = None
    if port == "0":
        held, got = reserve_port(host)
        port = str(got)
        args[args.index("--port") + 1] = port
    shown = f"[{host}]" if ":" in host else host
    print(f"datasette on http://{shown}:{port}/  (Ctrl-C to stop)", file=sys.stderr, flush=True)
    from datasette.cli import cli

    try:
        cli.main(["serve", *args], prog_name="decay serve")
    finally:
        if held is not None:
            held.close()


if __name__ == "__main__":
    main()
