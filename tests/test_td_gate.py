"""The default gate, an actor-critic (mixture.gate_baseline: td): its critic learns the
discounted value of each context, and the gate learns from the TD error. Against it, the step
gate (configs/step_gate.yaml, the former default: a critic of this step's outcome alone)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mousesim.brain.kernels import gate_bootstrap, gate_learn
from mousesim.io.yaml_config import load_config
from mousesim.sim.reference import ReferenceSimulation
from mousesim.sim.simulation import Simulation

from .conftest import CONFIGS, load_script, make_config


def _gate(seed: int = 0):
    sim = Simulation(make_config(**{"mixture.gate_baseline": "td"}), seed=seed)
    gate, gl = sim.brain.gate, sim.bparams.gate_learning
    rng = np.random.default_rng(seed)
    gate.weights[:] = rng.normal(size=gate.weights.shape)
    gate.elig[:] = rng.normal(size=gate.elig.shape)
    gate.baseline[:] = rng.normal(size=gate.baseline.shape)
    return sim, gate, gl


def _value(c: np.ndarray, x: np.ndarray) -> float:
    """V(x) = c . x', x' = (1, x_1, ..., x_E): the critic's own constant whatever x_0 is."""
    return float(c @ np.concatenate([[1.0], x[1:]]))


def test_the_td_error_moves_the_gate_and_its_critic():
    """A step that ate (R = 5) in context x_t waits for the next context x_{t+1}; then, with
    delta = R + gamma V(x_{t+1}) - V(x_t), the critic moves by rate delta x'_t and the gate's
    weights by eta_g delta e_g (by hand, in NumPy)."""
    _sim, gate, gl = _gate()
    x_t, x_next = np.array([0.0, 1.0, 0.6]), np.array([1.0, 0.0, 0.0])
    gate.context[:] = x_t
    c0, v0, e = gate.baseline.copy(), gate.weights.copy(), gate.elig.copy()
    gate_learn(gate, gl, np.zeros(2), 5.0, 0)
    # Nothing moves until the next context is known.
    np.testing.assert_array_equal(gate.baseline, c0)
    np.testing.assert_array_equal(gate.weights, v0)
    gate.context[:] = x_next
    gate_bootstrap(gate, gl, 1)
    delta = 5.0 + gl.discount * _value(c0, x_next) - _value(c0, x_t)
    np.testing.assert_allclose(
        gate.baseline, c0 + gl.baseline_rate * delta * np.array([1.0, 1.0, 0.6]), atol=1e-12
    )
    np.testing.assert_allclose(gate.weights, v0 + gl.learning_rate * delta * e, atol=1e-12)
    # Once learned from, the step does not teach twice.
    c1 = gate.baseline.copy()
    gate_bootstrap(gate, gl, 1)
    np.testing.assert_array_equal(gate.baseline, c1)


def test_a_catch_is_learned_from_at_once_with_no_value_after_it():
    """A catch ends the episode: delta = R - V(x_t) right away (no successor's value), and
    the next episode's first choice has nothing left to bootstrap."""
    _sim, gate, gl = _gate(1)
    x_t = np.array([0.0, 0.0, 1.0])
    gate.context[:] = x_t
    c0, v0, e = gate.baseline.copy(), gate.weights.copy(), gate.elig.copy()
    gate_learn(gate, gl, np.zeros(2), -25.0, 1)
    delta = -25.0 - _value(c0, x_t)
    np.testing.assert_allclose(
        gate.baseline, c0 + gl.baseline_rate * delta * np.array([1.0, 0.0, 1.0]), atol=1e-12
    )
    np.testing.assert_allclose(gate.weights, v0 + gl.learning_rate * delta * e, atol=1e-12)
    c1, v1 = gate.baseline.copy(), gate.weights.copy()
    gate.context[:] = np.array([1.0, 0.0, 0.0])
    gate_bootstrap(gate, gl, 1)
    np.testing.assert_array_equal(gate.baseline, c1)
    np.testing.assert_array_equal(gate.weights, v1)


def test_a_step_pending_while_learning_is_switched_off_is_dropped():
    """Learning switched off between a step and its successor: that step teaches nothing,
    then or once learning is back on."""
    _sim, gate, gl = _gate(2)
    gate.context[:] = np.array([1.0, 0.0, 0.0])
    c0, v0 = gate.baseline.copy(), gate.weights.copy()
    gate_learn(gate, gl, np.zeros(2), 5.0, 0)
    gate_bootstrap(gate, gl, 0)
    gate_bootstrap(gate, gl, 1)
    np.testing.assert_array_equal(gate.baseline, c0)
    np.testing.assert_array_equal(gate.weights, v0)


@pytest.mark.parametrize(
    ("world", "gate"),
    [(None, "td"), ("pillars.yaml", "td"), (None, "step"), ("pillars.yaml", "step")],
)
def test_reference_agrees_with_the_td_gate_and_the_step_gate(world, gate):
    """The dense path and the NumPy reference take the same 4,000 actions with the default
    gate (the TD gate; episodes end by catches and by running out of time) and end with the
    same gate weights and critic: on the open field (the default config as it is), and on the
    pillars map, where the predator also goes out of sight (its looming memory then decays by
    loom_memory, not loom_memory_seen). The same with configs/step_gate.yaml's keys (a critic
    of the step's outcome, one looming memory: loom_memory_seen null)."""
    sets = {"world.max_steps": 300, "brain.ring.path": "dense"}
    if gate == "step":
        sets = {**load_script("td_gate").STEP, **sets}
    cfg = load_config(CONFIGS / world if world else None, sets)
    assert cfg.mixture.gate_baseline == gate
    assert (cfg.mixture.loom_memory_seen is None) == (gate == "step")
    dense, ref = Simulation(cfg, seed=5), ReferenceSimulation(cfg, seed=5)
    caught = 0
    for t in range(4000):
        step = dense.step()
        assert step.action == ref.step()[0], f"differ at step {t}"
        caught += int(step.terminated)
    assert caught > 0, "some episode should have ended with a catch"
    np.testing.assert_allclose(dense.brain.gate.weights, ref.gate_w, atol=1e-9, rtol=0)
    np.testing.assert_allclose(dense.brain.gate.baseline, ref.gate_baseline, atol=1e-9, rtol=0)
    np.testing.assert_allclose(dense.brain.readout.weights, ref.readout, atol=1e-9, rtol=0)


def _learn_then_play(args: tuple) -> tuple[float, float]:
    """(config file or None for the default, seed, dotted keys on top)."""
    config, seed, sets = args
    return Simulation(load_config(config, sets), seed=seed).learn_then_play()


@pytest.mark.slow
def test_the_td_gate_eats_more_at_the_same_safety():
    """Default map, seeds 0-19, 200 learning episodes then 100 frozen: with the default gate
    (TD) the mouse eats 20.02 cheese per episode and is caught in 0.11 of episodes (seeds 0-39:
    19.83 / 0.12, one seed's caught rate spreading by 0.036 (0.04-0.21); the oracle eats
    29.94), against 12.64 / 0.07 with configs/step_gate.yaml's keys (seeds 0-39: 12.71 /
    0.07); on every seed it eats more (by 6.06 at least; 5.39 on seeds 0-39). Bounds: 0.55 of
    the oracle's cheese (measured 0.67), caught at most 0.15 (the product's target), more
    cheese on every seed."""
    from concurrent.futures import ProcessPoolExecutor

    seeds = range(20)
    step_keys = load_script("td_gate").STEP
    with ProcessPoolExecutor(2) as pool:
        td = np.array(list(pool.map(_learn_then_play, [(None, s, {}) for s in seeds])))
        step = np.array(list(pool.map(_learn_then_play, [(None, s, step_keys) for s in seeds])))
    assert td[:, 0].mean() >= 0.55 * 29.94, td
    assert td[:, 1].mean() <= 0.15, td
    assert np.all(td[:, 0] > step[:, 0]), (td, step)


@pytest.mark.slow
def test_the_td_gate_does_not_learn_to_hide_in_a_small_walled_hall():
    """configs/pillars.yaml with the TD gate's discount 0.8 and slow critic (0.05), at the
    looming radius 6 and gate floor 0.02 it was chosen with (the default until today; the
    default now has 5.5 and 0.005), seeds 0-7, 200 learning episodes then 100 frozen: every
    seed eats (at least 1 cheese per episode; measured on seeds 0-7: 5.76-7.26 cheese, mean
    6.41, caught 0.37-0.50; on seeds 0-59 none hides, mean 6.46 / 0.38; the step gate 4.62 /
    0.33 on seeds 0-7). With gate_discount 0.95 and gate_baseline_rate 0.2 on top, 8 of those
    60 seeds learned early to hide and stayed hidden (5.37 / 0.34). The default as it is now
    hides on 2 of seeds 0-59 (0 and 53: 0.04 and 0.05 cheese; all 60: 6.91 / 0.38), and so
    does the radius 5.5 with the floor 0.02 (seeds 8 and 39): the discount and the slow
    critic make hiding rare, not impossible, and seed 0 of the default is one."""
    from concurrent.futures import ProcessPoolExecutor

    former = {"mixture.loom_radius": 6.0, "mixture.gate_floor": 0.02}
    with ProcessPoolExecutor(2) as pool:
        args = [(CONFIGS / "pillars.yaml", s, former) for s in range(8)]
        runs = np.array(list(pool.map(_learn_then_play, args)))
    assert np.all(runs[:, 0] >= 1.0), runs


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["scripts/targets.py", "oracle", "--keys", "configs/nope.yaml"], "configs/nope.yaml"),
        (["scripts/targets.py", "oracle", "--keys", "README.md"], "README.md"),
        (["scripts/targets.py", "oracle", "--set", "mixture.gate_baselin=td"], "gate_baselin"),
        (["scripts/td_gate.py", "--set", "mixture.gate_discount=1.5"], "gate_discount"),
    ],
)
def test_the_measuring_scripts_refuse_a_bad_key_before_they_start(args, named):
    """A missing or non-YAML --keys file, an unknown key or a value out of range: one line
    naming it, a non-zero exit, no traceback (and no run of several minutes first)."""
    import subprocess
    import sys

    root = Path(__file__).parents[1]
    r = subprocess.run([sys.executable, *args], cwd=root, capture_output=True, text=True)
    assert r.returncode != 0
    assert named in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_step_gate_stays_good_for_1500_episodes(seed):
    """The default map with configs/step_gate.yaml's keys, learning on throughout (as
    test_stability's test of the default gate, the TD gate): the step gate the docs compare
    against is stable too. Measured (seeds 0, 1, 2): caught per 250-episode window after the
    first 0.05-0.08, 0.02-0.07, 0.04-0.11; cheese 12.5-13.5, 13.1-13.6, 13.2-14.9 per
    episode; last window's cheese 1.03, 1.13, 1.07 x episodes 101-300; slope -0.013, -0.013,
    -0.046 per 1000 episodes. Bounds as there: caught <= 0.25 after the first window, cheese
    kept at 0.9 x, slope <= +0.05."""
    from .test_stability import _drift, _windows

    w, early = _windows(seed, **load_script("td_gate").STEP)
    assert w[1:, 0].max() <= 0.25, w
    assert w[-1, 1] >= 0.9 * early, (w, early)
    assert _drift(w) <= 0.05, w
