"""The sampling engine: concurrent paired sampling, the provider call, the cache, the simulated provider."""
