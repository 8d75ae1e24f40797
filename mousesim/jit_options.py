"""numba options shared by the kernel modules."""

from __future__ import annotations

# For kernels that only jitted code calls. Without these flags numba also generates and
# optimises, for every such kernel, a CPython wrapper (unboxing a 29-array BrainState or an
# 8-array WorldState field by field) and a C wrapper that nothing ever calls: about 2 s of a
# first-ever compile. Calling such a kernel from Python raises instead, so a kernel that
# Python, a test or the NumPy reference calls directly keeps plain `cache=True`.
CALLEE = {"no_cpython_wrapper": True, "no_cfunc_wrapper": True}
