"""The /metrics endpoint and the per-request HTTP metrics hooks."""
