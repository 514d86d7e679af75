"""Allowed values are declared as data next to each setting (foundation/settings.py, doc(choices=...)): one
generic check reads them, and the configuration reference lists them."""
from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest

from foundation.catalog import SEVERITIES
from foundation.config import ConfigError, load_config, reference_markdown
from foundation.settings import ROLE_NAMES, SECTIONS, subtable

BASE = """
[organisation]
name = "Harbourside Trust"

[[sites]]
name = "main"
start_urls = ["https://www.example.org/"]
"""


def _load(tmp_path: Path, extra: str):
    path = tmp_path / "org.toml"
    path.write_text(BASE + extra, encoding="utf-8")
    return load_config(path)


def _declared():
    seen, todo = set(), [cls for _, cls, _, _ in SECTIONS]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            sub = subtable(hints[f.name])
            if sub is not None:
                todo.append(sub)
            elif f.metadata.get("choices"):
                yield cls, f


def test_the_fields_that_must_be_one_of_a_set_declare_it():
    declared = {f"{cls.__name__}.{f.name}": f.metadata["choices"] for cls, f in _declared()}
    assert declared["Crawl.log_level"] == ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
    assert declared["Nightly.alert_severity"] == SEVERITIES + ("none",)
    assert declared["OutdatedRole.role"] == ROLE_NAMES
    assert "twitter" in declared["SocialProfile.platform"] and "x" in declared["SocialProfile.platform"]


def test_the_reference_lists_the_allowed_values():
    ref = reference_markdown()
    for _, f in _declared():
        line = next(x for x in ref.splitlines() if x.startswith(f"| `{f.name}` |") and "One of:" in x)
        assert all(f"`{c}`" in line for c in f.metadata["choices"])


def test_values_are_folded_to_their_declared_case(tmp_path):
    cfg = _load(tmp_path, '[crawl]\nlog_level = "info"\n[nightly]\nalert_severity = "High"\n'
                          '[[social]]\nplatform = "Mastodon"\nhandle = "@harbourside@mastodon.social"\n')
    assert (cfg.crawl.log_level, cfg.nightly.alert_severity, cfg.social[0].platform) == ("INFO", "high", "mastodon")


@pytest.mark.parametrize("extra,key,words", [
    ('[crawl]\nlog_level = "LOUD"\n', "crawl.log_level", "use one of: DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ('[nightly]\nalert_severity = "urgent"\n', "nightly.alert_severity", "use one of: critical, high"),
    ('[nightly]\nalert_severity = "hihg"\n', "nightly.alert_severity", 'did you mean "high"?'),
    ('[[outdated.roles]]\nrole = "news"\npatterns = ["/blog/*"]\n', "outdated.roles[0].role", "article"),
    ('[[social]]\nplatform = "myspace"\nhandle = "x"\n', "social[0].platform", 'unknown platform "myspace"'),
])
def test_a_value_outside_the_set_names_the_key_and_the_choices(tmp_path, extra, key, words):
    with pytest.raises(ConfigError) as e:
        _load(tmp_path, extra)
    problems = [p for p in e.value.errors if p.key == key]
    assert len(problems) == 1 and words in problems[0].message, str(e.value)
    assert len(e.value.errors) == 1, str(e.value)   # one problem, said once
