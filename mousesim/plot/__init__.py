"""Plots of a finished run: its learning curves, drawn from metrics.csv with matplotlib."""
