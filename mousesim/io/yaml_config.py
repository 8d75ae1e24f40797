"""YAML in and out of `SimConfig`, with one-line errors that name the key path (the only YAML
reader of the package besides the sweep file)."""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from mousesim.common.config import SimConfig
from mousesim.common.errors import ConfigError
from mousesim.io.safe_yaml import load_yaml

_NULLS = {"null", "Null", "NULL", "~"}


def default_config_text() -> str:
    return resources.files("mousesim").joinpath("data/default.yaml").read_text(encoding="utf-8")


def _format_loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model that owns the last key of `loc` (to suggest field names)."""
    model: Any = SimConfig
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return None
        ann = field.annotation
        candidates = [ann, *getattr(ann, "__args__", ())]
        nxt = None
        for c in candidates:
            if isinstance(c, type) and issubclass(c, BaseModel):
                nxt = c
                break
            for sub in getattr(c, "__args__", ()):
                if isinstance(sub, type) and issubclass(sub, BaseModel):
                    nxt = sub
        if nxt is None:
            return None
        model = nxt
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _line_of(node: yaml.Node | None, loc: tuple) -> int | None:
    """1-based line of the YAML node at `loc` (or its nearest existing parent)."""
    line = None
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if k.value == part:
                    nxt = k if part == loc[-1] else v
                    break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            node = None
    if node is not None:
        line = node.start_mark.line + 1
    return line


def _describe(err: dict) -> str:
    kind = err["type"]
    loc = tuple(err["loc"])
    if kind == "extra_forbidden":
        model = _model_at(loc)
        hint = ""
        if model is not None:
            close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
            if close:
                hint = f" (did you mean {close[0]}?)"
        return f"unknown key{hint}"
    msg = err["msg"].removeprefix("Value error, ")
    msg = msg[0].lower() + msg[1:] if msg else msg
    if (
        kind != "missing"
        and "input" in err
        and not isinstance(err["input"], dict | list)
        and "got " not in msg
    ):
        msg += f" (got {err['input']!r})"
    return msg


def _clean_loc(loc: tuple) -> tuple:
    """Drop pydantic's union-branch tags (e.g. 'int', 'tuple[int,int]') from a location."""
    return tuple(p for p in loc if isinstance(p, int) or ("[" not in p and p not in {"int", "str"}))


def _accepts_null(loc: tuple) -> bool:
    """Whether the key at `loc` takes null as a value of its own (e.g.
    mixture.loom_memory_seen: null means 'as loom_memory'), not just as 'left empty'."""
    model = _model_at(loc)
    field = getattr(model, "model_fields", {}).get(loc[-1]) if model is not None else None
    return field is not None and type(None) in getattr(field.annotation, "__args__", ())


def _drop_nulls(data: Any, loc: tuple = ()) -> Any:
    """A key left empty (`world:` with everything below commented out) means 'the defaults',
    except a key for which null is a value (its default may be something else)."""
    if isinstance(data, dict):
        return {
            k: _drop_nulls(v, (*loc, k))
            for k, v in data.items()
            if v is not None or _accepts_null((*loc, k))
        }
    if isinstance(data, list):
        return [_drop_nulls(v, (*loc, i)) for i, v in enumerate(data)]
    return data


def validate(
    data: Any,
    source: str = "config",
    node: yaml.Node | None = None,
    overrides: dict[str, Any] | None = None,
    labels: dict[str, str] | None = None,
) -> SimConfig:
    """dict -> SimConfig, or ConfigError naming the first bad key path. `labels` maps a key
    path to the command-line flag that set it (e.g. run.seed -> --seed) for the message."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections")

    def refuse(loc: tuple, text: str) -> ConfigError:
        path = _format_loc(loc)
        if labels and path in labels:
            return ConfigError(f"{labels[path]}: {text}")
        where = ""
        if overrides and path in overrides:
            where = "--set "
        elif node is not None:
            line = _line_of(node, loc)
            if line:
                where = f"{source}:{line}: "
        return ConfigError(f"{where}{path}: {text}")

    bad = _out_of_range_number(data)
    if bad is not None:
        raise refuse(*bad) from None
    try:
        cfg = SimConfig.model_validate(_drop_nulls(data))
    except ValidationError as exc:
        errors = exc.errors()
        err = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise refuse(_clean_loc(tuple(err["loc"])), _describe(err) + more) from None
    # Again on the validated values: "1e300" (a string to YAML) or 10**15 only become floats
    # in validation.
    bad = _out_of_range_number(cfg.model_dump())
    if bad is not None:
        raise refuse(*bad) from None
    return cfg


MAX_INT = 2**63 - 1
"""Integers go to the kernels as int64."""
MAX_FLOAT = 1e9
"""No key means anything beyond this (the world is at most 256 cells wide); larger values
only overflow to inf or NaN inside the kernels."""


def _out_of_range_number(data: Any, loc: tuple = ()) -> tuple[tuple, str] | None:
    """(key path, reason) of the first number no key can take: NaN, infinity, a float beyond
    +-MAX_FLOAT or an integer beyond int64; None if there is none."""
    if isinstance(data, bool):
        return None
    if isinstance(data, int) and abs(data) > MAX_INT:
        return loc, f"{data} is too large (integers must fit in 64 bits)"
    if isinstance(data, float):
        if not math.isfinite(data):
            return loc, f"must be a finite number (got {data!r})"
        if abs(data) > MAX_FLOAT:
            return loc, f"{data!r} is out of range (|value| <= {MAX_FLOAT:g})"
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list | tuple):
        items = enumerate(data)
    else:
        return None
    for k, v in items:
        found = _out_of_range_number(v, (*loc, k))
        if found is not None:
            return found
    return None


def parse_override(text: str) -> tuple[str, Any]:
    """'a.b=value' -> ('a.b', yaml-parsed value)."""
    if "=" not in text:
        raise ConfigError(f"--set {text}: expected KEY=VALUE, e.g. brain.learning_rate=0.003")
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key or any(not p for p in key.split(".")):
        raise ConfigError(f"--set {text}: expected a dotted key such as mixture.focus")
    if not raw.strip():
        raise ConfigError(
            f"--set {key}=: the value is empty (leave the key out to keep its default)"
        )
    try:
        value, _ = load_yaml(raw, f"--set {key}")
    except ConfigError as exc:
        if "YAML syntax error" not in str(exc):
            raise  # duplicate keys, alias bombs: refused like in a file
        value = raw  # not YAML (e.g. an unbalanced bracket): the text itself
    if value is None and raw.strip() not in _NULLS:
        raise ConfigError(
            f"--set {key}={raw}: reads as empty (in YAML '#' starts a comment); "
            f"quote the value, e.g. --set '{key}=\"{raw.strip()}\"'"
        )
    return key, value


def apply_overrides(data: dict, overrides: dict[str, Any]) -> dict:
    """Set dotted keys in a nested dict (creating sections as needed)."""
    for key, value in overrides.items():
        parts = key.split(".")
        d = data
        for i, p in enumerate(parts[:-1]):
            nxt = d.get(p)
            if nxt is None:
                nxt = d[p] = {}
            if not isinstance(nxt, dict):
                raise ConfigError(f"--set {key}: {'.'.join(parts[: i + 1])} is not a section")
            d = nxt
        d[parts[-1]] = value
    return data


def dotted_keys(data: dict, prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}} -> {"a.b": 1}: a config file's keys as overrides (the inverse of
    `apply_overrides`), to put one file's keys on top of another config."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(dotted_keys(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def read_yaml(path: str | Path) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file -> (data, node tree for line numbers); ConfigError on any failure."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"{p}: no such file")
    if p.is_dir():
        raise ConfigError(f"{p}: is a directory, not a YAML file")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read ({exc.__class__.__name__})") from None
    return parse_yaml_text(text, str(p))


def parse_yaml_text(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    """(data, node tree) of a YAML document, through the package's one strict loader."""
    return load_yaml(text, source)


def load_config(
    path: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    labels: dict[str, str] | None = None,
) -> SimConfig:
    """Read a config file (None: the built-in default), apply --set overrides, validate."""
    if path is None:
        data, node = parse_yaml_text(default_config_text(), "default config")
        source = "default config"
    else:
        data, node = read_yaml(path)
        source = str(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of sections")
    if overrides:
        data = apply_overrides(data, overrides)
    return validate(data, source, node, overrides, labels)


# libyaml's emitter when PyYAML was built with it: the pure-Python one took ~3 ms per config,
# most of a short sweep run's fixed cost. Same representers, same YAML.
class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    pass


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_config(cfg: SimConfig) -> str:
    """The resolved config as YAML (every key, defaults included); loads back to `cfg`."""
    data = cfg.model_dump(mode="json")
    fast = _plain_yaml(data)
    return fast if fast is not None else yaml.dump(data, Dumper=_Dumper, sort_keys=False)


class _NotPlain(Exception):
    """A value `_plain_yaml` leaves to PyYAML."""


_PLAIN_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RESOLVER = yaml.resolver.Resolver()


def _plain_yaml(data: dict) -> str | None:
    """`yaml.dump(data, Dumper=_Dumper, sort_keys=False)`, byte for byte, for the configs of
    plain words, numbers, booleans, nulls, block mappings and sequences of those; None for
    anything else (a multi-line layout, a string that needs quotes), which PyYAML then
    writes. PyYAML's representer spends ~0.4 ms on a config, most of a short sweep run's CPU
    outside the simulation (tests/test_config.py checks both agree)."""
    lines: list[str] = []
    try:
        _plain_map(data, 0, lines, "")
    except _NotPlain:
        return None
    return "\n".join(lines) + "\n"


def _plain_scalar(v: Any) -> str:
    if v is None:
        return "null"
    if v is True or v is False:
        return "true" if v else "false"
    if type(v) is int:
        return str(v)
    if type(v) is float:  # PyYAML's represent_float
        if v != v:
            return ".nan"
        if math.isinf(v):
            return ".inf" if v > 0 else "-.inf"
        text = repr(v).lower()
        return text.replace("e", ".0e", 1) if "." not in text and "e" in text else text
    # A word PyYAML would read back as something else (yes, null, ...) gets quotes.
    if (
        type(v) is str
        and _PLAIN_WORD.fullmatch(v)
        and _RESOLVER.resolve(yaml.ScalarNode, v, (True, False)) == "tag:yaml.org,2002:str"
    ):
        return v
    raise _NotPlain


def _plain_value(v: Any) -> str:
    if v == [] and type(v) is list:
        return "[]"
    if v == {} and type(v) is dict:
        return "{}"
    return _plain_scalar(v)


def _plain_map(d: dict, indent: int, lines: list[str], first: str) -> None:
    """Block mapping at `indent`; `first` replaces the indent of its first line ("- ")."""
    pad = " " * indent
    for i, (k, v) in enumerate(d.items()):
        if type(k) is not str:
            raise _NotPlain
        head = (first if i == 0 and first else pad) + _plain_scalar(k) + ":"
        if type(v) is dict and v:
            lines.append(head)
            _plain_map(v, indent + 2, lines, "")
        elif type(v) is list and v:
            lines.append(head)
            for item in v:  # PyYAML does not indent a sequence inside a mapping
                if type(item) is dict and item:
                    _plain_map(item, indent + 2, lines, pad + "- ")
                elif type(item) in (dict, list) and item:
                    raise _NotPlain
                else:
                    lines.append(pad + "- " + _plain_value(item))
        else:
            lines.append(head + " " + _plain_value(v))


def config_hash(cfg: SimConfig, *, exclude_run: bool = True) -> str:
    """Short stable hash of everything that shapes what each episode does. With exclude_run,
    the run length, checkpoint spacing and seed are left out (the seed is compared on its
    own), but `run.greedy` stays in: it changes every action."""
    data = cfg.model_dump(mode="json")
    if exclude_run:
        data["run"] = {"greedy": data["run"]["greedy"]}
    blob = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
