"""A process pool in which a dying worker fails only its own task.

`concurrent.futures.ProcessPoolExecutor` marks itself broken when any worker dies (the OOM
killer, a `kill -9`): every pending task fails and the healthy workers are killed too, so one
lost run costs the whole sweep its work in progress. Here each worker has its own pipe; when
one dies, the task it held fails with `WorkerDied` (naming the pid and the signal), a new
worker takes its place (unless `respawn=False`) and every other task goes on.

Futures are `concurrent.futures.Future`s: a queued task can be cancelled, a running one
cannot (as with the standard pool; ask it to stop with a signal, see `busy_pids`).
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterable
from multiprocessing.connection import wait as wait_any
from typing import Any


class WorkerDied(Exception):
    """The worker process running a task ended before it answered."""

    def __init__(self, pid: int | None, exitcode: int | None) -> None:
        self.pid, self.exitcode = pid, exitcode
        if exitcode is not None and exitcode < 0:
            try:
                name = signal.Signals(-exitcode).name
            except ValueError:
                name = f"signal {-exitcode}"
            how = f"was killed by {name}"
            if -exitcode == signal.SIGKILL:
                how += " (out of memory, or kill -9)"
        else:
            how = f"exited with code {exitcode}"
        super().__init__(f"its worker process (pid {pid}) {how}")


def _serve(conn: Any, initializer: Callable[..., None] | None, initargs: tuple) -> None:
    """A worker: run tasks from `conn` one at a time and send back ("ok"|"err", value)."""
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):  # the pool is gone
            return
        if msg is None:
            return
        fn, args = msg
        try:
            reply = ("ok", fn(*args))
        except BaseException as exc:  # a KeyboardInterrupt inside a task is its result too
            reply = ("err", exc)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        except Exception as exc:  # an unpicklable result or exception
            conn.send(("err", RuntimeError(f"{exc.__class__.__name__}: {exc}")))


class _Worker:
    def __init__(self, proc: Any, conn: Any) -> None:
        self.proc, self.conn = proc, conn
        self.task: cf.Future | None = None


class ProcessPool:
    """`workers` processes from `context` (a multiprocessing context), each running
    `initializer(*initargs)` first. All are started at once (from the calling thread)."""

    def __init__(
        self,
        workers: int,
        context: Any,
        initializer: Callable[..., None] | None = None,
        initargs: Iterable[Any] = (),
        *,
        respawn: bool = True,
    ) -> None:
        self._ctx = context
        self._max = max(1, int(workers))
        self._init = (initializer, tuple(initargs))
        self._respawn = respawn
        self._lock = threading.Lock()
        self._queue: collections.deque[tuple[cf.Future, Callable, tuple]] = collections.deque()
        self._workers: list[_Worker] = []
        self._closing = False
        self._wake_r, self._wake_w = os.pipe()
        for _ in range(self._max):
            self._start_worker()
        self._thread = threading.Thread(target=self._manage, name="mousesim-pool", daemon=True)
        self._thread.start()

    # -- caller side ---------------------------------------------------------------------
    def submit(self, fn: Callable[..., Any], /, *args: Any) -> cf.Future:
        fut: cf.Future = cf.Future()
        with self._lock:
            if self._closing:
                raise RuntimeError("cannot submit to a pool that is shutting down")
            self._queue.append((fut, fn, args))
        self._wake()
        return fut

    def pids(self) -> list[int]:
        with self._lock:
            return [w.proc.pid for w in self._workers if w.proc.pid is not None]

    def busy_pids(self) -> list[int]:
        with self._lock:
            return [w.proc.pid for w in self._workers if w.task is not None and w.proc.pid]

    def signal_workers(self, sig: int, *, busy_only: bool = False) -> None:
        for pid in self.busy_pids() if busy_only else self.pids():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)

    def kill(self) -> None:
        """SIGKILL every worker now; queued tasks are cancelled, running ones fail."""
        self._close(cancel=True)
        self.signal_workers(signal.SIGKILL)
        self._wake()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No more tasks; the workers end once the queue (or, with cancel_futures, the running
        tasks only) is done. wait: block until they have."""
        self._close(cancel=cancel_futures)
        self._wake()
        if wait and self._thread is not threading.current_thread():
            self._thread.join()

    def _close(self, cancel: bool) -> None:
        with self._lock:
            self._closing = True
            if cancel:
                while self._queue:
                    self._queue.popleft()[0].cancel()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    # -- the manager thread --------------------------------------------------------------
    def _start_worker(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(
            target=_serve, args=(child, *self._init), name="mousesim-worker", daemon=True
        )
        proc.start()
        child.close()
        w = _Worker(proc, parent)
        self._workers.append(w)
        return w

    def _dispatch(self) -> None:
        """Hand queued tasks to idle workers (under the lock)."""
        while self._queue:
            idle = next((w for w in self._workers if w.task is None), None)
            if idle is None:
                if len(self._workers) >= self._max or not self._respawn:
                    break
                idle = self._start_worker()
            fut, fn, args = self._queue.popleft()
            if not fut.set_running_or_notify_cancel():
                continue  # cancelled while queued
            try:
                idle.conn.send((fn, args))
            except (OSError, EOFError):
                fut.set_exception(WorkerDied(idle.proc.pid, idle.proc.exitcode))
                continue  # the worker is dead: its sentinel says so next
            except Exception as exc:  # unpicklable arguments: this task's fault only
                fut.set_exception(exc)
                continue
            idle.task = fut
        if not self._respawn and not self._workers:
            while self._queue:  # nobody left to run them
                fut = self._queue.popleft()[0]
                if fut.set_running_or_notify_cancel():
                    fut.set_exception(WorkerDied(None, None))

    def _manage(self) -> None:
        try:
            self._loop()
        finally:
            with self._lock:
                workers, self._workers = self._workers, []
                queued = list(self._queue)
                self._queue.clear()
            for fut, _, _ in queued:
                fut.cancel()
            for w in workers:
                if w.task is not None and not w.task.done():
                    w.task.set_exception(WorkerDied(w.proc.pid, w.proc.exitcode))
                with contextlib.suppress(OSError, ValueError):
                    w.conn.close()
                w.proc.join(timeout=5)
            for fd in (self._wake_r, self._wake_w):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _loop(self) -> None:
        while True:
            with self._lock:
                self._dispatch()
                if self._closing and not self._queue:
                    for w in [w for w in self._workers if w.task is None]:
                        with contextlib.suppress(OSError, ValueError):
                            w.conn.send(None)
                    if all(w.task is None for w in self._workers):
                        return
                watch: dict[Any, tuple[str, _Worker | None]] = {self._wake_r: ("wake", None)}
                for w in self._workers:
                    watch[w.proc.sentinel] = ("died", w)
                    if w.task is not None:
                        watch[w.conn] = ("reply", w)
            for obj in wait_any(list(watch)):
                what, w = watch[obj]
                if what == "wake":
                    with contextlib.suppress(OSError):
                        os.read(self._wake_r, 4096)
                elif what == "reply":
                    self._reply(w)
                else:
                    self._died(w)

    def _reply(self, w: _Worker) -> None:
        try:
            status, value = w.conn.recv()
        except (EOFError, OSError):
            return  # died mid-answer: its sentinel says so
        fut, w.task = w.task, None
        if fut is not None and not fut.done():
            if status == "ok":
                fut.set_result(value)
            else:
                fut.set_exception(value)

    def _died(self, w: _Worker) -> None:
        # An answer sent just before the end is still the task's answer.
        with contextlib.suppress(OSError, ValueError):
            if w.task is not None and w.conn.poll():
                self._reply(w)
        w.proc.join(timeout=5)
        with self._lock:
            if w in self._workers:
                self._workers.remove(w)
        fut, w.task = w.task, None
        if fut is not None and not fut.done():
            fut.set_exception(WorkerDied(w.proc.pid, w.proc.exitcode))
        with contextlib.suppress(OSError, ValueError):
            w.conn.close()


__all__ = ["ProcessPool", "WorkerDied"]
