"""Every command has --help, and the CLI mirrors the Python API."""
from __future__ import annotations

import inspect

import pytest

from decay import api
from tests.conftest import run_decay

COMMANDS = ["crawl", "check", "demo", "reference"]


def test_top_level_help_lists_every_command():
    r = run_decay("--help")
    assert r.returncode == 0
    for c in COMMANDS:
        assert c in r.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    r = run_decay(command, "--help")
    assert r.returncode == 0 and "Usage:" in r.stdout and len(r.stdout.splitlines()) > 4


def test_crawl_command_and_api_share_parameter_names():
    params = inspect.signature(api.crawl).parameters
    assert {"config", "db", "sites"} <= set(params)
