"""What the window remembers across steps that the simulation does not: the trail, the
history of finished episodes, running mean rewards and the measured sim speed."""

from __future__ import annotations

import time
from collections import deque

import numpy as np

TRAIL_LEN = 40
HISTORY_LEN = 200
REWARD_EMA = 0.01  # per step: a running mean over about the last 100 steps


class SessionStats:
    """Observes steps (read-only) and keeps the numbers the stats panel shows."""

    def __init__(self, n_experts: int) -> None:
        self.trail: deque[tuple[int, int]] = deque(maxlen=TRAIL_LEN)
        self.cheese_history: deque[int] = deque(maxlen=HISTORY_LEN)
        self.mean_reward = np.zeros(n_experts)
        self._reward_sum = np.zeros(n_experts)  # since the last frame
        self._reward_n = 0
        self.episodes = 0  # finished in this session (abandoned ones included)
        self.caught = 0
        self.abandoned = 0  # ended with R
        # Game mode: per player ("person" / "computer"), its whole (not abandoned) episodes:
        # [episodes, cheese, caught].
        self.players: dict[str, list[int]] = {}
        self.steps = 0  # in this session
        self.last_action: int | None = None
        self._speed_marks: deque[tuple[float, int]] = deque(maxlen=32)

    def start_episode(self, mouse: np.ndarray) -> None:
        self.trail.clear()
        self.trail.append((int(mouse[0]), int(mouse[1])))
        self.last_action = None

    def after_step(self, action: int, rewards: np.ndarray, mouse: np.ndarray) -> None:
        self.steps += 1
        self.last_action = action
        self._reward_sum += rewards
        self._reward_n += 1
        self.trail.append((int(mouse[0]), int(mouse[1])))

    def after_steps(
        self, steps: int, last_action: int, returns: np.ndarray, trail: np.ndarray
    ) -> None:
        """Several steps run in one call: `returns` is their summed reward per expert and
        `trail` the mouse's cells after each of them."""
        self.steps += steps
        self.last_action = last_action
        self._reward_sum += returns
        self._reward_n += steps
        for x, y in trail[-self.trail.maxlen :] if self.trail.maxlen else trail:
            self.trail.append((int(x), int(y)))

    def after_whole_episode(self, row: dict, returns: np.ndarray, mouse: np.ndarray) -> None:
        """A whole episode run in one call: count its steps and rewards, then end it."""
        self.steps += int(row["steps"])
        self._reward_sum += returns
        self._reward_n += int(row["steps"])
        self.start_episode(mouse)  # the trail restarts at where the episode ended
        self.end_episode(row, bool(row["caught"]))

    def end_episode(
        self, row: dict, terminated: bool, *, abandoned: bool = False, who: str | None = None
    ) -> None:
        self.episodes += 1
        self.caught += int(terminated)
        self.abandoned += int(abandoned)
        self.cheese_history.append(int(row["cheese"]))
        if who is not None and not abandoned:
            rec = self.players.setdefault(who, [0, 0, 0])
            rec[0] += 1
            rec[1] += int(row["cheese"])
            rec[2] += int(terminated)

    def player_figures(self, who: str) -> tuple[int, float, float]:
        """(episodes, cheese per episode, caught rate) of a player's whole episodes (NaN
        figures before its first)."""
        n, cheese, caught = self.players.get(who, (0, 0, 0))
        if n == 0:
            return 0, float("nan"), float("nan")
        return n, cheese / n, caught / n

    def mark_frame(self, now: float | None = None) -> None:
        """Called once per drawn frame: folds the frame's rewards into the running means
        and notes the time for the speed figure."""
        if self._reward_n:
            # n per-step EMA updates, approximated with the frame's mean reward (exact for
            # n = 1); doing it per frame keeps turbo mode's per-step cost low.
            keep = (1.0 - REWARD_EMA) ** self._reward_n
            frame_mean = self._reward_sum / self._reward_n
            self.mean_reward = keep * self.mean_reward + (1.0 - keep) * frame_mean
            self._reward_sum[:] = 0.0
            self._reward_n = 0
        self._speed_marks.append((time.perf_counter() if now is None else now, self.steps))

    def steps_per_s(self) -> float:
        """Sim speed over the last few frames (0 while paused)."""
        if len(self._speed_marks) < 2:
            return 0.0
        (t0, s0), (t1, s1) = self._speed_marks[0], self._speed_marks[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0
