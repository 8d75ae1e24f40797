"""Evaluation: train brains, score them against baselines over seeds, and report.

`policies` owns the scripted players (the oracle planner) and the brain policy variants,
`evaluate` runs train-then-evaluate over seeds, `stats` the per-seed metrics and intervals,
`report` the tables, CSV files and plots. Nothing here changes the simulation core: brain
policies run through `Simulation`, scripted ones through `World`.
"""
