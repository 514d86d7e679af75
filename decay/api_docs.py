"""decay.api on the generated references (the schema, the configuration, the findings' meanings), as in README.md."""
from __future__ import annotations

from pathlib import Path

from decay import docs
from decay.api_common import CommandError


def reference(what: str, update: str | Path | None = None) -> str:
    """The database schema, the configuration reference or the findings' meanings, as in README.md; with
    ``update``, also rewrites that file's generated section.  Returns the reference."""
    text = docs.reference(what)
    if update is not None:
        try:
            docs.update_section(Path(update), what, text)
        except ValueError as e:
            raise CommandError(str(e)) from None
    return text
