"""The user-facing errors: one home, importing nothing of the package, so every layer (the
core included) can raise them without an import cycle. Each is reported by the CLI as one
line with exit code 2 (`USER_ERRORS`, `error_prefix`)."""

from __future__ import annotations


class UsageError(Exception):
    """A command-line combination or request that cannot work (one-line message)."""


class ConfigError(Exception):
    """A bad config: the message is one line naming the key path or file (and line)."""


class LayoutError(ValueError):
    """A world that parses but cannot be built as configured (named field in the message)."""


class BrainFileError(Exception):
    """A brain, checkpoint or replay file that is missing, corrupt or made for another brain."""


class RunError(Exception):
    """A run that cannot start as asked (one-line message), e.g. its folder is in use."""


class OutputError(OSError):
    """An output file or folder that cannot be written (read-only, full disk): one line.
    An OSError, so code that handles failed writes as OSError still does."""


USER_ERRORS: tuple[type[Exception], ...] = (
    ConfigError,
    LayoutError,
    BrainFileError,
    UsageError,
    RunError,
    OutputError,
)


def error_prefix(exc: Exception) -> str:
    if isinstance(exc, ConfigError | LayoutError):
        return "config error"
    if isinstance(exc, BrainFileError):
        return "brain error"
    return "error"
