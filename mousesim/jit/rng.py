"""One root seed, split into named random streams.

Python-side code draws from `numpy.random.Generator`s. Jitted code never
touches numba's hidden global RNG: it carries explicit SplitMix64 states in a
small uint64 array (one slot per stream), seeded from the same SeedSequence
tree. Saving that array is enough to checkpoint and resume bit-identically.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

import mousesim.jit.cache  # noqa: F401  (drops stale compiled kernels before any load)
from mousesim.jit.options import jit_only

# Kernel stream slots, in the order they are spawned. New streams go at the end
# so that old seeds still replay. int64 scalars, not ints: numba types an int constant passed
# as an argument (`uniform(rng, SPAWN)`) as a literal and compiles the callee once per value.
SPAWN = np.int64(0)  # mouse start, cheese placement and respawn
PREDATOR = np.int64(1)  # predator moves
ACTION = np.int64(2)  # softmax action sampling
NOISE = np.int64(3)  # ring noise
N_KERNEL_STREAMS = 4

_STREAM_ORDER = ("layout", "brain_init", "spawn", "predator", "action", "noise")


class Streams(NamedTuple):
    layout: np.random.Generator
    brain_init: np.random.Generator
    kernel: np.ndarray  # uint64[N_KERNEL_STREAMS]


def make_streams(seed: int) -> Streams:
    """Split `seed` into the named streams (fixed order: see `_STREAM_ORDER`)."""
    children = np.random.SeedSequence(int(seed)).spawn(len(_STREAM_ORDER))
    kernel = np.array([c.generate_state(1, np.uint64)[0] for c in children[2:]], dtype=np.uint64)
    return Streams(
        layout=np.random.default_rng(children[0]),
        brain_init=np.random.default_rng(children[1]),
        kernel=kernel,
    )


@jit_only(cache=True)
def uniform(state: np.ndarray, slot: int) -> float:
    """Next float in [0, 1) from SplitMix64 stream `slot` (advances the state in place)."""
    state[slot] += np.uint64(0x9E3779B97F4A7C15)
    z = state[slot]
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@jit_only(cache=True)
def normal(state: np.ndarray, slot: int) -> float:
    """Standard normal draw (Box-Muller, one value per call for simplicity of state)."""
    u1 = uniform(state, slot)
    u2 = uniform(state, slot)
    return np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)
