"""The learned gate's rule is the gradient of the policy the mouse follows.

With sampled routing (`mixture.routing: sample`) the mouse's policy is a mixture of experts,
pi(a) = sum_k g_k p_k(a): expert k drives with probability g_k. The gate's eligibility must be
d log pi(a) / dV (Williams 1992), through the floor and the slider's scaling of g. These
tests check that against finite differences, that the older responsibility rule is that
gradient only without a floor, and that routing draws each expert as often as its share.
"""

from __future__ import annotations

import numpy as np
import pytest

from mousesim.brain.kernels import gate_traces
from mousesim.sim.simulation import Simulation

from .conftest import choose, make_config


def _gate_shares(v: np.ndarray, x: np.ndarray, bias: np.ndarray, floor: float, override: float):
    """g(V) for a fixed context x: the learned gate's formula, in NumPy."""
    z = v @ x
    soft = np.exp(z - z.max())
    soft /= soft.sum()
    q = floor + (1.0 - len(z) * floor) * soft
    with np.errstate(invalid="ignore"):
        s = np.where(np.isneginf(bias), 0.0, np.exp(override * bias))
    g = q * s
    return g / g.sum()


def _numeric_gradient(f, x0: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar f at x0, one entry at a time."""
    out = np.zeros_like(x0)
    for idx in np.ndindex(x0.shape):
        dx = np.zeros_like(x0)
        dx[idx] = eps
        out[idx] = (f(x0 + dx) - f(x0 - dx)) / (2 * eps)
    return out


def _state(focus: float, floor: float, gradient: str = "exact"):
    """A brain some steps into an episode (rings active), with random gate weights, its
    shares and expert policies computed for the current context."""
    cfg = make_config(
        **{"mixture.focus": focus, "mixture.gate_floor": floor, "mixture.gate_gradient": gradient}
    )
    sim = Simulation(cfg, seed=3)
    for _ in range(60):
        sim.step()
    bs, bp = sim.brain, sim.bparams
    bs.gate.weights[:] = np.random.default_rng(1).normal(size=bs.gate.weights.shape)
    bs.gate.context[:] = [0.4, 1.0, 0.6]  # partly calm, the cheese looming, the predator fading
    gp = bp.gate
    bs.gate.share[:] = _gate_shares(
        bs.gate.weights, bs.gate.context, bs.gate.bias, gp.floor, gp.override
    )
    choose(bs, bp, sim.world.rng.copy())
    return sim


@pytest.mark.parametrize("focus", [0.5, 0.7])
@pytest.mark.parametrize("action", [0, 1, 2])
def test_exact_eligibility_is_the_gradient_of_log_pi(focus, action):
    sim = _state(focus, floor=0.1)
    bs, gp = sim.brain, sim.bparams.gate
    x, bias, p_a = bs.gate.context.copy(), bs.gate.bias.copy(), bs.motor.expert_probs[:, action]

    def log_pi(v):
        return np.log(_gate_shares(v, x, bias, gp.floor, gp.override) @ p_a)

    numeric = _numeric_gradient(log_pi, bs.gate.weights.copy())
    bs.gate.elig[:] = 0.0
    gate_traces(bs.gate, bs.motor, gp, sim.bparams.gate_learning, action)
    np.testing.assert_allclose(bs.gate.elig, numeric, rtol=1e-5, atol=1e-8)


def test_responsibility_rule_is_exact_only_without_a_floor():
    """resp - g is d log pi / dz for a plain softmax gate; with the floor it is not (it keeps
    pushing the dominant expert's weights, the drift that took the old gate to its clip)."""
    gaps = {}
    for floor in (0.0, 0.1):
        exact = _state(0.5, floor=floor)
        resp = _state(0.5, floor=floor, gradient="responsibility")
        for sim in (exact, resp):
            sim.brain.gate.elig[:] = 0.0
            gate_traces(sim.brain.gate, sim.brain.motor, sim.bparams.gate,
                        sim.bparams.gate_learning, 1)  # fmt: skip
        gaps[floor] = np.abs(exact.brain.gate.elig - resp.brain.gate.elig).max()
    assert gaps[0.0] < 1e-12
    assert gaps[0.1] > 1e-3


def test_exact_eligibility_vanishes_as_the_gate_saturates():
    """Once the softmax has a clear winner, the exact rule stops pushing it (the weights stop
    growing); the responsibility rule keeps a push of about the floor's size."""
    sizes = {}
    for gradient in ("exact", "responsibility"):
        sim = _state(0.5, floor=0.1, gradient=gradient)
        bs, gp = sim.brain, sim.bparams.gate
        bs.gate.weights[:] = [[8.0, 8.0, 8.0], [-8.0, -8.0, -8.0]]  # the cheese expert dominates
        bs.gate.share[:] = _gate_shares(bs.gate.weights, bs.gate.context, bs.gate.bias,
                                        gp.floor, gp.override)  # fmt: skip
        # the dominant expert favours left, the other right; the mouse turned left
        bs.motor.expert_probs[:] = [[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]]
        a = 0
        bs.gate.elig[:] = 0.0
        gate_traces(bs.gate, bs.motor, gp, sim.bparams.gate_learning, a)
        sizes[gradient] = np.abs(bs.gate.elig).max()
    assert sizes["exact"] < 1e-4
    assert sizes["responsibility"] > 0.01


def test_sampled_routing_draws_each_expert_as_often_as_its_share():
    """Fixed gate at focus 0.7: the cheese expert drives 70% of the steps (2,000 steps: a
    binomial standard error of 1%)."""
    cfg = make_config(**{"mixture.gate": "fixed", "mixture.focus": 0.7})
    sim = Simulation(cfg, seed=5)
    drivers = []
    for _ in range(2000):
        sim.step()
        drivers.append(int(sim.brain.motor.driver[0]))
        # the drive is the driver's own votes, not a blend
        np.testing.assert_array_equal(sim.brain.motor.drive, sim.brain.motor.votes[drivers[-1]])
    share = np.mean(np.array(drivers) == 0)
    assert abs(share - 0.7) < 0.04, share


@pytest.mark.parametrize("action", [0, 2])
def test_responsible_readout_eligibility_is_the_gradient_of_log_pi(action):
    """brain.post responsible: beta_eff (e_k increment) = d log pi(a) / dM_k for the routed
    mixture pi(a) = sum_k g_k softmax(beta_eff (M_k r_k + w_k A) - reflex)(a)."""
    from mousesim.brain.kernels import X_BETA

    from .conftest import traces

    sim = _state(0.7, floor=0.1)
    bs, bp = sim.brain, sim.bparams
    beta = bs.explore.values[X_BETA]
    reflex = bp.explore.whisker_gain * bs.explore.whiskers
    g, r = bs.gate.share.copy(), bs.ring.rates.copy()
    # A predator expert's votes also carry its trust times the look-ahead (not a readout term).
    ahead = bs.readout.foresees[:, None] * bs.readout.trust[:, None] * bs.explore.ahead

    def log_pi(m):
        total = 0.0
        for k in range(len(g)):
            z = beta * (m[k] @ r[k] + ahead[k]) - reflex
            p = np.exp(z - z.max())
            total += g[k] * p[action] / p.sum()
        return np.log(total)

    numeric = _numeric_gradient(log_pi, bs.readout.weights.copy())
    bs.readout.elig[:] = 0.0
    traces(bs, bp, action)
    # atol: central differences at eps 1e-6 of a log pi of order 1 carry roundoff of about
    # 1e-16 / 1e-6 times beta (10), so entries near 1e-7 cannot be checked to rtol alone.
    np.testing.assert_allclose(beta * bs.readout.elig, numeric, rtol=1e-5, atol=1e-8)
