"""Stop signals: every signal that would end the process stops a command cleanly instead.

A closed terminal (SIGHUP), a scheduler (SIGTERM, SIGXCPU at a CPU limit, SIGUSR1/2 as some
batch systems send before a kill), Ctrl-C (SIGINT) and Ctrl-\\ (SIGQUIT) all end a process
that does not catch them, with no summary and possibly a temp file beside a half-done write.
`STOP_SIGNALS` are the catchable ones whose default is to end the process (the hardware
faults, SIGABRT and SIGSYS are left alone: they come from inside the process). Commands see
them in one of two ways:

- `raise_on_stop()`: the signal raises `Stopped` (a KeyboardInterrupt, so everything that
  already cleans up after Ctrl-C does so for every signal); the CLI wraps each command in it.
- `StopFlag`: the signal only sets a flag that a loop reads at a safe point (a run between
  two chunks of an episode), so its files never disagree.

A signal the parent process set to be ignored (SIGHUP under `nohup`) stays ignored; SIGINT is
always caught (a sweep asks its workers to stop with it).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType

_NAMES = (
    "SIGINT",
    "SIGTERM",
    "SIGHUP",
    "SIGQUIT",
    "SIGUSR1",
    "SIGUSR2",
    "SIGALRM",
    "SIGVTALRM",
    "SIGPROF",
    "SIGXCPU",
    "SIGPWR",
)
STOP_SIGNALS: tuple[signal.Signals, ...] = tuple(
    getattr(signal, n) for n in _NAMES if hasattr(signal, n)
)


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def exit_code(signum: int | None) -> int:
    """The shell's convention for a process ended by a signal: 128 + its number (130 Ctrl-C)."""
    return 128 + int(signum if signum is not None else signal.SIGINT)


class Stopped(KeyboardInterrupt):
    """Raised by `raise_on_stop` for any stop signal; `signum` says which."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal_name(signum))
        self.signum = int(signum)


def signum_of(exc: BaseException) -> int:
    return int(getattr(exc, "signum", signal.SIGINT))


@contextlib.contextmanager
def _handlers(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    old = {}
    for sig in STOP_SIGNALS:
        try:
            current = signal.getsignal(sig)
            if current is signal.SIG_IGN and sig != signal.SIGINT:
                continue  # ignored on purpose by whoever started us (nohup)
            old[sig] = signal.signal(sig, handler)
        except (ValueError, OSError):  # not the main thread, or not settable here
            continue
    try:
        yield
    finally:
        for sig, previous in old.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(sig, previous if previous is not None else signal.SIG_DFL)


@contextlib.contextmanager
def raise_on_stop() -> Iterator[None]:
    """While in the block, a stop signal raises `Stopped(signum)` in the main thread.

    A signal that lands inside a callback from C (numba's compiler calls back into Python
    while it compiles or loads the kernels) raises there, and Python drops an exception
    raised in such a callback ("Exception ignored ..."): the stop would be lost. So a dropped
    `Stopped` sends its signal again a moment later, until it lands in plain Python code."""
    import os
    import sys
    import threading

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Stopped(signum)

    old_hook = sys.unraisablehook

    def hook(unraisable) -> None:  # type: ignore[no-untyped-def]
        exc = unraisable.exc_value
        if isinstance(exc, Stopped):
            again = threading.Timer(0.05, os.kill, (os.getpid(), exc.signum))
            again.daemon = True
            again.start()
            return
        old_hook(unraisable)

    sys.unraisablehook = hook
    try:
        with _handlers(handler):
            yield
    finally:
        sys.unraisablehook = old_hook


class StopFlag:
    """A stop signal sets `requested` (and `signum`, the first one seen) while installed."""

    def __init__(self) -> None:
        self.requested = False
        self.signum: int | None = None

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        if self.signum is None:
            self.signum = int(signum)

    @contextlib.contextmanager
    def installed(self) -> Iterator[StopFlag]:
        with _handlers(self._handler):
            yield self


def default_in_child() -> None:
    """In a worker process: every stop signal ends it (the default), except SIGINT, which is
    ignored: Ctrl-C reaches the whole process group and the parent decides what stops. A
    forked child would otherwise inherit the parent's handlers and answer a SIGTERM by
    raising inside its task instead of ending."""
    for sig in STOP_SIGNALS:
        with contextlib.suppress(ValueError, OSError):
            signal.signal(sig, signal.SIG_IGN if sig == signal.SIGINT else signal.SIG_DFL)


def start_parent_watchdog(parent_pid: int, interval_s: float = 0.2) -> None:
    """In a worker process: end it when its parent is gone (even by SIGKILL), so no orphan
    keeps computing, writing or holding its caller's stdout and stderr open."""
    import os
    import threading
    import time

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(interval_s)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


__all__ = [
    "STOP_SIGNALS",
    "StopFlag",
    "Stopped",
    "default_in_child",
    "exit_code",
    "raise_on_stop",
    "signal_name",
    "signum_of",
    "start_parent_watchdog",
]
