"""The command line mirrors the API (decay/api.py): every click command, walked through its groups, has the API
function of its name (`decay export cleanup` -> api.export_cleanup, `decay serve-password` -> api.serve_password)
whose parameters are the command's, by click's param.name and in the same order.  The only exceptions are declared:
options that only choose how the terminal shows the result (decay.cli.SHOWN_ONLY) are not the API's, and the API
may take keyword-only parameters that the command line has no option for."""
from __future__ import annotations

import inspect

import click
import pytest

from decay import api
from decay.cli import SHOWN_ONLY, cli


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, path + (name,))
        else:
            yield " ".join(path + (name,)), command


COMMANDS = dict(_commands(cli))


def _function(path: str):
    return getattr(api, path.replace(" ", "_").replace("-", "_"), None)


def test_the_walk_finds_every_command():
    assert {"crawl", "analyse", "nightly", "serve", "serve-password", "triage", "export cleanup", "export redirects",
            "prune", "demo", "rules check", "rules test", "reference", "check", "impact"} <= set(COMMANDS)
    assert set(SHOWN_ONLY) <= set(COMMANDS)


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_command_has_its_api_function(path):
    function = _function(path)
    assert callable(function), f"decay {path}: no api.{path.replace(' ', '_').replace('-', '_')}"
    assert not path.replace(" ", "_").replace("-", "_").startswith("_")


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_command_parameters_are_the_api_parameters(path):
    command = COMMANDS[path]
    shown_only = SHOWN_ONLY.get(path, set())
    params = [p.name for p in command.params if p.name not in shown_only]
    signature = inspect.signature(_function(path)).parameters.values()
    positional = [p.name for p in signature if p.kind in (p.POSITIONAL_OR_KEYWORD, p.POSITIONAL_ONLY)]
    extra = [p for p in signature if p.kind is p.KEYWORD_ONLY]
    assert params == positional, f"decay {path}: options {params}, api parameters {positional}"
    assert not shown_only & {p.name for p in extra}


@pytest.mark.parametrize("path", sorted(SHOWN_ONLY))
def test_shown_only_options_are_options_of_the_command(path):
    assert SHOWN_ONLY[path] <= {p.name for p in COMMANDS[path].params}


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_api_defaults_are_the_command_defaults(path):
    """A default the command line gives is the API's default too (multiple options: an empty tuple, the API's None),
    and what the command line requires, the API requires."""
    signature = inspect.signature(_function(path)).parameters
    ctx = click.Context(COMMANDS[path])
    for p in COMMANDS[path].params:
        if p.name not in signature:
            continue
        if p.required:
            assert signature[p.name].default is inspect.Parameter.empty, (path, p.name)
            continue
        default, given = signature[p.name].default, p.get_default(ctx)
        if p.multiple:
            assert default is None, (path, p.name)
        else:
            assert default == given, (path, p.name, given, default)


def test_triage_states_come_from_the_catalog():
    from foundation.catalog import TRIAGE_STATES

    state = next(p for p in COMMANDS["triage"].params if p.name == "state")
    assert tuple(state.type.choices) == TRIAGE_STATES
