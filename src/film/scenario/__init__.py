"""Scenario: a description becomes a shot list (prompt, LLM chat, catalogue, cache, planner)."""
