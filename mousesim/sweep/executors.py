"""Where batch runs execute: one small `concurrent.futures`-style seam over two backends.

A sweep hands `submit(fn, *args)` a top-level, picklable function and plain arguments and gets
a `concurrent.futures.Future` back, whatever runs it, so a run never knows where it runs:

- `LocalExecutor`: a process pool on this machine (the "spawn" start method: a forked child
  would inherit the parent's numba, tqdm and Dask threads, which is how forked pools deadlock).
- `DaskExecutor`: a `dask.distributed` cluster, either joined by address (many machines) or a
  `LocalCluster` started for the sweep. Dask futures are bridged to `concurrent.futures`
  futures, so the caller waits on both kinds the same way.
"""

from __future__ import annotations

import abc
import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from mousesim.common.errors import UsageError

BACKENDS = ("local", "dask")


class ExecutorError(UsageError):
    """A backend that cannot start as asked (missing package, unreachable scheduler)."""


_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


def check_address(address: str) -> str:
    """A Dask scheduler address as `--address` takes it ([tcp://]host:port); ExecutorError
    naming what is wrong, before anything is started or made."""
    scheme, sep, rest = address.strip().partition("://")
    if not sep:
        scheme, rest = "tcp", address.strip()
    example = "e.g. tcp://10.0.0.5:8786"
    if scheme in ("http", "https"):
        raise ExecutorError(
            f"--address {address}: that is a web (dashboard) address; give the scheduler's "
            f"address, {example}"
        )
    if scheme not in _SCHEMES:
        raise ExecutorError(
            f"--address {address}: unknown protocol {scheme!r} (one of {', '.join(_SCHEMES)}), "
            f"{example}"
        )
    host, colon, port = rest.rpartition(":")
    if not colon or not host.strip("[]") or "/" in rest:
        raise ExecutorError(f"--address {address}: expected host:port, {example}")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ExecutorError(
            f"--address {address}: port {port!r} is not a number from 1 to 65535, {example}"
        )
    return address.strip()


class ClusterLost(Exception):
    """The cluster went away while tasks were running (its scheduler stopped)."""


def _quiet_dask_logs() -> None:
    for name in [n for n in logging.root.manager.loggerDict if n.startswith("distributed")]:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    logging.getLogger("distributed").setLevel(logging.CRITICAL)


class Executor(abc.ABC):
    """The seam: submit/map/shutdown, plus `interrupt` to ask running tasks to stop early."""

    backend: str = ""
    workers: int = 0

    @abc.abstractmethod
    def submit(self, fn: Callable[..., Any], /, *args: Any) -> cf.Future:
        """Schedule `fn(*args)`; `fn` must be a module-level function (it is pickled)."""

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> Iterator[Any]:
        """Like `concurrent.futures.Executor.map`: results in input order."""
        futures = [self.submit(fn, *args) for args in zip(*iterables, strict=False)]
        for fut in futures:
            yield fut.result()

    def interrupt(self) -> None:  # noqa: B027 - optional hook: not every backend can do it
        """Ask running tasks to stop early (best effort; a run then saves and says interrupted)."""

    @abc.abstractmethod
    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the workers; with cancel_futures, tasks that have not started never will."""

    def describe(self) -> str:
        return f"{self.workers} {self.backend} worker{'s' if self.workers != 1 else ''}"

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown(wait=True, cancel_futures=True)


def _worker_init(parent_pid: int) -> None:
    """Runs first in every local worker process.

    Ctrl-C reaches the whole process group; an idle worker ignores it (the parent decides what
    stops), while a run in progress installs its own handler (see `runner.execute_run`) and so
    stops after its current chunk of steps, saved and resumable. Every other stop signal ends
    an idle worker. A watchdog ends the worker when the parent dies (even by SIGKILL), so
    orphans never keep writing into a sweep being re-run."""
    from mousesim.io.stop import default_in_child, start_parent_watchdog

    default_in_child()
    start_parent_watchdog(parent_pid)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    try:
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: nothing to do
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _noop() -> int:
    return os.getpid()


class LocalExecutor(Executor):
    """A pool of `workers` processes on this machine (default: one per core). A worker that
    dies (the OOM killer, `kill -9`) fails only the run it held (`WorkerDied`); a new worker
    takes its place and the other runs go on."""

    backend = "local"

    def __init__(self, workers: int | None = None) -> None:
        from mousesim.io.pool import ProcessPool

        self.workers = max(1, int(workers or os.cpu_count() or 1))
        self._pool = ProcessPool(
            self.workers,
            multiprocessing.get_context("spawn"),
            initializer=_worker_init,
            initargs=(os.getpid(),),
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> cf.Future:
        return self._pool.submit(fn, *args)

    def warm(self) -> None:
        """Start every worker process now (so timing a batch does not include start-up)."""
        for fut in [self._pool.submit(_noop) for _ in range(self.workers)]:
            fut.result()

    def interrupt(self) -> None:
        # The workers are our own children: signal the busy ones by pid (the terminal may
        # have done so already; a second SIGINT to a run only sets its stop flag again).
        self._pool.signal_workers(signal.SIGINT, busy_only=True)

    def terminate(self) -> None:
        """Kill the worker processes (a second Ctrl-C: do not wait for anything)."""
        self._pool.kill()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


class DaskExecutor(Executor):
    """Tasks on a `dask.distributed` cluster.

    Args:
        workers: worker processes of the `LocalCluster` started when no address is given
            (one thread each: the kernels are single-threaded and a run holds the GIL).
        address: scheduler address (e.g. ``tcp://10.0.0.5:8786``) of an existing cluster; its
            workers must have mousesim installed and see the sweep's output directory.
        cluster_kwargs: extra `LocalCluster` arguments (ignored with an address).
    """

    backend = "dask"

    def __init__(
        self,
        workers: int | None = None,
        address: str | None = None,
        **cluster_kwargs: Any,
    ) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError(
                "the dask backend needs dask.distributed: pip install 'mousesim[dask]'"
            ) from None
        self._cluster = None
        self._lock = threading.Lock()
        self._pending: dict[cf.Future, Any] = {}
        if address:
            check_address(address)
            # The sweep reports a lost scheduler in one line; the client's own reconnect
            # errors (full tracebacks) are not for the user.
            _quiet_dask_logs()
            try:
                self._client = Client(address, timeout="15s")
            except Exception as exc:  # OSError, TimeoutError, or the scheduler's own refusal
                raise ExecutorError(
                    f"cannot reach the dask scheduler at {address} ({exc.__class__.__name__})"
                ) from None
            self.workers = len(self._client.scheduler_info().get("workers", {}))
        else:
            self.workers = max(1, int(workers or os.cpu_count() or 1))
            opts: dict[str, Any] = {
                "n_workers": self.workers,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
                "silence_logs": logging.CRITICAL,  # a failed run is reported once, by the sweep
            }
            opts.update(cluster_kwargs)
            # Worker processes inherit an ignored SIGINT: a Ctrl-C in the terminal then reaches
            # only us (we cancel and close the cluster) instead of making every worker print a
            # KeyboardInterrupt traceback.
            with _sigint_ignored():
                self._cluster = LocalCluster(**opts)
            self._client = Client(self._cluster)
        self.address = self._client.scheduler.address

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> cf.Future:
        # The bridge stays PENDING until the task ends, so `bridge.cancel()` works (and is
        # passed on to Dask) even for a task that already started on a worker.
        bridge: cf.Future = cf.Future()
        # pure=False: two tasks with equal arguments are still two tasks.
        dfut = self._client.submit(fn, *args, pure=False)
        with self._lock:
            self._pending[bridge] = dfut

        def on_cancel(b: cf.Future) -> None:
            if b.cancelled():
                with contextlib.suppress(Exception):
                    self._client.cancel([dfut])

        def done(d: Any) -> None:
            with self._lock:
                self._pending.pop(bridge, None)
            if bridge.done():
                return
            try:
                if d.status == "finished":
                    result, error = d.result(), None
                elif d.status == "cancelled" and self._client.status != "running":
                    result, error = None, ClusterLost(self._lost_text())
                elif d.status == "cancelled":
                    result, error = None, cf.CancelledError()
                else:
                    result, error = None, d.exception()
            except Exception:  # the cluster went away under us
                result, error = None, ClusterLost(self._lost_text())
            with contextlib.suppress(cf.InvalidStateError):  # cancelled meanwhile
                if error is None:
                    bridge.set_result(result)
                else:
                    bridge.set_exception(error)

        bridge.add_done_callback(on_cancel)
        dfut.add_done_callback(done)
        return bridge

    def _lost_text(self) -> str:
        return f"lost the dask scheduler at {self.address} (it stopped, or the network went down)"

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            pending = list(self._pending.values())
            self._pending.clear()
        with contextlib.suppress(Exception):
            if cancel_futures and pending:
                self._client.cancel(pending)
            self._client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()
            self._cluster = None


def make_executor(backend: str, workers: int | None = None, address: str | None = None) -> Executor:
    """The executor for `--backend`, `--workers` and `--address` (ExecutorError if unusable)."""
    if backend == "local":
        if address:
            raise ExecutorError("--address needs --backend dask")
        return LocalExecutor(workers)
    if backend == "dask":
        return DaskExecutor(workers, address)
    raise ExecutorError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")


__all__ = [
    "BACKENDS",
    "ClusterLost",
    "DaskExecutor",
    "Executor",
    "ExecutorError",
    "LocalExecutor",
    "make_executor",
]
