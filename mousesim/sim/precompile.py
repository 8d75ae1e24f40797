"""A first-ever compile on two cores: a helper process compiles part of the episode kernel's
call tree into numba's on-disk cache while this process compiles the rest.

Python runs an episode as two kernels, `start_episode` then `run_steps` (the one step loop
of every front end); the latter is a loop over the step's parts (`choose`, `world_step`, the
rings, `settle`...), each compiled on its own and then inlined by LLVM. numba compiles a
jitted callee when type inference first meets a call of it, one after another, then the
caller itself. So the helper compiles some parts (with the exact argument types `run_steps`
calls them with) and prints each one's name once it is in the cache, while this process
compiles the other parts and then `run_steps`.
On meeting a helper's part, this process waits for that line and then loads the part from the
cache instead of compiling it. If the helper fails or its types drift from the kernel's, this
process just compiles the part itself: same code, same bits, only slower
(tests/test_precompile.py checks the types).

On Linux the helper is a fork of this process, made once numba, mousesim and the argument
types are loaded, so it starts compiling at once (`can_fork` says when a fork is safe).
Elsewhere it is a new interpreter, which takes 0.3-0.5 s longer to start:

    python -m mousesim.sim.precompile   # the helper; prints each kernel's name once it is
                                        # in the cache
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mousesim.sim.simulation import Simulation

# The helper's kernels, in the order this process meets them, and this process's own, which
# it compiles in this order, `run_steps` last (cue_input and clear_rings it compiles as that
# kernel's type inference meets them). About half the parts' compile time each, counting the
# helper's start-up: `run_steps` itself (about 4.5 s) can only start once every part is
# compiled. Last, the helper compiles `start_episode` for Python's call (`start_episode_py`,
# with its wrapper) while this process compiles `run_steps`. Measured in one process:
# _ring_steps 1.8 s (with ring_steps32), world_step 1.8, start_episode 2.0; choose 2.6, settle
# 1.7, sense 0.7, feel_walls 0.4, the rest 0.5; a new interpreter's start-up takes 0.5-1 s.
HELPER_KERNELS = ("_ring_steps", "world_step", "start_episode_py")
MAIN_KERNELS = ("choose", "settle", "sense", "feel_walls", "run_steps")

_ENV_FLAG = "MOUSESIM_PRECOMPILE_HELPER"
WAIT_S = 180.0  # the longest this process waits for the helper's copy of one kernel


def part_dispatchers() -> dict[str, Any]:
    """The numba dispatcher of each part of the episode kernel, and of the kernels Python
    calls for an episode (`start_episode_py`, `run_steps`), by name."""
    from mousesim.brain import kernels as bk
    from mousesim.sim import kernels as sk
    from mousesim.world import kernels as wk

    return {
        "start_episode_py": sk.start_episode.python_entry(),
        "run_steps": sk.run_steps,
        "choose": sk.choose,
        "sense": wk.sense,
        "feel_walls": wk.feel_walls,
        "_ring_steps": bk._ring_steps,
        "settle": sk.settle,
        "world_step": wk.world_step,
    }


def part_signatures(names: tuple[str, ...]) -> list[tuple[str, Any, tuple]]:
    """(name, dispatcher, argument types) of each named part, as the episode kernel calls it:
    the types are read off a small simulation's own arrays."""
    import numpy as np
    from numba import typeof, types

    sim = tiny_simulation()
    ws, wp, bs, bp, buf = sim.world, sim.wparams, sim.brain, sim.bparams, sim.buffers
    i8 = types.int64
    state = (typeof(ws), typeof(wp), typeof(bs), typeof(bp), typeof(buf))
    args = {
        "start_episode_py": state,
        "run_steps": (*state, i8, i8, i8, typeof(np.zeros((0, 2), dtype=np.int64)), i8),
        "choose": (*state, i8, i8),
        "sense": (state[0], state[1], typeof(buf.kinds), typeof(buf.ranks), typeof(buf.percept)),
        "feel_walls": (state[0], state[1], i8, typeof(bs.explore.whiskers)),
        "_ring_steps": (typeof(bs.ring), typeof(bs.geometry), typeof(bp.ring), i8, typeof(ws.rng)),
        "settle": (*state, i8, i8, i8),
        "world_step": (
            state[0], state[1], i8, typeof(buf.kinds), typeof(buf.ranks), typeof(buf.rewards)
        ),
    }  # fmt: skip
    dispatchers = part_dispatchers()
    return [(name, dispatchers[name], args[name]) for name in names]


def in_disk_cache(disp) -> bool:
    """True when this process compiled `disp` or numba's on-disk cache has an index for it."""
    if disp.signatures:  # compiled in this process already
        return True
    try:
        index = disp._cache._cache_file._index_path  # numba internals: best effort
    except AttributeError:
        return False
    return os.path.exists(index)


def tiny_simulation() -> Simulation:
    """A simulation on an 8x8 map: the argument types of a real run, for next to no work."""
    from mousesim.common.config import CheeseConfig, PredatorConfig, SimConfig, WorldConfig
    from mousesim.sim.simulation import Simulation

    # Distances 0: the default ones cannot be met on this tiny map (and would be refused).
    world = WorldConfig(
        size=8,
        max_steps=2,
        cheese=CheeseConfig(respawn_min_dist=0),
        predator=PredatorConfig(min_start_dist=0),
    )
    return Simulation(SimConfig(world=world), record_steps=0)


class Helper:
    """The helper process, and the names it has reported compiled so far."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.done: set[str] = set()
        self._partial = b""  # the start of a line not yet read whole

    def wait_for(self, name: str, timeout: float = WAIT_S) -> None:
        """Block until the helper has cached `name`, or has ended (done, failed or killed), or
        `timeout` seconds have passed (a stuck helper is killed: this process then compiles
        whatever it did not cache, so a first run can be slow but never hangs)."""
        out: IO | None = self.proc.stdout
        deadline = time.monotonic() + timeout
        while name not in self.done and out is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([out], [], [], left)[0]:
                self.proc.kill()
                break
            # Read the pipe itself, every line it holds: a buffered reader's readline would
            # keep the next lines in its own buffer, where select cannot see them, and this
            # process would wait for a kernel the helper had long cached.
            chunk = os.read(out.fileno(), 65536)
            if not chunk:  # EOF: the helper is gone; whatever it did not cache, compile here
                break
            *lines, self._partial = (self._partial + chunk).split(b"\n")
            self.done.update(line.decode(errors="replace").strip() for line in lines)

    def close(self) -> None:
        """Reap the helper: wait for it if it is still compiling what we need, else kill it."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


class ForkedProcess:
    """The few `subprocess.Popen` methods `Helper` uses, for a child made by `os.fork`."""

    def __init__(self, pid: int, read_fd: int) -> None:
        self.pid = pid
        self.stdout: IO[bytes] | None = os.fdopen(read_fd, "rb", buffering=0)
        self.returncode: int | None = None

    def _reap(self, options: int) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, options)
            except ChildProcessError:  # reaped by someone else: it has ended, how is unknown
                self.returncode = -1
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def poll(self) -> int | None:
        return self._reap(os.WNOHANG)

    def kill(self) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def wait(self) -> int:
        code = self._reap(0)
        assert code is not None  # a blocking waitpid returns once the child has ended
        return code


def can_fork() -> bool:
    """True where a forked helper is safe: Linux (macOS frameworks are not fork-safe), one
    Python thread, numba's thread pool not started, and no pygame (SDL may run threads of its
    own and holds the display's connection). A forked child gets only the thread that forked:
    a lock another thread held would stay locked in it forever."""
    if sys.platform != "linux" or not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    if "pygame" in sys.modules:  # `mousesim play` opens its display before compiling
        return False
    parallel = sys.modules.get("numba.np.ufunc.parallel")
    return not getattr(parallel, "_is_initialized", False)


def _fork_helper(parts: list[tuple[str, Any, tuple]]) -> Helper | None:
    """The helper as a fork of this process: numba, mousesim and the argument types are
    already loaded, so it compiles at once instead of after a new interpreter's 0.3-0.5 s of
    start-up (the helper's share is the later one to finish: that is what a first run waits
    for). The child reports on a pipe and ends with os._exit (no atexit handler, no flush of
    this process's buffers)."""
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child
        code = 1
        try:
            os.close(read_fd)
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it, quietly
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):  # nothing of the helper's reaches the terminal
                os.dup2(devnull, fd)
            os.environ[_ENV_FLAG] = "1"
            for name, disp, sig in parts:
                disp.compile(sig)  # saves to numba's cache before returning
                os.write(write_fd, f"{name}\n".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    return Helper(ForkedProcess(pid, read_fd))  # type: ignore[arg-type]


def start_helper(parts: list[tuple[str, Any, tuple]] | None = None) -> Helper | None:
    """Start the helper on a machine with a second core (None on one core, or inside the
    helper itself). `parts`: the helper's kernels and argument types (`part_signatures`),
    given where it may be forked (`can_fork`). Otherwise it is a new interpreter that inherits
    the environment, NUMBA_CACHE_DIR included, and imports this very copy of mousesim."""
    if os.environ.get(_ENV_FLAG) or (os.cpu_count() or 1) < 2:
        return None
    if parts is not None and can_fork():
        return _fork_helper(parts)
    root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, _ENV_FLAG: "1", "PYTHONPATH": root + (os.pathsep + path if path else "")}
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mousesim.sim.precompile"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    except OSError:
        return None
    return Helper(proc)


@contextlib.contextmanager
def helped_compile() -> Iterator[None]:
    """Within this block, a compile that meets a helper kernel waits for the helper's copy. On
    entry, while the helper works, this process compiles its own parts (MAIN_KERNELS)."""
    dispatchers = part_dispatchers()
    # Loading what another kernel's compile already cached takes milliseconds here: less than
    # a helper takes to start.
    if all(in_disk_cache(dispatchers[name]) for name in HELPER_KERNELS):
        yield
        return
    # A forked helper gets the argument types with the fork (the tiny simulation they are
    # read off is built once); a new interpreter builds its own.
    parts = part_signatures(HELPER_KERNELS + MAIN_KERNELS) if can_fork() else None
    helper = start_helper(parts[: len(HELPER_KERNELS)] if parts else None)
    if helper is None:
        yield
        return
    patched = []
    for name in HELPER_KERNELS:
        disp = dispatchers[name]

        def compile_after_helper(sig, _disp=disp, _name=name):
            helper.wait_for(_name)
            return type(_disp).compile(_disp, sig)  # loads the helper's copy when it matches

        disp.compile = compile_after_helper  # an instance attribute: numba calls self.compile
        patched.append(disp)
    try:
        for _, disp, sig in (
            parts[len(HELPER_KERNELS) :] if parts else part_signatures(MAIN_KERNELS)
        ):
            disp.compile(sig)
        yield
    finally:
        for disp in patched:
            del disp.compile
        helper.close()


def main() -> int:
    for name, disp, sig in part_signatures(HELPER_KERNELS):
        disp.compile(sig)  # saves to numba's cache before returning
        print(name, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
