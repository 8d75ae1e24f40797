"""numba options shared by the kernel modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numba import njit
from numba.core.registry import CPUDispatcher


class JitOnlyDispatcher(CPUDispatcher):
    """A dispatcher compiled without a Python wrapper: calling it from Python would jump to
    a null entry point (a segfault), so it raises instead."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            f"{self.py_func.__name__} is compiled for jitted callers only "
            "(mousesim.jit_options.jit_only); call it from a jitted function, or compile it "
            "with plain njit if Python calls it"
        )


def jit_only(**options: Any) -> Callable[[Callable], JitOnlyDispatcher]:
    """`njit(**options)` for a kernel that only jitted code calls.

    Without a Python wrapper and a C wrapper numba does not generate and optimise, for each
    such kernel, code that nothing calls: the CPython wrapper unboxes every argument field by
    field (29 arrays for a BrainState, 8 for a WorldState). About 2 s of a first-ever compile.
    A kernel that Python, a test or the NumPy reference calls keeps plain `njit`."""

    def wrap(fn: Callable) -> JitOnlyDispatcher:
        disp = njit(no_cpython_wrapper=True, no_cfunc_wrapper=True, **options)(fn)
        disp.__class__ = JitOnlyDispatcher  # same layout: only __call__ differs
        return disp

    return wrap
