"""The simulation core never imports the window, YAML, plotting or the CLI."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from .conftest import ROOT

CORE = ["mousesim/world", "mousesim/brain", "mousesim/sim", "mousesim/common", "mousesim/jit"]
FORBIDDEN = {
    "pygame",
    "yaml",
    "matplotlib",
    "tqdm",
    "argparse",
    "mousesim.cli",
    "mousesim.io",
    "mousesim.render",
}


def _core_files():
    for entry in CORE:
        p = ROOT / entry
        yield from (sorted(p.rglob("*.py")) if p.is_dir() else [p])


@pytest.mark.parametrize("path", list(_core_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_source_imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert not any(name == f or name.startswith(f + ".") for f in FORBIDDEN), (path, name)


def test_core_import_loads_no_front_end():
    # numba itself imports yaml for its own settings, so yaml is checked statically above.
    code = (
        "import sys\n"
        "import mousesim.sim.simulation, mousesim.world.world, mousesim.brain.ring\n"
        "bad = [m for m in ('pygame', 'matplotlib', 'tqdm', 'mousesim.cli',"
        " 'mousesim.io.yaml_config') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


PACKAGE = ROOT / "mousesim"


def _module_names() -> dict[str, object]:
    mods = {}
    for p in PACKAGE.rglob("*.py"):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = p
    return mods


def import_graph() -> dict[str, set[str]]:
    """module -> package modules it imports, anywhere in the file (function-level imports
    included). An import of an ancestor package is left out: Python has always finished
    importing the parents before a child starts, so it cannot close a cycle."""
    mods = _module_names()
    graph: dict[str, set[str]] = {}
    for mod, path in mods.items():
        is_pkg = path.name == "__init__.py"
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in mods)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    name = ".".join(base + ([node.module] if node.module else []))
                else:
                    name = node.module or ""
                if name in mods:
                    deps.add(name)
                deps.update(f"{name}.{a.name}" for a in node.names if f"{name}.{a.name}" in mods)
        ancestors = {".".join(mod.split(".")[:i]) for i in range(1, mod.count(".") + 1)}
        graph[mod] = deps - ancestors - {mod}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (depth-first search with colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(v: str) -> list[str] | None:
        state[v] = 1
        stack.append(v)
        for w in sorted(graph[v]):
            if state.get(w) == 1:
                return [*stack[stack.index(w) :], w]
            if w not in state and (found := visit(w)):
                return found
        stack.pop()
        state[v] = 2
        return None

    for v in sorted(graph):
        if v not in state and (found := visit(v)):
            return found
    return None


def test_find_cycle_sees_a_function_level_cycle():
    # The detector itself: a cycle closed only by a function-level import is found.
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_package():
    graph = import_graph()
    assert "mousesim.run.runner" in graph["mousesim.sweep.worker"]  # the graph sees real imports
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_errors_module_imports_nothing_of_the_package():
    assert import_graph()["mousesim.common.errors"] == set()


# The package's layers, lowest first: a module may import its own package and any package of a
# lower layer, never one beside it or above it. The core (world, brain, sim) sits on the shared
# foundation; app-level packages (files, replays, evaluations, runs, sweeps) on the core; the
# front-ends (window, Gymnasium, CLI) on top.
LAYERS: list[tuple[str, ...]] = [
    ("common", "jit"),
    ("world",),
    ("brain",),
    ("sim",),
    ("io",),
    ("replay", "evaluate", "plot"),
    ("run",),
    ("sweep",),
    ("render",),
    ("gym",),
    ("cli",),
]
_RANK = {pkg: i for i, layer in enumerate(LAYERS) for pkg in layer}


def _package(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_package_has_a_layer():
    pkgs = {_package(m) for m in import_graph()} - {"", "__main__", "data"}
    assert pkgs <= set(_RANK), f"place these packages in LAYERS: {sorted(pkgs - set(_RANK))}"


def test_imports_go_down_the_layers():
    bad = []
    for mod, deps in import_graph().items():
        src = _package(mod)
        if src not in _RANK:
            continue  # the package root and __main__ (lazy re-exports, the CLI entry)
        for dep in deps:
            dst = _package(dep)
            if dst != src and (dst not in _RANK or _RANK[dst] >= _RANK[src]):
                bad.append(f"{mod} -> {dep}")
    assert not bad, "imports against the layers: " + "; ".join(sorted(bad))
