"""`python scripts/catches.py`: where a trained mouse's steps go and where it is caught."""

from __future__ import annotations

import numpy as np

from .conftest import load_script


def _catches():
    return load_script("catches")


def test_every_step_and_catch_is_counted_once():
    """An untrained mouse (it is caught often): each frozen step is counted under exactly one
    driver and one distance band, catches next to a wall are among the catches, and the
    drivers before each catch share out to one per catch."""
    run = _catches()._play((None, 0, 0, 3000, None, "oracle"))
    assert run["near"].sum() == 3000 and run["taken"] == 0
    assert run["catches"] >= 3
    assert 0 <= run["walls"][1] <= run["catches"]
    assert 0 <= run["walls"][0] <= 3000
    np.testing.assert_allclose(run["before"].sum(), run["catches"])


def test_the_oracle_takes_the_steps_with_a_predator_within_reach():
    """--oracle-within R: the oracle acts on the steps that start with a predator within R
    cells (and only the brain's own steps are counted by driver); an untrained mouse that
    the oracle, or the oracle's escape alone, rescues at close range is caught less often
    than on its own."""
    catches = _catches()
    alone = catches._play((None, 0, 0, 3000, None, "oracle"))
    rescued = catches._play((None, 0, 0, 3000, 4.0, "oracle"))
    assert 0 < rescued["taken"] < 3000
    assert rescued["near"].sum() == 3000 - rescued["taken"]
    assert rescued["catches"] / rescued["episodes"] < alone["catches"] / alone["episodes"]
    fled = catches._play((None, 0, 0, 3000, 4.0, "flee"))
    assert fled["catches"] / fled["episodes"] < alone["catches"] / alone["episodes"]


def test_trails_draw_the_last_steps_before_a_catch():
    """--trails N: the first N catches of a seed, each drawn as text with the mouse's last
    cell (M), one driver-and-action pair per step drawn, and the
    walls of the map; no trails unless asked."""
    catches = _catches()
    run = catches._play((None, 0, 0, 3000, None, "oracle", 2))
    assert len(run["trails"]) == 2
    for text in run["trails"]:
        head, *rows = text.splitlines()
        moves = head.split(": ", 1)[1].split()
        assert 1 <= len(moves) <= catches.TRAIL
        assert all(m[0] in "CP" and m[1] in "LSR" for m in moves)
        assert sum(row.count("M") for row in rows) == 1
        assert all(set(row.strip()) <= set("#.pM" + catches.ARROWS) for row in rows)
    assert catches._play((None, 0, 0, 500, None, "oracle"))["trails"] == []
