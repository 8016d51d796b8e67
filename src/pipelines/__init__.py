"""Thin `python -m pipelines.X` entry points and the task-style Python API."""
