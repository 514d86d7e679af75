"""The generated parts of README.md: the configuration reference, the database schema and what each finding means."""
from __future__ import annotations

from pathlib import Path
from foundation import catalog, config, schema


def reference(what: str) -> str:
    if what == "schema":
        return schema.reference_markdown()
    if what == "config":
        return config.reference_markdown()
    if what == "findings":
        return catalog.reference_markdown()
    raise ValueError(f"no reference named {what!r}")


def markers(what: str) -> tuple[str, str]:
    return f"<!-- BEGIN {what} (generated: decay reference {what} --update README.md) -->", f"<!-- END {what} -->"


def section(text: str, what: str) -> str | None:
    begin, end = markers(what)
    if begin not in text or end not in text:
        return None
    return text.split(begin, 1)[1].split(end, 1)[0].strip("\n") + "\n"


def update_section(path: Path, what: str, body: str) -> None:
    text = path.read_text(encoding="utf-8")
    begin, end = markers(what)
    if begin not in text or end not in text:
        raise ValueError(f"{path}: no generated section for {what} (add the lines {begin} and {end})")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{body.rstrip()}\n{end}{tail}", encoding="utf-8")
