"""ruff (lint + format) is part of the test run, so style rot shows up in CI."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from .conftest import ROOT


@pytest.mark.skipif(
    importlib.util.find_spec("ruff") is None, reason="ruff not installed (pip install -e .[test])"
)
@pytest.mark.parametrize("cmd", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff(cmd):
    r = subprocess.run(
        [sys.executable, "-m", "ruff", *cmd, "mousesim", "tests", "scripts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr
