"""Authenticated HTTP clients, one per API: shared client and retries, polling, fal, Replicate."""
