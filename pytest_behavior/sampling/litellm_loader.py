"""litellm's one import point: imported on first use, configured for offline, quiet use that leaks no credential.

Importing litellm takes seconds, and a pytest run that selects no behavior test, or is served from the cache, must not
pay for it: nothing imports it at module level, and every module that needs it asks `import_litellm` (or, to use it
only when something else already loaded it, `loaded_litellm`). The import reads prices from the local cost map,
turns telemetry off, registers the simulated provider (``sim/...``) and redacts credentials from the log records of
litellm and the HTTP clients under it (`pytest_behavior.spec.secrets.redact`).
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import sys
import threading
import warnings
from typing import Any

from pytest_behavior.spec.secrets import redact

_litellm: Any = None


def import_litellm() -> Any:
    """Import litellm configured for offline, quiet use, with the simulated provider registered."""
    global _litellm
    if _litellm is not None:
        return _litellm
    with _import_lock:
        if _litellm is None:
            _litellm = _import_litellm()
    return _litellm


_import_lock = threading.Lock()


def _import_litellm() -> Any:
    """The import itself; `import_litellm` runs it once, also when sampler threads ask at the same time."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_TELEMETRY", "False")
    with warnings.catch_warnings():
        # litellm's own modules (and what they load lazily on the first call) warn about their
        # pydantic models; those warnings are not the user's business.
        warnings.simplefilter("ignore")
        import litellm

        # One offline mock call builds litellm's lazily generated pydantic schemas here, not in a test.
        litellm.completion(model="gpt-4o-mini", messages=[{"role": "user", "content": "warm-up"}], mock_response="ok")

    from pytest_behavior.sampling import sim_judge, simulated

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    simulated.register(litellm)
    sim_judge.register(litellm)
    _redact_logs()
    # litellm builds a very large heap of long-lived objects at import. Moving them out of the collector's
    # reach keeps full collections cheap while sampling and saves about a second of interpreter shutdown,
    # which otherwise walks that heap (measured in benchmarks/http_throughput.py).
    gc.freeze()
    return litellm


def loaded_litellm() -> Any | None:
    """litellm when something imported it already, else None; never imports it."""
    return sys.modules.get("litellm")


def loaded_litellm_module(name: str) -> Any | None:
    """The submodule ``litellm.<name>`` once litellm is loaded; None before, or when this litellm version has none
    (its internal layout is not public API)."""
    if loaded_litellm() is None:
        return None
    try:
        return importlib.import_module(f"litellm.{name}")
    except ImportError:
        return None


_LOGGERS = ("LiteLLM", "litellm", "openai", "httpx", "httpcore", "aiohttp", "pytest_behavior")
"""Loggers whose records are redacted: litellm's own, the HTTP clients under it, and this plugin's."""


def _redact_record(record: logging.LogRecord) -> None:
    """Rewrite a log record with every known credential redacted (its message, arguments and traceback)."""
    try:
        message = record.getMessage()
    except Exception:  # a record that cannot format itself is left for logging to report
        return
    redacted = redact(message)
    if redacted != message:
        record.msg, record.args = redacted, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)


_log_factory_installed = False


def _redact_logs() -> None:
    """Redact the records of `_LOGGERS` as they are made. A record factory, not a filter: a logger's filter sees
    only the records logged to that very logger, and the HTTP clients create theirs lazily (``httpcore.http11``
    appears with the first connection)."""
    global _log_factory_installed
    if _log_factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.name.startswith(_LOGGERS):
            _redact_record(record)
        return record

    logging.setLogRecordFactory(make_record)
    _log_factory_installed = True
