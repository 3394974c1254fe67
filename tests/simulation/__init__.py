"""Seeded simulation grid for the acceptance numbers of docs/statistics.md (see test_grid.py and report.py)."""
