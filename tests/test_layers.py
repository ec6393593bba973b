"""The code's layers point one way: each package imports only packages below it.

forms → template | reader | importer | samples → check → collect → merge → report → desk, api,
docs, demo → cli → program (the entry point) → __main__. The README's "How it is built" lists the
same order. Every import counts, also one inside a function: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "govxl"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("govxl", "values", "dates", "fileio", "paths", "xmltext", "mdtext", "roster", "office"),
    ("forms",),
    ("template", "reader", "importer", "samples"),
    ("check",),
    ("collect",),
    ("merge",),
    ("report",),
    ("desk", "api", "docs", "demo"),
    ("cli",),
    ("program",),
    ("__main__",),
)
"""Bottom first. ``govxl`` is the package itself (``from govxl import __version__``)."""

RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _unit(module: str) -> str:
    """``govxl.collect.run`` → ``collect``; ``govxl`` → ``govxl``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every govxl import in the file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    here = _module_name(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("govxl")]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                pkg = here.split(".")
                if not path.name == "__init__.py":
                    pkg = pkg[:-1]
                pkg = pkg[: len(pkg) - node.level + 1]
                base = ".".join([*pkg, base] if base else pkg)
            if base.startswith("govxl"):
                # ``from govxl.forms import expr``: a name may be a module of its own
                subs = [f"{base}.{a.name}" for a in node.names if _is_module(f"{base}.{a.name}")]
                found += [(node.lineno, m) for m in subs]
                if len(subs) < len(node.names):
                    found.append((node.lineno, base))
    return found


def _is_module(name: str) -> bool:
    path = PACKAGE.parent / name.replace(".", "/")
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")
"""Every module but the package's own ``__init__``: the public face (``govxl.read``), on top
of everything, which imports what it offers only when called."""


def test_every_package_has_a_layer() -> None:
    units = {_unit(_module_name(p)) for p in SOURCES}
    assert units <= set(RANK), sorted(units - set(RANK))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down(path: Path) -> None:
    me = _unit(_module_name(path))
    upward = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for line, module in _imports(path)
        if _unit(module) != me
        and RANK.get(_unit(module), 99) >= RANK[me]
        and _unit(module) != "govxl"
    ]
    assert not upward, "\n".join(upward)


def test_no_module_cycles() -> None:
    graph: dict[str, set[str]] = {}
    names = {_module_name(p) for p in SOURCES}
    for p in SOURCES:
        deps = {m for _, m in _imports(p) if m in names and m != _module_name(p)}
        # importing a name from a package means importing its __init__
        graph[_module_name(p)] = deps
    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        seen[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if seen.get(m) == 1:
                return stack[stack.index(m) :] + [m]
            if m not in seen and (cycle := visit(m)):
                return cycle
        stack.pop()
        seen[n] = 2
        return None

    for n in sorted(graph):
        if n not in seen and (cycle := visit(n)):
            pytest.fail("import cycle: " + " → ".join(cycle))


def test_the_readme_lists_the_layers_in_the_same_order() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## How it is built") :]
    positions = [section.find(f"`{layer[0]}/`") for layer in LAYERS[1:7]]
    assert -1 not in positions, positions
    assert positions == sorted(positions)
