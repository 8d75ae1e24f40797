"""The user-input errors every command reports as one line with exit code 2."""

from __future__ import annotations

from mousesim.io.results import BrainFileError
from mousesim.io.yaml_config import ConfigError
from mousesim.world.grid import LayoutError


class UsageError(Exception):
    """A command-line combination that cannot work (one-line message)."""


def _run_error() -> type[Exception]:
    from mousesim.runner import RunError

    return RunError


USER_ERRORS: tuple[type[Exception], ...] = (
    ConfigError,
    LayoutError,
    BrainFileError,
    UsageError,
    _run_error(),
)


def error_prefix(exc: Exception) -> str:
    if isinstance(exc, ConfigError | LayoutError):
        return "config error"
    if isinstance(exc, BrainFileError):
        return "brain error"
    return "error"
