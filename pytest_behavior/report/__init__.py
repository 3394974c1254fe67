"""Reports: every way a run's verdicts are shown (failure diff, summary, diff files, JSON, HTML, JUnit, GitHub)."""
