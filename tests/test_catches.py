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
    run = _catches()._play((None, 0, 0, 3000))
    assert run["near"].sum() == 3000
    assert run["catches"] >= 3
    assert 0 <= run["walls"][1] <= run["catches"]
    assert 0 <= run["walls"][0] <= 3000
    np.testing.assert_allclose(run["before"].sum(), run["catches"])
