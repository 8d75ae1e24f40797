"""Recorded episodes: the replay file format and the run-side recorder."""
