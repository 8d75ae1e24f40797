"""The `mousesim` command: `dispatch` parses and routes; one module per command beside it."""

from mousesim.cli.dispatch import entry, main

__all__ = ["entry", "main"]
