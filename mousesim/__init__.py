"""mousesim: a mouse with a ring-attractor brain learns to get cheese and not get eaten.

The core (world, brain, sim) imports numpy, numba and pydantic only.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["SimConfig", "Simulation", "__version__"]


def __getattr__(name: str):
    # Lazy, so `import mousesim` stays cheap and never pulls numba in by itself.
    if name == "SimConfig":
        from mousesim.common.config import SimConfig

        return SimConfig
    if name == "Simulation":
        from mousesim.sim.simulation import Simulation

        return Simulation
    raise AttributeError(name)
