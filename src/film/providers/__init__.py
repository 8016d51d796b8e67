"""Providers: one module per kind, one class per vendor, plus an offline one per kind."""
