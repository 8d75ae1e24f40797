"""The escape reflex (brain.escape_radius): a few moves of look-ahead away from a near
predator, over the walls around the mouse."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mousesim.common.config import CheeseConfig, PredatorConfig, WorldConfig
from mousesim.sim.reference import ReferenceSimulation
from mousesim.sim.simulation import Simulation
from mousesim.world.escape import escape_action
from mousesim.world.kernels import DX, DY, PX, PY, dist
from mousesim.world.world import World

from .conftest import make_config

OPEN = "\n".join(["#" * 21] + ["#" + "." * 19 + "#"] * 19 + ["#" * 21])


def world(layout: str = OPEN, **kw) -> World:
    kw.setdefault("predator", PredatorConfig(count=1, min_start_dist=0.0))
    kw.setdefault("cheese", CheeseConfig(count=0))
    w = World(WorldConfig(layout=layout, **kw), seed=0)
    w.reset()
    return w


def put(w: World, mouse: tuple[int, int, int], pred: tuple[int, int]) -> None:
    w.state.mouse[:] = mouse
    w.state.preds[0, PX], w.state.preds[0, PY] = pred


@pytest.mark.parametrize("side", [2, 3, 4, 5, 6])  # left, behind-left, behind, ..., right
@pytest.mark.parametrize("d", [1, 2, 3])
def test_the_reflex_steps_away_from_a_near_predator_beside_or_behind(side, d):
    """On open ground, facing east, a predator d cells away to the side or behind: the
    reflex's move leaves the mouse farther from it."""
    w = world()
    pred = (10 + d * DX[side], 10 + d * DY[side])
    put(w, (10, 10, 0), pred)
    a = escape_action(w.state, w.params, 5.5, 3)
    assert a in (0, 1, 2)
    before = dist(10, 10, *pred)
    w.step(a)
    assert dist(int(w.state.mouse[0]), int(w.state.mouse[1]), *pred) > before


@pytest.mark.parametrize("d", [2, 3])
def test_the_reflex_turns_from_a_predator_ahead(d):
    """A predator d cells straight ahead: the mouse (which turns 45 degrees a move) turns."""
    w = world()
    put(w, (10, 10, 0), (10 + d, 10))
    assert escape_action(w.state, w.params, 5.5, 3) in (0, 2)


def test_no_reflex_without_a_predator_sensed_within_its_radius():
    """Beyond the radius, or behind a wall with line of sight on, the reflex does not act;
    the same predator in view does."""
    w = world()
    put(w, (10, 10, 0), (16, 10))
    assert escape_action(w.state, w.params, 5.5, 3) == -1
    assert escape_action(w.state, w.params, 6.0, 3) in (0, 1, 2)
    walled = OPEN.splitlines()
    walled[7] = "#" + "." * 9 + "#" * 5 + "." * 5 + "#"  # a wall across row 6, x 10-14
    layout = "\n".join(walled)
    hidden = world(layout, line_of_sight=True)
    put(hidden, (12, 10, 0), (12, 4))  # the wall at y = 6 is between them
    assert escape_action(hidden.state, hidden.params, 6.5, 3) == -1
    seen = world(layout, line_of_sight=False)
    put(seen, (12, 10, 0), (12, 4))
    assert escape_action(seen.state, seen.params, 6.5, 3) in (0, 1, 2)


def test_the_reflex_agrees_with_the_plain_python_flee_oracle():
    """On random cells of the maze, the pillars map and the default map, with the predator
    within the reflex's radius (line of sight off), the jitted reflex's move equals the
    plain-Python flee oracle's (`mousesim.evaluate.scripted.flee_oracle`, its reference)."""
    from mousesim.evaluate.scripted import flee_oracle
    from mousesim.io.yaml_config import load_config

    rng = np.random.default_rng(0)
    reference = flee_oracle(3)
    checked = 0
    for name in ("maze", "pillars", "default"):
        cfg = load_config(Path(__file__).parents[1] / "configs" / f"{name}.yaml")
        w = World(cfg.world.model_copy(update={"line_of_sight": False}), seed=1)
        w.reset()
        free = np.argwhere(w.state.grid == 0)
        for _ in range(150):
            my, mx = free[rng.integers(len(free))]
            py, px = free[rng.integers(len(free))]
            if not 0 < dist(mx, my, px, py) <= 6:
                continue
            put(w, (mx, my, int(rng.integers(8))), (px, py))
            assert escape_action(w.state, w.params, 6.0, 3) == reference(w, None), (name, mx, my)
            checked += 1
    assert checked > 60


@pytest.mark.parametrize("baseline", ["step", "return", "td"])
def test_reference_agrees_with_the_escape_reflex(baseline):
    """With the reflex on and the gate learned (its critic predicting the step's outcome,
    each choice's return or each context's value), the dense path and the NumPy reference take the same 3,000
    actions (the reflex acting on some of them) and end with the same readouts and gate: a
    step the reflex takes leaves the learned brain's traces only decaying, in both."""
    over = {
        "world.max_steps": 300,
        "brain.ring.path": "dense",
        "brain.escape_radius": 5.5,
        "mixture.gate_baseline": baseline,
    }
    cfg = make_config(**over)
    dense, ref = Simulation(cfg, seed=2), ReferenceSimulation(cfg, seed=2)
    reflex = 0
    for t in range(3000):
        assert dense.step().action == ref.step()[0], f"differ at step {t}"
        reflex += int(dense.brain.explore.values[4] > 0)
    assert reflex > 50, "the reflex should have acted on some steps"
    np.testing.assert_allclose(dense.brain.readout.weights, ref.readout, atol=1e-9, rtol=0)
    np.testing.assert_allclose(dense.brain.gate.weights, ref.gate_w, atol=1e-9, rtol=0)


@pytest.mark.slow
def test_the_reflex_makes_the_learning_mouse_safer_and_better_fed():
    """Default map (the TD gate) without the look-ahead, seeds 0-7, 200 learning episodes then
    100 frozen: with the reflex (brain.escape_radius 5.5) the mouse is caught in 0.05 of
    episodes and eats 20.8 per episode, without it 0.40 and 16.3 (measured: 20.80 / 0.049
    against 16.26 / 0.398, 1.28 x the cheese; seeds 0-39: 20.58 / 0.060 against 16.53 /
    0.398, 1.25 x, more cheese and fewer catches on each of the 40 seeds, by 1.22 cheese at
    least; one seed's cheese spreads by about 0.8 with the reflex, 1.1 without, and the
    difference by 1.2). Bounds: caught at most half, 1.15 x the
    cheese, more cheese on every seed. (With the step gate, configs/step_gate.yaml, the mouse
    without the reflex ate less, 12.45 / 0.209 on seeds 0-7 against 19.31 / 0.056 with it,
    1.55 x: the earlier bound of 1.3 x was set on that gate.)"""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        on = np.array(list(pool.map(_learn_then_play, [(s, 5.5) for s in range(8)])))
        off = np.array(list(pool.map(_learn_then_play, [(s, 0.0) for s in range(8)])))
    cheese_on, caught_on = on.mean(0)
    cheese_off, caught_off = off.mean(0)
    assert caught_on <= 0.5 * caught_off, (caught_on, caught_off)
    assert cheese_on >= 1.15 * cheese_off, (cheese_on, cheese_off)
    assert np.all(on[:, 0] > off[:, 0]), (on, off)


def _learn_then_play(args: tuple[int, float]) -> tuple[float, float]:
    seed, radius = args
    over = {"brain.escape_radius": radius, "brain.lookahead_radius": 0.0}
    return Simulation(make_config(**over), seed=seed).learn_then_play()


@pytest.mark.slow
def test_with_the_reflex_the_td_gate_keeps_the_mouse_eating_and_the_step_gate_cowers():
    """`configs/escape.yaml` (the default map with the reflex, brain.escape_radius 5.5, in
    place of the look-ahead), seeds 0-2, 3000 learning episodes in windows of 250. With the
    default gate (TD) the mouse stays good: caught at most 0.08-0.10 in every window after
    the first (seeds 0-7: 0.06-0.14), and 19.2-20.8 cheese in the last, 0.96-0.97 x the seed's
    mean over the windows after the first (seeds 0-7: 0.95-1.00; one window's cheese varies by
    about 1 either way, so the bound is 0.85 x that level, not a single earlier window). With
    configs/step_gate.yaml's keys on top every seed of 0-7 drifted into cowering: 4.0-6.4
    cheese in the last window after 18.5-21.1 in the second, caught 0.00-0.04 (the step
    critic's baseline of a later context, subtracted from the earlier choices that led there,
    credits the cheese expert's approaches less than they earn, and with the reflex no catch
    pulls the other way). (gate_baseline return with the default's other keys also stays
    good: seeds 0-7 caught at most 0.06-0.14 after the first window, last window 0.97-1.02 x.)"""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        fixed = list(pool.map(_windows, [(s, False) for s in range(3)]))
        drifting = list(pool.map(_windows, [(s, True) for s in range(3)]))
    for cheese, caught in fixed:
        assert max(caught[1:]) <= 0.15, caught
        assert cheese[-1] >= 0.85 * np.mean(cheese[1:]), cheese
    cowered = sum(cheese[-1] < 0.6 * max(cheese) for cheese, _ in drifting)
    assert cowered >= 2, [cheese for cheese, _ in drifting]


def _windows(args: tuple[int, bool]) -> tuple[list[float], list[float]]:
    """configs/escape.yaml (with configs/step_gate.yaml's keys on top if `step`), 3000 learning
    episodes: (cheese, caught) per 250-episode window."""
    from mousesim.io.yaml_config import load_config

    from .conftest import CONFIGS, load_script

    seed, step = args
    sim = Simulation(
        load_config(CONFIGS / "escape.yaml", load_script("td_gate").STEP if step else {}), seed=seed
    )
    rows = [sim.run_episode() for _ in range(3000)]
    wins = [rows[i : i + 250] for i in range(0, 3000, 250)]
    cheese = [float(np.mean([r["cheese"] for r in w])) for w in wins]
    caught = [float(np.mean([r["caught"] for r in w])) for w in wins]
    return cheese, caught


def test_the_look_ahead_ranks_the_moves_away_from_a_near_predator_best():
    """Facing east with a predator 3 cells behind: the look-ahead scores keeping on (or
    veering) away at most 0 and every move's value at least -LOOK_FLOOR, with the best move
    at exactly 0; a predator 3 cells ahead makes going straight the worst; none within the
    radius gives 0 for every move."""
    from mousesim.world.escape import LOOK_FLOOR, look_ahead

    w = world()
    out = np.zeros(3)
    put(w, (10, 10, 0), (7, 10))
    look_ahead(w.state, w.params, 6.0, 3, out)
    assert out.max() == 0.0 and out.min() >= -LOOK_FLOOR
    put(w, (10, 10, 0), (13, 10))
    look_ahead(w.state, w.params, 6.0, 3, out)
    assert out[1] < min(out[0], out[2])
    put(w, (10, 10, 0), (17, 10))
    look_ahead(w.state, w.params, 6.0, 3, out)
    assert not out.any()


@pytest.mark.slow
def test_the_predator_expert_learns_to_trust_the_look_ahead():
    """Default config (the TD gate), seeds 0-3, 200 learning episodes: the predator expert's
    trust in the look-ahead, which starts at 0, ends positive on every seed (measured
    2.81-4.79; seeds 0-19: 2.72-6.01), and the frozen mouse is caught less than the same mouse
    without the look-ahead at no cost in cheese (measured, 100 frozen episodes: caught 0.123
    against 0.405, cheese 20.47 against 16.34; seeds 0-19: 0.106 against 0.385, 20.02
    against 16.47; with the step gate, over 200 frozen episodes, caught 0.079 against 0.204,
    cheese 13.00 against 12.82)."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        on = list(pool.map(_trust_then_play, [(s, 6.0) for s in range(4)]))
        off = list(pool.map(_trust_then_play, [(s, 0.0) for s in range(4)]))
    assert all(trust > 0.2 for trust, _, _ in on), [t for t, _, _ in on]
    caught_on = np.mean([c for _, _, c in on])
    caught_off = np.mean([c for _, _, c in off])
    assert caught_on <= 0.7 * caught_off, (caught_on, caught_off)
    assert np.mean([c for _, c, _ in on]) >= 0.9 * np.mean([c for _, c, _ in off])


def _trust_then_play(args: tuple[int, float]) -> tuple[float, float, float]:
    seed, radius = args
    sim = Simulation(make_config(**{"brain.lookahead_radius": radius}), seed=seed)
    for _ in range(200):
        sim.run_episode()
    trust = float(sim.brain.readout.trust[1])
    sim.set_learning(False)
    rows = [sim.run_episode() for _ in range(100)]
    cheese = float(np.mean([r["cheese"] for r in rows]))
    return trust, cheese, float(np.mean([r["caught"] for r in rows]))
