"""Editing one kernel file must not leave stale compiled code for the kernels that inline it."""

from __future__ import annotations

from mousesim.jit import cache as kernel_cache


def test_stale_cache_is_dropped_when_a_kernel_source_changes(tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    for rel in kernel_cache.KERNEL_SOURCES:
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text(f"# {rel}\n")
    cached = pkg / "sim" / "__pycache__" / "kernels.run_episode-1.py311.nbi"
    cached.parent.mkdir(parents=True)
    cached.write_text("index")
    monkeypatch.setattr(kernel_cache, "_PKG", pkg)
    assert kernel_cache.drop_stale_cache()  # first sight: no stamp yet
    cached.write_text("index")
    assert not kernel_cache.drop_stale_cache()  # nothing changed: cache kept
    assert cached.exists()
    (pkg / "brain" / "kernels.py").write_text("# edited\n")  # a callee changes...
    assert kernel_cache.drop_stale_cache()
    assert not cached.exists()  # ...so the caller's compiled code goes too


def test_every_module_with_cached_kernels_is_watched():
    """A module whose kernels are cached but which is not in KERNEL_SOURCES keeps stale code
    after an edit of a kernel it calls (the oracle calls the world's `step_target`)."""
    pkg = kernel_cache._PKG
    cached = {
        p.relative_to(pkg).as_posix()
        for p in pkg.rglob("*.py")
        if "cache=True" in p.read_text(encoding="utf-8") or "**KERNEL" in p.read_text("utf-8")
    }
    assert cached, "no cached kernels found: the scan is broken"
    assert cached <= set(kernel_cache.KERNEL_SOURCES), cached - set(kernel_cache.KERNEL_SOURCES)
