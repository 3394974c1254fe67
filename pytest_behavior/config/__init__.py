"""Run configuration: the options, the settings they resolve to, session state, markers and the fixture."""
