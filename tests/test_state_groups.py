"""The kernels' state stays grouped by owner: no flat tuple grows without bound, and a brain
kernel names the groups it touches, not the whole brain."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

PACKAGE = Path(__file__).resolve().parents[1] / "mousesim"
MAX_FIELDS = 16


def _named_tuples(tree: ast.Module) -> list[tuple[str, int]]:
    """(class name, number of fields) of every `class X(NamedTuple)` in a module."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and any(
            (isinstance(b, ast.Name) and b.id == "NamedTuple")
            or (isinstance(b, ast.Attribute) and b.attr == "NamedTuple")
            for b in node.bases
        ):
            fields = [s for s in node.body if isinstance(s, ast.AnnAssign)]
            out.append((node.name, len(fields)))
    return out


def test_no_named_tuple_has_more_than_16_fields():
    """A named tuple of more than 16 fields is a sign that state of several owners has run
    together: split it into groups (see mousesim/brain/kernels.py)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for name, n in _named_tuples(ast.parse(path.read_text(), str(path))):
            found[f"{path.relative_to(PACKAGE.parent)}:{name}"] = n
    assert "mousesim/brain/kernels.py:BrainState" in found  # the scan sees the brain's tuples
    too_wide = {k: n for k, n in found.items() if n > MAX_FIELDS}
    assert not too_wide, too_wide


def test_named_tuples_are_classes_so_their_fields_can_be_counted():
    """`namedtuple("X", ...)` or `NamedTuple("X", ...)` would slip past the count above."""
    calls = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
                if name in ("namedtuple", "NamedTuple"):
                    calls.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not calls, calls


def test_the_counter_counts_fields():
    src = "from typing import NamedTuple\nclass A(NamedTuple):\n    x: int\n    y: float\n"
    assert _named_tuples(ast.parse(src)) == [("A", 2)]


def test_brain_kernels_take_groups_not_the_whole_brain():
    """Every function in the brain's kernels names the groups it uses: none takes the whole
    BrainState or BrainParams (the step's parts in sim/kernels.py hand each its groups)."""
    path = PACKAGE / "brain" / "kernels.py"
    whole = {"BrainState", "BrainParams"}
    offenders = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef):
            for arg in node.args.args:
                if isinstance(arg.annotation, ast.Name) and arg.annotation.id in whole:
                    offenders.append(f"{node.name}({arg.arg}: {arg.annotation.id})")
    assert not offenders, offenders


def test_a_population_holds_one_mouses_group_types_with_a_mouse_axis():
    """Population state is the single mouse's BrainState, WorldState and StepBuffers, each array
    with a leading axis of B mice but the rings' geometry (shared); mouse_row gives mouse b's
    view of a group, in Python as in jitted code."""
    from numba import njit

    from mousesim.sim.population import Population, mouse_row
    from mousesim.sim.simulation import Simulation

    from .conftest import make_config

    cfg = make_config(**{"world.max_steps": 20})
    pop = Population(cfg, [3, 4])
    one = Simulation(cfg, seed=4).brain
    assert type(pop.brain) is type(one)
    assert pop.brain.geometry is pop.template.brain.geometry
    for name in one._fields[1:]:
        group = getattr(pop.brain, name)
        assert type(group) is type(getattr(one, name))
        for a, b in zip(group, getattr(one, name), strict=True):
            assert a.shape == (2, *b.shape)
    row = mouse_row(pop.brain.readout, 1)
    assert type(row) is type(one.readout) and np.shares_memory(
        row.weights, pop.brain.readout.weights
    )

    @njit
    def jitted_row(group, b):
        return mouse_row(group, b)

    jrow = jitted_row(pop.brain.readout, 1)
    assert type(jrow) is type(one.readout)
    for a, b in zip(jrow, row, strict=True):
        assert np.array_equal(a, b)
