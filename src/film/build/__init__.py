"""The incremental engine: scheduling, the one produce path, freshness, status and estimate."""
