"""World rules on small ASCII maps (DESIGN.md section 1)."""

from __future__ import annotations

import numpy as np
import pytest

from mousesim.common.config import CheeseConfig, PredatorConfig, WorldConfig
from mousesim.world.kernels import DX, DY
from mousesim.world.world import World

OPEN = """
#########
#.......#
#.......#
#.......#
#...M...#
#.......#
#.......#
#.......#
#########
"""


def world(layout=OPEN, seed=0, **kw) -> World:
    kw.setdefault("predator", PredatorConfig(count=0))
    kw.setdefault("cheese", CheeseConfig(count=0))
    w = World(WorldConfig(layout=layout, **kw), seed=seed)
    w.reset()
    return w


def place(w: World, x: int, y: int, h: int) -> None:
    w.state.mouse[:] = (x, y, h)


@pytest.mark.parametrize("heading", range(8))
@pytest.mark.parametrize("action,turn", [(0, 1), (1, 0), (2, -1)])
def test_turn_then_step_all_headings(heading, action, turn):
    w = world()
    place(w, 4, 4, heading)
    w.step(action)
    nh = (heading + turn) % 8
    assert w.state.mouse[2] == nh
    assert (w.state.mouse[0], w.state.mouse[1]) == (4 + DX[nh], 4 + DY[nh])


def test_heading_geometry():
    """Heading 0 is east, 2 north (up the screen), left turns are counter-clockwise."""
    assert (DX[0], DY[0]) == (1, 0)
    assert (DX[2], DY[2]) == (0, -1)
    assert (DX[4], DY[4]) == (-1, 0)
    assert (DX[6], DY[6]) == (0, 1)


def test_wall_blocks_but_mouse_still_turns():
    w = world()
    place(w, 1, 4, 3)  # facing north-west next to the west wall... turn left -> west
    w.step(0)
    assert w.state.mouse[2] == 4
    assert (w.state.mouse[0], w.state.mouse[1]) == (1, 4)


def test_diagonal_slides_along_wall():
    w = world()
    place(w, 1, 4, 4)  # facing west at the west wall; turn right -> north-west
    w.step(2)
    assert w.state.mouse[2] == 3
    assert (w.state.mouse[0], w.state.mouse[1]) == (1, 3)  # slid north


def test_no_slide_when_disabled():
    from mousesim.common.config import MouseConfig

    w = world(mouse=MouseConfig(slide=False))
    place(w, 1, 4, 4)
    w.step(2)
    assert (w.state.mouse[0], w.state.mouse[1]) == (1, 4)


def test_no_squeezing_between_diagonal_walls():
    layout = """
#####
#.#.#
##..#
#...#
#####
"""
    w = world(layout)
    place(w, 2, 2, 2)  # (2,2) facing north, north-west of it is (1,1)
    w.step(0)  # turn to NW: (1,1) free but (1,2) and (2,1) are walls
    assert (w.state.mouse[0], w.state.mouse[1]) == (2, 2)


def test_eating_and_respawn_distance():
    cfg = dict(cheese=CheeseConfig(count=1, respawn_min_dist=4.0, eat_bonus=5.0))
    for seed in range(20):
        w = world(seed=seed, **cfg)
        place(w, 4, 4, 0)
        w.state.cheese[0] = (5, 4)
        _, reward, _, _, info = w.step(1)
        assert info["ate"] and info["cheese_eaten"] == 1
        assert reward == pytest.approx(1.0 + 5.0)  # distance closed + bonus
        cx, cy = w.state.cheese[0]
        assert w.state.grid[cy, cx] == 0
        assert np.hypot(cx - 5, cy - 4) >= 4.0


def test_cheese_reward_is_distance_change():
    w = world(cheese=CheeseConfig(count=1))
    place(w, 2, 4, 0)
    w.state.cheese[0] = (6, 4)
    _, _, _, _, info = w.step(1)
    assert info["reward_cheese"] == pytest.approx(1.0)
    _, _, _, _, info = w.step(0)  # north-east: from (3,4) to (4,3)
    assert info["reward_cheese"] == pytest.approx(3.0 - np.hypot(2, 1))


@pytest.mark.parametrize(
    "radius,dx,caught", [(0, 1, False), (1, 1, True), (1, 2, False), (2, 2, True)]
)
def test_catch_radius(radius, dx, caught):
    pred = PredatorConfig(count=1, move_prob=0.0, catch_radius=radius, caught_penalty=10.0)
    w = world(predator=pred)
    place(w, 2, 4, 0)
    w.state.preds[0, :2] = (3 + dx, 4)
    _, _, terminated, _, info = w.step(1)  # mouse to (3,4)
    assert terminated == caught
    if caught:
        assert info["reward_predator"] < -9.0


@pytest.mark.parametrize(
    "radius,far_dx,far_penalised", [(0, 3, False), (1, 1, True), (1, 3, False)]
)
def test_a_catch_is_the_penalty_of_the_experts_whose_predator_made_it(
    radius, far_dx, far_penalised
):
    """Two predators, experts for the nearest and the second nearest: the nearest's expert
    always pays the catch; the second's only when its own predator is within catch reach too
    (a predator across the field did not lose the mouse)."""
    from mousesim.world.kernels import KIND_CHEESE, KIND_PREDATOR, TERMINATED, world_step

    pred = PredatorConfig(count=2, move_prob=0.0, catch_radius=radius, caught_penalty=10.0)
    w = world(predator=pred)
    place(w, 2, 4, 0)
    w.state.preds[0, :2] = (3, 4)  # the mouse steps onto it
    w.state.preds[1, :2] = (3, 4 + far_dx)
    kinds = np.array([KIND_CHEESE, KIND_PREDATOR, KIND_PREDATOR], dtype=np.int64)
    ranks = np.array([0, 0, 1], dtype=np.int64)
    rewards = np.zeros(3)
    flags = world_step(w.state, w.params, 1, kinds, ranks, rewards)
    assert flags & TERMINATED
    assert rewards[1] < -9.0
    assert (rewards[2] < -9.0) == far_penalised


def test_the_eat_bonus_is_the_reward_of_the_expert_whose_cheese_was_eaten():
    """Two cheeses, experts for the nearest and the second nearest: eating the nearest pays
    the bonus to its expert only; the second's expert gets its own distance change."""
    from mousesim.world.kernels import ATE, KIND_CHEESE, world_step

    w = world(cheese=CheeseConfig(count=2, eat_bonus=5.0))
    place(w, 2, 4, 0)
    w.state.cheese[0, :] = (3, 4)  # the mouse steps onto it
    w.state.cheese[1, :] = (6, 4)
    kinds = np.array([KIND_CHEESE, KIND_CHEESE], dtype=np.int64)
    ranks = np.array([0, 1], dtype=np.int64)
    rewards = np.zeros(2)
    assert world_step(w.state, w.params, 1, kinds, ranks, rewards) & ATE
    assert rewards[0] == pytest.approx(1.0 + 5.0)  # from 1 cell away to 0, and the bonus
    assert rewards[1] == pytest.approx(4.0 - 3.0)  # the other cheese: 4 cells, then 3


def test_walking_into_predator_is_caught():
    w = world(predator=PredatorConfig(count=1, move_prob=0.0))
    place(w, 2, 4, 0)
    w.state.preds[0, :2] = (3, 4)
    assert w.step(1)[2]


@pytest.mark.parametrize("move_prob", [0.3, 0.7])
def test_predator_move_prob(move_prob):
    pred = PredatorConfig(count=1, policy="random", move_prob=move_prob)
    w = world(
        predator=pred,
        seed=3,
        layout="\n".join(["#" * 30] + ["#" + "." * 28 + "#"] * 28 + ["#" * 30]),
    )
    moves = trials = 0
    for _ in range(4000):
        place(w, 1, 1, 6)
        w.state.preds[0, :2] = (15, 15)
        w.step(1)
        trials += 1
        moves += tuple(w.state.preds[0, :2]) != (15, 15)
    # Open field: every random step moves, so the move rate is move_prob.
    p = moves / trials
    assert abs(p - move_prob) < 4 * np.sqrt(move_prob * (1 - move_prob) / trials)


def test_chasing_predator_closes_in_and_gives_up():
    pred = PredatorConfig(
        count=1, policy="chase", move_prob=1.0, chase_prob=1.0, vision_radius=4.0, give_up=2
    )
    w = world(predator=pred)
    place(w, 3, 1, 2)  # facing north against the wall: the mouse stays at (3, 1)
    w.state.preds[0, :2] = (4, 4)  # distance 3.2: seen
    w.step(1)
    assert np.hypot(w.state.preds[0, 0] - 3, w.state.preds[0, 1] - 1) < np.hypot(1, 3)
    assert w.state.preds[0, 3] == 3  # give_up + 1 steps of pursuit left
    # Out of sight: the pursuit timer runs down, then the predator wanders.
    timers = []
    for _ in range(4):
        place(w, 3, 1, 2)
        w.state.preds[0, :2] = (7, 7)
        w.step(1)
        timers.append(int(w.state.preds[0, 3]))
    assert timers == [2, 1, 0, 0]


def test_truncation_at_max_steps():
    w = world(max_steps=7)
    for t in range(7):
        place(w, 4, 4, 0)
        _, _, term, trunc, _ = w.step(1)
        assert not term
        assert trunc == (t == 6)


def test_line_of_sight_hides_targets():
    layout = """
#########
#.......#
#.......#
#...#...#
#.......#
#########
"""
    pred = PredatorConfig(count=0)
    w_los = world(layout, line_of_sight=True, cheese=CheeseConfig(count=1), predator=pred)
    w_no = world(layout, line_of_sight=False, cheese=CheeseConfig(count=1), predator=pred)
    for w in (w_los, w_no):
        place(w, 2, 3, 0)
        w.state.cheese[0] = (6, 3)
    assert w_los.observe()[0, 2] == 0.0
    assert w_no.observe()[0, 2] == 1.0
    w_los.state.cheese[0] = (6, 1)
    assert w_los.observe()[0, 2] == 1.0


def test_bearing_sign_and_sense_radius():
    w = world(cheese=CheeseConfig(count=1), sense_radius=2.5)
    place(w, 4, 4, 0)  # facing east
    w.state.cheese[0] = (4, 2)  # north = on the left
    obs = w.observe()
    assert obs[0, 0] == pytest.approx(np.pi / 2)
    assert obs[0, 1] == pytest.approx(2.0)
    assert obs[0, 2] == 1.0
    w.state.cheese[0] = (4, 7)
    obs = w.observe()
    assert obs[0, 0] == pytest.approx(-np.pi / 2)
    assert obs[0, 2] == 0.0  # 3 cells away, beyond sense_radius 2.5


def test_layout_markers_place_entities():
    layout = """
#######
#M...C#
#.....#
#....P#
#######
"""
    w = World(WorldConfig(layout=layout), seed=1)
    w.reset()
    assert tuple(w.state.mouse[:2]) == (1, 1)
    assert tuple(w.state.cheese[0]) == (5, 1)
    assert tuple(w.state.preds[0, :2]) == (5, 3)


def test_random_maps_are_connected_and_seeded():
    from mousesim.world.grid import random_grid

    g1 = random_grid(24, 24, 0.3, np.random.default_rng(5))
    g2 = random_grid(24, 24, 0.3, np.random.default_rng(5))
    assert np.array_equal(g1, g2)
    # every floor cell reachable from the first one
    from collections import deque

    free = list(zip(*np.nonzero(g1 == 0), strict=False))
    seen = {free[0]}
    q = deque([free[0]])
    while q:
        y, x = q.popleft()
        for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            n = (y + dy, x + dx)
            if g1[n] == 0 and n not in seen:
                seen.add(n)
                q.append(n)
    assert len(seen) == len(free)


def test_same_seed_same_trajectory():
    cfg = WorldConfig()
    traj = []
    for _ in range(2):
        w = World(cfg, seed=11)
        w.reset()
        rng = np.random.default_rng(0)
        t = []
        for _ in range(300):
            _obs, r, term, trunc, info = w.step(int(rng.integers(3)))
            t.append((info["mouse"], tuple(info["predators"]), r))
            if term or trunc:
                w.reset()
        traj.append(t)
    assert traj[0] == traj[1]
