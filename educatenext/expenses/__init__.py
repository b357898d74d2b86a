"""Expenses: what a school spends, recorded by finance and approved by an admin."""
