"""The simulation core never imports the window, YAML, plotting or the CLI."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from .conftest import ROOT

CORE = ["mousesim/world", "mousesim/brain", "mousesim/sim", "mousesim/config.py", "mousesim/rng.py"]
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
