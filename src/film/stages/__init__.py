"""Stages: each makes one kind of artifact for a shot through `Engine.produce`."""
