"""numba infrastructure under the kernels: compile options, the on-disk cache guard, random streams."""
