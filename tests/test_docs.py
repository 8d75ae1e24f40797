"""The README and docs/ as a newcomer reads them: every link and repo path resolves, nothing
points outside the repository, and the README starts with the two quick-start commands."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
# A repo path in backticks: starts with a top-level folder of the repository.
PATH = re.compile(r"`((?:mousesim|tests|scripts|configs|docs|examples)/[\w./-]+(?:::\w+)?)`")
TEST_COMMAND = (
    'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[test]" && python -m pytest'
)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    s = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return s.replace(" ", "-")


def anchors(md: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", md.read_text(), flags=re.S)
    return {slug(m) for m in re.findall(r"^#+ (.+)$", text, flags=re.M)}


def _ids(p: Path) -> str:
    return str(p.relative_to(ROOT))


@pytest.mark.parametrize("md", DOCS, ids=_ids)
def test_every_link_resolves(md: Path) -> None:
    """A relative link names a file in the repository, and its #anchor a heading there."""
    bad = []
    for target in LINK.findall(md.read_text()):
        if re.match(r"[a-z]+://", target) or target.startswith("mailto:"):
            continue
        path, _, anchor = target.partition("#")
        dest = (md.parent / path).resolve() if path else md
        if not dest.exists():
            bad.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            bad.append(f"{target}: no heading with that anchor")
    assert not bad, f"{md.name}: {bad}"


@pytest.mark.parametrize("md", DOCS, ids=_ids)
def test_every_repo_path_exists(md: Path) -> None:
    """`tests/test_x.py::test_y`, `configs/maze.yaml`, ...: the file exists, and a named test
    function is defined in it."""
    bad = []
    for ref in PATH.findall(md.read_text()):
        path, _, func = ref.partition("::")
        f = ROOT / path
        if not f.exists():
            bad.append(ref)
        elif func:
            names = {n.name for n in ast.walk(ast.parse(f.read_text())) if hasattr(n, "name")}
            if func not in names:
                bad.append(ref)
    assert not bad, f"{md.name}: {bad}"


@pytest.mark.parametrize("md", DOCS, ids=_ids)
def test_no_reference_to_notes_outside_the_repository(md: Path) -> None:
    text = md.read_text()
    for word in ("SCIENCE.md", "design notes", "../shared"):
        assert word not in text, f"{md.name} mentions {word}"


def test_config_comments_link_to_headings_of_the_model_page() -> None:
    """configs/default.yaml's `docs/model.md#anchor` pointers land on a heading."""
    model = anchors(ROOT / "docs" / "model.md")
    text = (ROOT / "configs" / "default.yaml").read_text()
    refs = re.findall(r"docs/model\.md#([\w-]+)", text)
    assert len(refs) >= 10
    assert not [r for r in refs if r not in model]


def test_readme_starts_a_newcomer_off() -> None:
    """At most 300 lines; both quick-start commands within the first 60; the test command is
    the one CI runs, verbatim."""
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 300
    head = "\n".join(lines[:60])
    assert "pip install -e . && mousesim run" in head
    assert TEST_COMMAND in head
    assert (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1] == TEST_COMMAND
