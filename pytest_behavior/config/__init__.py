"""Run configuration: the options, the settings they resolve to, session state, the markers and the fixture.

- `options`: the command-line options and ini keys, as pytest declares them (``pytest --help``).
- `settings`: `RunSettings`, resolved once per session from CLI options, ini keys and ``pyproject.toml``.
- `session`: per-process state of a session: settings, the lazily opened cache and budget ledger, summaries.
- `markers`: the behavior markers' ``pytest --markers`` documentation and their validation at collection.
- `fixture`: the ``behavior`` fixture (`BehaviorFixture`), what a test calls to sample and get verdicts.
"""
