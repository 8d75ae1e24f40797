"""numba options shared by the kernel modules."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

from numba import njit
from numba.core.registry import CPUDispatcher

# The suffix of a kernel's Python entry point's qualified name, hence of its cache file: numba's
# cache index does not key on the wrapper flags, so the two builds of one function must not
# share a file (the wrapper-less build, loaded for a Python call, would jump to a null entry).
PY_ENTRY_SUFFIX = "_py"


class JitOnlyDispatcher(CPUDispatcher):
    """A dispatcher compiled without Python and C wrappers, for jitted callers.

    A call from Python goes to `python_entry()`: the same function compiled a second time,
    with its wrapper, and only once Python does call it (a test, a tool, the NumPy reference).
    A run never does, so it never pays for that build."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.python_entry()(*args, **kwargs)

    def python_entry(self) -> CPUDispatcher:
        """The kernel's build for Python callers (made on first use)."""
        entry = self.__dict__.get("_python_entry")
        if entry is None:
            fn = self.py_func
            twin = types.FunctionType(
                fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__
            )
            twin.__qualname__ = fn.__qualname__ + PY_ENTRY_SUFFIX
            twin.__doc__ = fn.__doc__
            twin.__module__ = fn.__module__
            entry = njit(**self.__dict__["_jit_options"])(twin)
            self.__dict__["_python_entry"] = entry
        return entry


def jit_only(
    *, forceinline: bool = True, **options: Any
) -> Callable[[Callable], JitOnlyDispatcher]:
    """`njit(**options)` for a kernel that jitted code calls, without the wrappers that only a
    call from Python needs, and inlined into its callers by LLVM unless `forceinline=False`.

    Inlining: numba compiles and optimises each kernel once, on its own, and LLVM then copies
    its optimised body into each caller (numba's `forceinline`, LLVM's alwaysinline). The step
    loop so costs no call (a call passes every array of the groups it takes, field by field)
    and no copy of numba IR (`inline="always"` deep-copies the callee's IR at every call site,
    a large part of a first compile). A kernel that runs once an episode passes
    `forceinline=False`. The flag is always set explicitly: numba lets a kernel without it
    inherit it from whichever caller happened to compile it first.

    For each such kernel numba would otherwise generate and optimise a CPython wrapper (it
    unboxes every argument field by field: 29 arrays for a whole BrainState, 8 for a
    WorldState) and a C wrapper, in every process that compiles the kernel, whether Python
    calls it or not: a large share of a first-ever compile. A call from Python still works: it compiles and uses a
    separate build with its wrapper (`JitOnlyDispatcher.python_entry`)."""

    def wrap(fn: Callable) -> JitOnlyDispatcher:
        disp = njit(
            no_cpython_wrapper=True, no_cfunc_wrapper=True, forceinline=forceinline, **options
        )(fn)
        disp.__class__ = JitOnlyDispatcher  # same layout: only __call__ differs
        # The Python entry is a call from Python: never inlined anywhere.
        disp.__dict__["_jit_options"] = dict(options)
        return disp

    return wrap
