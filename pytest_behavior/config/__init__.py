"""Run configuration: settings resolved from CLI / ini / pyproject, session state, markers and the fixture."""
