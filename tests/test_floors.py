"""The floors of the code (README: How the code is laid out) hold: the import contracts of pyproject.toml,
no import of a project module inside a function (except the command line's lazy imports), and no private
name taken from another package."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("foundation", "crawler", "analysis", "decay")
LAZY_OK = {"decay/cli.py"}   # `decay --help` answers in 0.15 s: the command line imports the application lazily


def _modules():
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            parts = rel[:-3].split("/")
            if parts[-1] == "__init__":
                parts = parts[:-1] + ["__init__"]
            yield rel, parts, ast.parse(path.read_text(encoding="utf-8"))


def _target(parts: list[str], node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = parts[:-node.level]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(tree: ast.AST, inside_function: bool = False):
    for node in ast.iter_child_nodes(tree):
        inner = inside_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, inside_function
        yield from _imports(node, inner)


def test_import_contracts_hold():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if exe is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    r = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "broken" in r.stdout and " 0 broken" in r.stdout


def test_no_project_import_inside_a_function():
    found = []
    for rel, parts, tree in _modules():
        if rel in LAZY_OK:
            continue
        for node, inner in _imports(tree):
            if not inner:
                continue
            names = [_target(parts, node)] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            found += [f"{rel}:{node.lineno} imports {n}" for n in names if n.split(".")[0] in PACKAGES]
    assert not found, "imports inside functions (move them to the top; a circle means a floor is wrong):\n" + "\n".join(found)


def test_no_private_name_across_packages():
    found = []
    for rel, parts, tree in _modules():
        for node, _ in _imports(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            target = _target(parts, node)
            if target.split(".")[0] not in PACKAGES:
                continue
            same_package = target.split(".")[:2] == parts[:2] if len(parts) > 2 else target.split(".")[0] == parts[0]
            for a in node.names:
                if a.name.startswith("_") and not a.name.startswith("__") and not same_package:
                    found.append(f"{rel}:{node.lineno} takes {a.name} from {target}")
    assert not found, "private names used across packages (make them public where they live):\n" + "\n".join(found)
