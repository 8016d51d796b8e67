"""Stages: the stage table, and one module per stage planning its artifacts."""
