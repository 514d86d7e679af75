"""decay.api on the results: triage (decide), export (the cleanup list, a redirect map), serve (browse in datasette)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from datasette_auth_passwords.utils import hash_password

from foundation.config import Config
from decay import export as ex
from decay import serve as sv
from decay import triage as tr
from decay.api_common import CommandError, config_of, database, where


def triage(ids: list[str] | tuple[str, ...], state: str | None = None, note: str = "", until: str | None = None,
           who: str | None = None, db: str | Path | None = None, config: str | Path | Config | None = None) -> dict:
    """Record a decision (``state``) about cleanup items or findings (``ids``: 6 or more leading characters), all or
    nothing: returns ``{"recorded": [{id, item, subject}, ...]}``.  Without ``state``, each item and every decision
    about it: ``{"history": [...]}``."""
    path = database(db, config)
    try:
        if state is None:
            return {"history": [tr.history(path, i) for i in ids]}
        done = tr.record(path, list(ids), state, note=note, who=who, until=until)
    except tr.TriageError as e:
        raise CommandError(str(e)) from None
    return {"recorded": [{"id": fid, "item": item, "subject": subject} for fid, item, subject in done],
            "state": state, "until": until}


@dataclass
class ServePlan:
    """What decay serve runs: ``args`` (datasette, to exec) with ``env`` set, on ``metadata``; ``notes`` to show.
    ``hash_password``: nothing to serve, hash a password instead (serve_password)."""
    metadata: Path | None = None
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    hash_password: bool = False


def serve(db: str | Path | None = None, config: str | Path | Config | None = None, host: str | None = None,
          port: int | None = None, hash_password: bool = False, metadata_only: bool = False) -> ServePlan:
    """Write datasette's metadata next to the database and plan the datasette process that serves it (the command
    line execs ``plan.args`` with ``plan.env``; the environment carries the password hashes, never the metadata).
    ``metadata_only``: write the metadata, plan no process.  ``hash_password`` (deprecated): see serve_password."""
    if hash_password:
        return ServePlan(hash_password=True, notes=["decay serve --hash-password is deprecated; use decay serve-password"])
    cfg = config_of(config) if config is not None else None
    path = database(db, cfg)
    missing = sv.check_plugins()
    if missing:
        raise CommandError("missing packages: " + ", ".join(missing) + "; reinstall content-decay (pip install -e .)")
    meta = sv.write_metadata(path, cfg, path.with_name(path.stem + "-datasette.json"))
    env = sv.password_environment(cfg)
    if metadata_only:
        return ServePlan(metadata=meta, notes=[
            f"the metadata names no password hash; datasette needs {name} set to the hash of [[serve.users]] to let "
            "that user sign in (decay serve sets it itself)" for name in env])
    if cfg is not None:
        for u in cfg.serve.users:
            if u.password_hash.startswith("env:") and not os.environ.get(u.password_hash[4:]):
                raise CommandError(f"{where(config)}: serve.users ({u.name}).password_hash: the environment variable "
                                   f"{u.password_hash[4:]} is not set")
    host = host or (cfg.serve.host if cfg else "127.0.0.1")
    port = port if port is not None else (cfg.serve.port if cfg else 8001)
    notes = []
    if cfg is None or not cfg.serve.users:
        notes.append("no [[serve.users]] in the configuration: nobody can sign in to triage (decay triage still works)")
    return ServePlan(metadata=meta, args=sv.datasette_args(path, meta, host, port), env=env, notes=notes)


def serve_password(*, password: str) -> str:
    """The hash of a password, for password_hash in [[serve.users]] (the command line asks for it twice)."""
    return hash_password(password)


def export_cleanup(fmt: str = "csv", owner: str | None = None, everything: bool = False, output: str | Path | None = None,
                   db: str | Path | None = None, config: str | Path | Config | None = None) -> str:
    """This morning's cleanup list as CSV or JSON (``everything``: also the rows dismissed, snoozed or done;
    ``owner``: only that owner's); written to ``output`` when given.  Returns the document."""
    return _written(ex.format_cleanup(ex.cleanup_rows(database(db, config), owner=owner, everything=everything), fmt), output)


def export_redirects(fmt: str = "nginx", output: str | Path | None = None, db: str | Path | None = None,
                     config: str | Path | Config | None = None) -> str:
    """A redirect map (nginx, apache or csv) of the redirect actions people accepted; written to ``output`` when
    given.  Returns the document."""
    return _written(ex.format_redirects(ex.redirect_rows(database(db, config)), fmt), output)


def _written(text: str, output: str | Path | None) -> str:
    if output is not None:
        Path(output).write_text(text, encoding="utf-8")
    return text
