"""The plugin's tests run it in-process with pytester: load what it imports lazily once, up front (why:
`tests.support.inprocess`)."""

from tests.support.inprocess import preload_for_inprocess_runs

preload_for_inprocess_runs()
