"""Closing the HTTP clients litellm caches for an event loop, on that loop, before it ends.

litellm keeps one client per (provider parameters, running event loop) in
``litellm.in_memory_llm_clients_cache`` and leaves closing it to its eviction timer or to garbage
collection. The sampler runs each test's calls in an event loop of its own (`runner.run_sync`), so every
test left a client bound to a loop that no longer runs, to be collected at some later moment — at worst
during interpreter shutdown, where litellm's ``AsyncHTTPHandler.__del__`` imports a module (issue 12,
item 4: a process that printed its summary and never exited). Closing them where they were made, while
their loop still runs, leaves nothing for shutdown.

Only clients that appeared in the cache while the sampler ran, under the running loop's key, are closed;
clients made before (litellm's module-level handlers, a caller's own) are left alone. Everything here is
best effort: litellm's cache layout is not public API, and a change there must cost at most the cleanup.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Collection
from typing import Any

from pytest_behavior.sampling.litellm_loader import loaded_litellm, loaded_litellm_module


def _client_cache() -> Any:
    litellm = loaded_litellm()  # never import it here: a run served from the cache does not need it
    return None if litellm is None else getattr(litellm, "__dict__", {}).get("in_memory_llm_clients_cache")


def _loop_suffix() -> str | None:
    running_loop_token = getattr(loaded_litellm_module("caching.evicted_client_closer"), "running_loop_token", None)
    if running_loop_token is None:
        return None
    token = running_loop_token()
    return None if token is None else f"-{token}"


def _keys(cache: Any) -> set[str]:
    try:
        return {key for key in list(cache.cache_dict) if isinstance(key, str)}
    except Exception:
        return set()


@contextlib.asynccontextmanager
async def closing_loop_clients() -> AsyncIterator[None]:
    """Run the body; then close and forget the litellm clients it created for the running loop."""
    cache = _client_cache()
    before = _keys(cache) if cache is not None else set()
    try:
        yield
    finally:
        await close_loop_clients(exclude=before)


async def close_loop_clients(*, exclude: Collection[str] = ()) -> int:
    """Close the clients cached under the running loop (except the keys in ``exclude``); how many were closed."""
    cache = _client_cache()
    if cache is None:
        return 0
    suffix = _loop_suffix()
    if suffix is None:
        return 0
    closed = 0
    for key in sorted(_keys(cache) - set(exclude)):
        if not key.endswith(suffix):
            continue
        client = cache.cache_dict.get(key)
        _forget(cache, key)
        if await _close(client):
            closed += 1
    return closed


def _forget(cache: Any, key: str) -> None:
    """Drop the entry without handing the client to litellm's deferred closer (it is closed right here)."""
    with contextlib.suppress(Exception):
        lock = getattr(cache, "_write_lock", None)
        with lock if lock is not None else contextlib.nullcontext():
            cache.cache_dict.pop(key, None)
            getattr(cache, "ttl_dict", {}).pop(key, None)


async def _close(client: Any) -> bool:
    close = getattr(client, "aclose", None) or getattr(client, "close", None)
    if close is None:
        return False
    try:
        result = close()
        if inspect.isawaitable(result):
            await result
    except Exception:
        return False
    return True
