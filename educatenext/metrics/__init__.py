"""Metrics: the /metrics endpoint (routes) and the per-request HTTP hooks (requests)."""
