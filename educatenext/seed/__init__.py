"""Synthetic school data for development, benchmarks and the query-plan tour (`flask seed`)."""
