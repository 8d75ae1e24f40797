"""The reference table in docs/gym.md is what scripts/baselines.py builds from the stored
results (docs/results/gym/), for every registered variant."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT, load_script

pytest.importorskip("gymnasium")


def _script():
    return load_script("baselines")


def test_docs_table_is_the_one_built_from_the_stored_results():
    from mousesim.gym import VARIANTS

    b = _script()
    text = (ROOT / "docs" / "gym.md").read_text(encoding="utf-8")
    shown = text.split(b.BEGIN, 1)[1].split(b.END, 1)[0]
    assert shown.strip() == b.table().strip()  # rerun: python scripts/baselines.py --table
    for env_id in VARIANTS:  # every variant has its random, oracle and ring rows
        assert f'`"{env_id}"`:' in shown
    assert shown.count("| ring brain, 100,000 steps |") == len(VARIANTS)
    assert shown.count("| oracle |") == len(VARIANTS)


def test_bad_arguments_are_one_line():
    for args in (["--only", "nope"], ["--variants", "Nope"]):
        r = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "baselines.py"), *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 2 and args[1] in r.stderr.strip().splitlines()[-1]
