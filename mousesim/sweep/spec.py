"""The sweep file: a base config, a grid of dotted keys, seeds and episodes.

A sweep file is checked completely before anything runs: its own keys (pydantic, extra keys
refused), then the config of every grid point, built exactly as `--set` would build it, so a
misspelt key or an out-of-range value is refused with its path and line. The result is a
`Sweep`: one `RunSpec` per grid point and seed, in a fixed order (grid points in the order the
file lists keys and values, then seeds), each with a readable, filesystem-safe run id.

Seeds: ``seeds: K`` gives run k the seed ``SeedSequence(root).spawn(K)[k].generate_state(1)[0]``
(a uint32; root = the sweep's ``seed`` key, else the base config's ``run.seed``), so a run's
seed depends only on its position in the seed list, never on which worker ran it or when, and
``seeds: 10`` keeps the first five seeds of ``seeds: 5``. ``seeds: [3, 7]`` uses those seeds.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import itertools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mousesim import __version__
from mousesim.common.config import SimConfig
from mousesim.common.errors import UsageError
from mousesim.common.words import plural
from mousesim.io.yaml_config import (
    ConfigError,
    apply_overrides,
    load_config,
    parse_yaml_text,
    read_yaml,
    validate,
)


class SweepError(UsageError):
    """A bad sweep file or sweep request: one line naming the key (and file:line), exit 2."""


_StrictPosInt = Annotated[int, Field(ge=1, strict=True)]
_StrictNonNegInt = Annotated[int, Field(ge=0, strict=True)]


class SweepFile(BaseModel):
    """The keys a sweep file may have (anything else is refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: Any = None
    """Config file path (relative to the sweep file), an inline config mapping, or null for the
    built-in default."""
    grid: Annotated[dict[str, Annotated[list[Any], Field(min_length=1)]], Field(min_length=1)]
    """Dotted config key -> list of values; every combination is run."""
    seeds: Any = 1
    """A count (derived seeds) or an explicit list of seeds."""
    episodes: _StrictPosInt | None = None
    """Episodes per run (default: the base config's run.episodes)."""
    seed: _StrictNonNegInt | None = None
    """Root seed that a seed count is derived from (default: the base config's run.seed)."""

    @field_validator("base")
    @classmethod
    def _base_shape(cls, v: Any) -> Any:
        if v is not None and not isinstance(v, str | dict):
            raise ValueError("must be a config file path or an inline config mapping")
        if isinstance(v, str) and not v.strip():
            raise ValueError("is empty (give a config file path or leave base out)")
        return v

    @field_validator("seeds")
    @classmethod
    def _seeds_shape(cls, v: Any) -> Any:
        def is_int(x: Any) -> bool:
            return isinstance(x, int) and not isinstance(x, bool)

        if is_int(v):
            if v < 1:
                raise ValueError(f"a seed count must be at least 1 (got {v})")
            return v
        if isinstance(v, list):
            if not v:
                raise ValueError("the seed list is empty")
            bad = [x for x in v if not is_int(x) or x < 0]
            if bad:
                raise ValueError(f"seeds must be integers >= 0 (got {bad[0]!r})")
            seen: set[int] = set()
            for x in v:
                if x in seen:
                    raise ValueError(f"seed {x} is listed twice")
                seen.add(x)
            return v
        raise ValueError(f"must be a count or a list of integer seeds (got {v!r})")


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: a grid point and a seed."""

    run_id: str
    point: int
    """Index of the grid point (order of the sweep file)."""
    params: tuple[tuple[str, Any], ...]
    """(dotted key, value) for every swept key, in grid order."""
    seed: int
    seed_index: int
    cfg: SimConfig

    def config_dict(self) -> dict:
        """The full config as plain JSON-able data (what a worker receives)."""
        return self.cfg.model_dump(mode="json")


@dataclass(frozen=True)
class Sweep:
    """A checked sweep: every run's config is valid."""

    source: str
    name: str
    keys: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]
    """The grid's values per key, as the file lists them."""
    points: tuple[tuple[Any, ...], ...]
    seeds: tuple[int, ...]
    root_seed: int | None
    episodes: int | None
    base: dict
    runs: tuple[RunSpec, ...]

    def resolved_yaml(self) -> str:
        """This sweep as a sweep file with everything spelled out (full base config, explicit
        seeds): `mousesim sweep OUT/sweep.yaml --out OUT` repeats (and so resumes) it."""
        data: dict[str, Any] = {
            "base": self.base,
            "grid": {k: list(v) for k, v in zip(self.keys, self.values, strict=True)},
            "seeds": list(self.seeds),
        }
        if self.episodes is not None:
            data["episodes"] = self.episodes
        root = "" if self.root_seed is None else f" (root seed {self.root_seed})"
        head = (
            f"# Sweep resolved by mousesim {__version__} from {self.source}{root}.\n"
            f"# {len(self.points)} grid points x {len(self.seeds)} seeds = {len(self.runs)} runs.\n"
        )
        return head + yaml.safe_dump(data, sort_keys=False, default_flow_style=None)


def derive_seeds(root: int, count: int) -> list[int]:
    """`count` run seeds from one root: child k of `SeedSequence(root).spawn(count)`."""
    children = np.random.SeedSequence(int(root)).spawn(int(count))
    return [int(c.generate_state(1, np.uint32)[0]) for c in children]


def format_value(v: Any) -> str:
    """A swept value as text (run ids, CSV cells): YAML-like scalars, compact JSON otherwise."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return v
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


def short_names(keys: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Each dotted key's shortest dotted suffix that no other key shares (mixture.focus ->
    focus; world.cheese.count and world.predator.count -> cheese.count, predator.count)."""
    out = {}
    for key in keys:
        parts = key.split(".")
        for n in range(1, len(parts) + 1):
            cand = ".".join(parts[-n:])
            clash = any(o != key and (o == cand or o.endswith("." + cand)) for o in keys)
            if not clash:
                out[key] = cand
                break
        else:
            out[key] = key
    return out


_UNSAFE = re.compile(r"[^A-Za-z0-9._=+,-]+")
_MAX_ID = 96


def _params_hash(params: tuple[tuple[str, Any], ...]) -> str:
    blob = json.dumps([[k, v] for k, v in params], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:8]


def run_ids(keys: tuple[str, ...], points: list[tuple[Any, ...]]) -> list[str]:
    """Readable, filesystem-safe and unique names for grid points (seed not included).

    Characters outside ``A-Za-z0-9._=+,-`` become ``_``; a name that gets too long, or that
    would clash with another point's after this clean-up, ends in a short hash of the exact
    values instead, so names are always unique and never depend on run order."""
    names = short_names(keys)
    raw = []
    for point in points:
        text = ",".join(f"{names[k]}={format_value(v)}" for k, v in zip(keys, point, strict=True))
        raw.append(_UNSAFE.sub("_", text).strip("._") or "point")
    counts: dict[str, int] = {}
    for r in raw:
        counts[r] = counts.get(r, 0) + 1
    out = []
    for r, point in zip(raw, points, strict=True):
        if counts[r] > 1 or len(r) > _MAX_ID:
            r = f"{r[: _MAX_ID - 10].rstrip('._,')}~{_params_hash(tuple(zip(keys, point, strict=True)))}"
        out.append(r)
    return out


def _line_of(node: yaml.Node | None, loc: tuple) -> int | None:
    """1-based line of the YAML node at `loc` (or of its nearest existing parent)."""
    line = None
    for part in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        line = node.start_mark.line + 1
        nxt = None
        for k, v in node.value:
            if k.value == str(part):
                line = k.start_mark.line + 1
                nxt = v
                break
        node = nxt
    return line


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                return v
    return None


def _where(source: str, node: yaml.Node | None, loc: tuple) -> str:
    line = _line_of(node, loc)
    return f"{source}:{line}: " if line else f"{source}: "


_MESSAGES = {
    "too_short": "needs at least one value",
    "list_type": "must be a list of values, e.g. [0.25, 0.5]",
    "dict_type": "must be a mapping of dotted config keys to lists of values",
}


def _describe(err: dict) -> str:
    loc = tuple(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), list(SweepFile.model_fields), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return f"unknown key{hint}; a sweep file has base, grid, seeds, episodes, seed"
    if kind == "missing":
        return "missing (a sweep needs a grid: dotted config keys -> lists of values)"
    if loc == ("grid",) and kind == "too_short":
        return "is empty: give at least one dotted config key with a list of values"
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    msg = err["msg"].removeprefix("Value error, ")
    msg = msg[0].lower() + msg[1:] if msg else msg
    if "input" in err and not isinstance(err["input"], dict | list) and "(got" not in msg:
        msg += f" (got {err['input']!r})"
    return msg


def _check_spec(data: Any, source: str, node: yaml.Node | None) -> SweepFile:
    if not isinstance(data, dict):
        raise SweepError(f"{source}: the top level must be a mapping with base, grid, seeds")
    try:
        return SweepFile.model_validate(data)
    except ValidationError as exc:
        # A misspelt key also makes its real key "missing": name the misspelling first.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        err = errors[0]
        loc = tuple(err["loc"])
        path = ".".join(str(p) for p in loc)
        raise SweepError(f"{_where(source, node, loc)}{path}: {_describe(err)}") from None


def _check_keys(spec: SweepFile, source: str, node: yaml.Node | None) -> None:
    keys = list(spec.grid)
    for key in keys:
        where = _where(source, node, ("grid", key))
        if not key or any(not p for p in key.split(".")):
            raise SweepError(
                f"{where}grid.{key}: expected a dotted config key such as mixture.focus"
            )
        if key == "run.seed" or key.startswith("run.seed."):
            raise SweepError(
                f"{where}grid.{key}: seeds come from the sweep's seeds key, not the grid"
            )
        if key == "run.episodes" and spec.episodes is not None:
            raise SweepError(f"{where}grid.{key}: the sweep's episodes key already sets it")
        for other in keys:
            if other != key and key.startswith(other + "."):
                raise SweepError(f"{where}grid.{key}: overlaps grid.{other} (sweep one of them)")
        seen: set[tuple[str, str]] = set()  # a set: a million values must not take n^2
        for v in spec.grid[key]:
            ident = (type(v).__name__, json.dumps(v, sort_keys=True, default=str))
            if ident in seen:
                raise SweepError(f"{where}grid.{key}: value {format_value(v)} is listed twice")
            seen.add(ident)


def _load_base(spec: SweepFile, base_dir: Path, source: str, node: yaml.Node | None) -> SimConfig:
    if spec.base is None:
        return load_config(None)
    if isinstance(spec.base, str):
        path = Path(spec.base).expanduser()
        if not path.is_absolute():
            path = base_dir / path
        if not path.is_file():
            what = "is a directory" if path.is_dir() else "no such file"
            raise SweepError(f"{_where(source, node, ('base',))}base: {path}: {what}")
        return load_config(path)  # its own errors name that file and line
    return validate(copy.deepcopy(spec.base), source, _child(node, "base"))


def _point_config(
    base: dict, keys: tuple[str, ...], point: tuple[Any, ...], source: str, node: yaml.Node | None
) -> SimConfig:
    overrides = dict(zip(keys, point, strict=True))
    try:
        data = apply_overrides(copy.deepcopy(base), copy.deepcopy(overrides))
        return validate(data)
    except ConfigError as exc:
        text = str(exc)
    walked = re.match(r"^--set (\S+): (.*)$", text)
    if walked:  # apply_overrides: the key walks through a value that is not a section
        key = walked.group(1)
        raise SweepError(f"{_where(source, node, ('grid', key))}grid.{key}: {walked.group(2)}")
    for key in keys:
        if text.startswith((key + ":", key + ".", key + "[")):
            raise SweepError(f"{_where(source, node, ('grid', key))}grid.{text}")
    # An error no single key owns (e.g. two swept values that do not fit together).
    point_text = ", ".join(f"{k}={format_value(v)}" for k, v in overrides.items())
    raise SweepError(f"{_where(source, node, ('grid',))}grid point {point_text}: {text}")


MAX_RUNS = 10_000
"""Most runs a sweep may have unless the user raises the limit (--max-runs)."""


def _seed_count(spec: SweepFile) -> int:
    return spec.seeds if isinstance(spec.seeds, int) else len(spec.seeds)


SAY_COUNT_FIRST = 1_000
"""From this many runs on, the count is said before the runs are built (a few seconds)."""


def describe_count(source: str, points: int, seeds: int) -> str:
    """'sweep.yaml: 5 grid points x 10 seeds = 50 runs'."""
    return (
        f"{source}: {plural(points, 'grid point')} x {plural(seeds, 'seed')} = "
        f"{plural(points * seeds, 'run')}"
    )


def count_runs(spec: SweepFile) -> int:
    """Grid points x seeds, from the file alone (nothing built)."""
    return math.prod(len(v) for v in spec.grid.values()) * _seed_count(spec)


def build_sweep(
    data: Any,
    source: str = "sweep",
    node: yaml.Node | None = None,
    base_dir: str | Path = ".",
    name: str | None = None,
    *,
    max_runs: int = MAX_RUNS,
    log: Callable[[str], None] | None = None,
) -> Sweep:
    """Check a parsed sweep file and expand it into runs (SweepError/ConfigError if bad).

    Args:
        data: the parsed sweep mapping (base, grid, seeds, episodes, seed).
        source: how errors name the file.
        node: the composed YAML node tree, for line numbers in errors.
        base_dir: what a relative `base` path is relative to (the sweep file's folder).
        name: the sweep's name (default: the source's file stem).
        max_runs: refuse a sweep of more runs (counted before anything is built).
        log: where the run count is said.
    """
    spec = _check_spec(data, source, node)
    total = count_runs(spec)
    n_points, n_seeds = total // _seed_count(spec), _seed_count(spec)
    if total > max_runs:
        raise SweepError(
            f"{describe_count(source, n_points, n_seeds)}, more than the limit of "
            f"{max_runs:,}; shrink the grid or seeds, or raise the limit with --max-runs {total}"
        )
    if log is not None and total >= SAY_COUNT_FIRST:  # building takes a while: say why
        log(f"{describe_count(source, n_points, n_seeds)}; checking each run's config")
    _check_keys(spec, source, node)
    base_cfg = _load_base(spec, Path(base_dir), source, node)
    base = base_cfg.model_dump(mode="json")
    if spec.episodes is not None:
        base["run"]["episodes"] = spec.episodes

    root = None
    if isinstance(spec.seeds, int):
        root = spec.seed if spec.seed is not None else base_cfg.run.seed
        seeds = derive_seeds(root, spec.seeds)
        if len(set(seeds)) != len(seeds):  # ~K^2 / 2^33: rare, but never silently merge runs
            raise SweepError(
                f"{_where(source, node, ('seeds',))}seeds: two derived seeds collide; "
                "set another root seed or list the seeds"
            )
    else:
        if spec.seed is not None:
            raise SweepError(
                f"{_where(source, node, ('seed',))}seed: a root seed only applies to a seed "
                "count; with a seed list, leave it out"
            )
        seeds = list(spec.seeds)

    keys = tuple(spec.grid)
    values = tuple(tuple(spec.grid[k]) for k in keys)
    points = list(itertools.product(*values))
    ids = run_ids(keys, points)
    runs = []
    seen: dict[str, tuple[Any, ...]] = {}
    for i, (point, pid) in enumerate(zip(points, ids, strict=True)):
        cfg = _point_config(base, keys, point, source, node)
        ident = json.dumps(cfg.model_dump(mode="json"), sort_keys=True)
        if ident in seen:
            same = ", ".join(
                f"{k}={format_value(a)} and {format_value(b)}"
                for k, a, b in zip(keys, seen[ident], point, strict=True)
                if not (type(a) is type(b) and a == b)
            )
            raise SweepError(
                f"{_where(source, node, ('grid',))}grid: {same} give the same config "
                "(the same run twice); list each value once"
            )
        seen[ident] = point
        for j, seed in enumerate(seeds):
            run_cfg = validate(apply_overrides(cfg.model_dump(mode="json"), {"run.seed": seed}))
            runs.append(
                RunSpec(
                    run_id=f"{pid}-seed{seed}",
                    point=i,
                    params=tuple(zip(keys, point, strict=True)),
                    seed=seed,
                    seed_index=j,
                    cfg=run_cfg,
                )
            )
    _check_layouts(runs, source, node)
    return Sweep(
        source=source,
        name=name or Path(source).stem,
        keys=keys,
        values=values,
        points=tuple(points),
        seeds=tuple(seeds),
        root_seed=root,
        episodes=spec.episodes,
        base=base,
        runs=tuple(runs),
    )


def _check_layouts(runs: list[RunSpec], source: str, node: yaml.Node | None) -> None:
    """Build every run's world once (cheap: no kernel runs), so a map that cannot be laid out
    (say, more cheese than floor) is refused before any run starts, not in a worker."""
    from mousesim.sim.simulation import Simulation
    from mousesim.world.grid import LayoutError

    for run in runs:
        try:
            Simulation(run.cfg)
        except LayoutError as exc:
            point = ", ".join(f"{k}={format_value(v)}" for k, v in run.params)
            raise SweepError(
                f"{_where(source, node, ('grid',))}grid point {point}, seed {run.seed}: {exc}"
            ) from None


def load_sweep(
    path: str | Path, *, max_runs: int = MAX_RUNS, log: Callable[[str], None] | None = None
) -> Sweep:
    """Read and check a sweep file (SweepError or ConfigError with a one-line message)."""
    p = Path(path)
    if p.is_dir():
        raise SweepError(f"{p}: is a directory, not a sweep file")
    if not p.exists():
        raise SweepError(f"{p}: no such file")
    try:
        data, node = read_yaml(p)
    except ConfigError as exc:
        raise SweepError(str(exc)) from None
    return build_sweep(data, str(path), node, p.parent, p.stem, max_runs=max_runs, log=log)


def sweep_from_text(text: str, source: str = "sweep", base_dir: str | Path = ".") -> Sweep:
    """Like `load_sweep`, from YAML text (tests, scripts)."""
    try:
        data, node = parse_yaml_text(text, source)
    except ConfigError as exc:
        raise SweepError(str(exc)) from None
    return build_sweep(data, source, node, base_dir)


__all__ = [
    "MAX_RUNS",
    "RunSpec",
    "Sweep",
    "SweepError",
    "SweepFile",
    "build_sweep",
    "count_runs",
    "derive_seeds",
    "describe_count",
    "format_value",
    "load_sweep",
    "run_ids",
    "short_names",
    "sweep_from_text",
]
