"""Shared by every layer: the config models, the user-facing errors, counts in words."""
