"""Seeded simulation grid for the acceptance numbers of STATISTICS.md (see test_grid.py and report.py)."""
