"""Golden behavior snapshots as data: the files on disk and which of them no test owns.

- `store`: one deterministic JSON file per test under ``golden/`` (`GoldenRecord`), read and written atomically.
- `unused`: golden files no collected test owns, as syrupy reports unused snapshots; ``--behavior-prune`` deletes
  them.

Nothing here judges or renders: comparing two golden files is `pytest_behavior.engine.golden_compare`, showing
them is `pytest_behavior.report`.
"""
