"""The one YAML reader of the package (configs, sweep files, --set values, run folders).

Safe constructors only, plus three refusals a plain `yaml.safe_load` lets through:
- aliases that expand to a huge document ("billion laughs": 324 bytes -> gigabytes);
- a document nested so deeply that Python's recursion gives out;
- a key given twice in one mapping (plain YAML keeps the last one silently).
"""

from __future__ import annotations

from typing import Any

import yaml

from mousesim.common.errors import ConfigError

MAX_VALUES = 100_000
"""Most scalars, lists and mappings a document may expand to once its aliases are resolved
(the largest config, a 256x256 layout sweep, is a few thousand)."""

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictLoader(_Base):  # type: ignore[misc, valid-type]
    """Safe loader that refuses duplicate mapping keys (naming the key and both lines)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[tuple[str, str], int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            ident = (key_node.tag, key_node.value)
            line = key_node.start_mark.line + 1
            if ident in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key_node.value!r} (first given on line {seen[ident]})",
                    key_node.start_mark,
                )
            seen[ident] = line
        return super().construct_mapping(node, deep=deep)


def expanded_size(node: yaml.Node, limit: int = MAX_VALUES) -> tuple[int, int]:
    """(values once aliases are expanded, distinct nodes) of a document; stops counting past
    `limit` and raises ValueError on an alias that contains itself. Without aliases the two
    are equal: a long document is only as big as its text."""
    done: dict[int, int] = {}
    busy: set[int] = set()

    def size(n: yaml.Node) -> int:
        key = id(n)
        if key in done:
            return done[key]
        if key in busy:
            raise ValueError("an alias refers to a node that contains it")
        busy.add(key)
        total = 1
        if isinstance(n, yaml.SequenceNode):
            children: list[yaml.Node] = list(n.value)
        elif isinstance(n, yaml.MappingNode):
            children = [x for pair in n.value for x in pair]
        else:
            children = []
        for child in children:
            total += size(child)
            if total > limit:
                break
        busy.discard(key)
        done[key] = total
        return total

    total = size(node)
    return total, len(done)


def load_yaml(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    """Parse one YAML document -> (data, node tree for line numbers); ConfigError (one line,
    naming `source` and the line) on any problem."""
    loader = StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        try:
            n, distinct = expanded_size(node)
        except ValueError as exc:
            raise ConfigError(f"{source}:{node.start_mark.line + 1}: YAML error: {exc}") from None
        if n > MAX_VALUES and n > distinct:
            raise ConfigError(
                f"{source}: YAML aliases expand to more than {MAX_VALUES:,} values; "
                "refused (write the values out instead of nesting aliases)"
            )
        return loader.construct_document(node), node
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        kind = (
            "YAML error"
            if isinstance(exc, yaml.constructor.ConstructorError)
            else "YAML syntax error"
        )
        raise ConfigError(f"{source}{line}: {kind}: {problem}") from None
    except RecursionError:
        raise ConfigError(f"{source}: YAML nested too deeply") from None
    finally:
        loader.dispose()
