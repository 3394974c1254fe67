"""The last line of defence for credentials: what pytest itself prints and reports goes through `redact`.

The sampler redacts what it raises and returns, and keeps credentials wrapped in the frames it controls. But
litellm's, openai's and httpx's frames hold the key as a plain string, and pytest shows those frames' arguments
and locals in a traceback of a Ctrl-C with ``--full-trace`` (and with ``-l``, in any failure passing through
them). So every text pytest writes to the terminal (tracebacks, captured output, warnings, the summary) and
every test report (its traceback text, captured sections, JUnit properties, the behavior entry the JSON, HTML,
Markdown and GitHub-summary reports are made from) is redacted of every credential the process knows of.
A report holding none keeps its rich (coloured) traceback; one holding one is replaced by its redacted text.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import pytest

from pytest_behavior.spec.secrets import known_secret_count, redact, remember_environment

_WRAPPED = "_behavior_redacting"


class SecretGuard:
    """Registered by the plugin at configure time (``behavior-secrets``)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        remember_environment()  # what litellm would read, redacted even before (or without) a call

    def pytest_plugin_registered(self, plugin: object) -> None:
        # historic: called for the plugins registered before this one too
        if plugin is self.config.pluginmanager.get_plugin("terminalreporter"):
            redact_terminal(self.config.get_terminal_writer())

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
        report = yield
        redact_report(report)
        return report

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> Generator[None, Any, Any]:
        report = yield
        redact_report(report)
        return report


def redact_terminal(writer: Any) -> None:
    """Make a pytest ``TerminalWriter`` redact everything it writes (its one way out is ``write_raw``)."""
    if getattr(writer, _WRAPPED, False):
        return
    write_raw: Callable[..., None] = writer.write_raw

    def redacting_write_raw(msg: str, *, flush: bool = False) -> None:
        write_raw(redact(msg), flush=flush)

    writer.write_raw = redacting_write_raw
    setattr(writer, _WRAPPED, True)


def redact_report(report: pytest.TestReport | pytest.CollectReport) -> None:
    """Redact a report in place: its traceback, captured sections, user properties and behavior entry."""
    if not known_secret_count():
        return
    report.longrepr = _redacted_longrepr(report.longrepr)
    report.sections = [(title, redact(content)) for title, content in report.sections]
    for name in ("user_properties", "behavior"):  # JUnit properties; the plugin's entry for its reports
        value = getattr(report, name, None)
        if value:
            setattr(report, name, _redacted(value))


def _redacted_longrepr(longrepr: Any) -> Any:
    if longrepr is None:
        return None
    if isinstance(longrepr, str):
        return redact(longrepr)
    if isinstance(longrepr, tuple):  # a skip: (path, line, reason)
        return tuple(redact(part) if isinstance(part, str) else part for part in longrepr)
    text = str(longrepr)  # pytest's reprs render themselves as the terminal would show them
    redacted = redact(text)
    return longrepr if redacted == text else redacted


def _redacted(value: Any) -> Any:
    """Strings redacted at any depth of dicts, lists and tuples; anything else as it is."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_redacted(item) for item in value)
    return value
