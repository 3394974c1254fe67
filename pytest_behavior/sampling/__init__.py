"""Sampling: concurrent paired calls to the model, the sample cache, the budget, the simulated provider.

- `runner`: paired, concurrent sampling of one or two bundles on the same inputs.
- `calls`: each sample reserved against the budget, called, settled, cached, monitored.
- `in_order`: sequential mode's calls, taken in input order until the test has decided.
- `arms`: one arm's samples (`ArmSamples`), replayed from a records file or collected.
- `llm`: the only code that talks to a model (``litellm.acompletion`` with retries, timeouts, cost, latency).
- `litellm_loader`: litellm's one import point, configured for offline, quiet use that leaks no credential.
- `clients`: closing the HTTP clients litellm caches for an event loop, on that loop.
- `budget`: spending limits, per session (``--behavior-budget``) and per test (``behavior_budget``).
- `cost`: what a call costs, from litellm's price data or the bundle's own per-token prices.
- `cache`, `cache_format`, `cache_maintenance`: the SQLite sample store, its file format, and reading and pruning
  it for ``pytest-behavior cache``.
- `simulated`: an offline simulated LLM provider (``sim/...``), reached through litellm like any real model.
- `sim_judge`: an offline simulated LLM judge with known biases (``sim-judge/...``), reached the same way.
- `sim_facts`: the fact oracle both simulations answer and judge by (``accuracy=``): a question, facts, the right one.
"""
