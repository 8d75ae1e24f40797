"""Config defaults, shipped files, round trips."""

from __future__ import annotations

import pytest

from mousesim.common.config import SimConfig
from mousesim.io.yaml_config import ConfigError, dump_config, load_config, parse_yaml_text, validate

from .conftest import CONFIGS, ROOT


def test_packaged_default_is_configs_default():
    packaged = ROOT / "mousesim" / "data" / "default.yaml"
    assert packaged.read_bytes() == (CONFIGS / "default.yaml").read_bytes()


def test_default_yaml_lists_the_model_defaults():
    assert load_config(None) == SimConfig()
    assert load_config(CONFIGS / "default.yaml") == SimConfig()


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_configs_load_and_round_trip(path):
    if path.name.startswith("sweep_"):
        pytest.skip("sweep files have their own schema")
    cfg = load_config(path)
    data, _ = parse_yaml_text(dump_config(cfg), "dump")
    assert validate(data) == cfg


@pytest.mark.parametrize(
    "data,needle",
    [
        (
            {"brain": {"learnig_rate": 0.1}},
            "brain.learnig_rate: unknown key (did you mean learning_rate?)",
        ),
        ({"world": {"predator": {"move_prob": 1.5}}}, "world.predator.move_prob"),
        ({"mixture": {"focus": "lots"}}, "mixture.focus"),
        ({"brain": {"experts": [{"name": "a", "target": "dog"}]}}, "brain.experts[0].target"),
        ({"world": {"layout": "###\n#X#\n###"}}, "world.layout"),
        ({"world": {"size": 2}}, "world.size"),
        ({"run": {"episodes": 0}}, "run.episodes"),
        ({"mixture": {"gate_discount": 1.0}}, "mixture.gate_discount"),
        ({"mixture": {"loom_memory_seen": 1.5}}, "mixture.loom_memory_seen"),
        ({"mixture": {"loom_memory_seen": "fast"}}, "mixture.loom_memory_seen"),
        ({"mixture": {"gate_baseline": "tdd"}}, "mixture.gate_baseline"),
        # A shared readout must be an earlier expert's of the same kind, with its own readout.
        *(
            ({"brain": {"experts": experts}}, f"experts[{k}].readout")
            for k, experts in (
                (
                    1,
                    [
                        {"name": "c", "target": "cheese"},
                        {"name": "p", "target": "predator", "readout": "q"},
                    ],
                ),
                (
                    0,
                    [
                        {"name": "p", "target": "predator", "readout": "q"},
                        {"name": "q", "target": "predator"},
                    ],
                ),
                (
                    1,
                    [
                        {"name": "c", "target": "cheese"},
                        {"name": "p", "target": "predator", "readout": "c"},
                    ],
                ),
                (
                    2,
                    [
                        {"name": "p", "target": "predator"},
                        {"name": "q", "target": "predator", "readout": "p"},
                        {"name": "r", "target": "predator", "readout": "q"},
                    ],
                ),
            )
        ),
    ],
)
def test_bad_values_name_their_key(data, needle):
    with pytest.raises(ConfigError) as exc:
        validate(data)
    assert needle in str(exc.value)
    assert "\n" not in str(exc.value)


def test_line_numbers_in_file_errors(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("world:\n  size: 20\nbrain:\n  beta: 1.0\n  learnig_rate: 0.1\n")
    with pytest.raises(ConfigError, match=r"c.yaml:5: brain.learnig_rate: unknown key"):
        load_config(p)


def test_default_yaml_names_every_key():
    """configs/default.yaml documents every key of the schema (a user reads it as the manual)."""
    import yaml

    def keys(d, prefix=""):
        for k, v in d.items():
            yield prefix + k
            if isinstance(v, dict):
                yield from keys(v, prefix + k + ".")

    written = set(keys(yaml.safe_load((CONFIGS / "default.yaml").read_text())))
    schema = set(keys(SimConfig().model_dump(mode="json")))
    assert schema - written == set(), f"undocumented keys: {sorted(schema - written)}"


def test_an_empty_section_means_its_defaults(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("world:\n  # size: 30\nbrain:\n  ring:\nmixture:\n  focus: 0.7\n")
    cfg = load_config(p)
    assert cfg.world == SimConfig().world and cfg.brain == SimConfig().brain
    assert cfg.mixture.focus == 0.7


def test_null_sets_a_key_whose_value_may_be_null(tmp_path):
    """`loom_memory_seen: null` (its default is 0.3) means 'as loom_memory', in a file and in
    --set alike; null for a key that cannot be null, or an empty key, still means the default;
    and the config written back reads the same."""
    assert SimConfig().mixture.loom_memory_seen is not None
    p = tmp_path / "c.yaml"
    p.write_text("mixture:\n  loom_memory_seen: null\n  focus:\nbrain:\n  beta: ~\n")
    cfg = load_config(p)
    assert cfg.mixture.loom_memory_seen is None
    assert (
        cfg.mixture.focus == SimConfig().mixture.focus and cfg.brain.beta == SimConfig().brain.beta
    )
    assert load_config(None, {"mixture.loom_memory_seen": None}).mixture.loom_memory_seen is None
    again = tmp_path / "again.yaml"
    again.write_text(dump_config(cfg))
    assert load_config(again) == cfg


def test_plain_yaml_writer_matches_pyyaml_byte_for_byte():
    """dump_config's fast writer gives PyYAML's exact text, or hands the config to PyYAML."""
    import random

    import yaml

    from mousesim.io.yaml_config import _Dumper, _plain_yaml

    words = ["chase", "x_1", "_", "N", "yes", "Off", "null", "~", "y", "1a", "a b", "a:b", ""]
    numbers = [0, -5, 10**20, True, False, None, 0.0, -0.0, 1e-05, 1e16, 0.1, 2.5e-300, 5e-324]
    numbers += [float("inf"), -float("inf"), float("nan"), 123456789.123, [], {}]

    def value(r: random.Random, depth: int):
        c = r.random()
        if depth > 3 or c < 0.5:
            return r.choice(words + numbers) if c < 0.45 else r.uniform(-1e6, 1e6)
        if c < 0.75:
            return {r.choice(words): value(r, depth + 1) for _ in range(r.randint(1, 4))}
        return [value(r, depth + 1) for _ in range(r.randint(1, 3))]

    r = random.Random(0)
    cases = [load_config(None, {}).model_dump(mode="json")]
    cases += [load_config(p, {}).model_dump(mode="json") for p in sorted(CONFIGS.glob("*.yaml"))
              if not p.name.startswith("sweep")]  # fmt: skip
    cases += [{r.choice(words): value(r, 0) for _ in range(r.randint(1, 5))} for _ in range(6000)]
    fast = 0
    for data in cases:
        text = _plain_yaml(data)
        if text is not None:
            fast += 1
            assert text == yaml.dump(data, Dumper=_Dumper, sort_keys=False)
    assert _plain_yaml(cases[0]) is not None and fast > 100
