"""Every output of a run beyond pass/fail, gathered where the results arrive (the xdist controller too).

Behavior test reports carry a JSON-able entry (`pytest_behavior.report.document.test_entry`); this plugin
object collects them and, at the end of the session, prints the summary table and unused golden files,
and writes the verdict file (``--behavior-report``), the HTML report (``--behavior-html``) and the GitHub
job summary (when ``GITHUB_STEP_SUMMARY`` is set), and prints workflow annotations on the test files of regressed and
inconclusive tests (when ``GITHUB_ACTIONS`` is ``true``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_behavior.config.session import BehaviorSession

if TYPE_CHECKING:
    from pytest_behavior.golden.unused import CollectionScope

UNUSED_KEY = "behavior_unused_golden"


class ReportOutputs:
    def __init__(self, session: BehaviorSession, config: pytest.Config) -> None:
        self.session = session
        self.config = config
        self.deselected: list[str] = []  # behavior tests that -k / -m left out: they still own their golden files
        self.deselected_any: list[str] = []
        self.unused: list[str] | None = None
        self.scope: CollectionScope | None = None
        if session.settings.mode in ("golden", "update"):
            from pytest_behavior.golden.unused import CollectionScope

            self.scope = CollectionScope()  # which modules are collected whole: only theirs are examined
        self.removed: list[str] = []
        self.written: list[str] = []
        self.failed: list[str] = []

    # --- results ------------------------------------------------------------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, "behavior", None)
        if data is not None:
            self.session.summaries.append(data)

    # --- unused golden files --------------------------------------------------------------------------------------
    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += [item.nodeid for item in items if "behavior" in getattr(item, "fixturenames", ())]
        self.deselected_any += [item.nodeid for item in items]

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> Generator[None, Any, Any]:
        report = yield  # innermost wrapper: what the collector found, before --lf filters it in place
        if self.scope is not None and report.passed:
            self.scope.collected(report.nodeid, [child.nodeid for child in report.result])
        return report

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if self.scope is not None:
            self.scope.reported(
                report.nodeid,
                ok=report.passed,
                children=[child.nodeid for child in report.result] if report.passed else [],
            )

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> Generator[None, None, None]:
        before = [item.nodeid for item in items]
        yield
        if self.scope is not None:
            self.scope.modified(before, [item.nodeid for item in items], self.deselected_any)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        settings = self.session.settings
        if self.scope is None:
            return
        from pytest_behavior.config.matrix import shared_id
        from pytest_behavior.golden.unused import unused_golden_files

        owned = [shared_id(item) for item in session.items if "behavior" in getattr(item, "fixturenames", ())]
        collected = [item.nodeid for item in session.items] + self.deselected_any
        whole = self.scope.whole_modules(
            collected, args=self.config.args, rootdir=settings.rootdir, invocation_dir=self.config.invocation_params.dir
        )
        found = unused_golden_files(
            settings.golden_dir, rootdir=settings.rootdir, owned=owned + self.deselected, whole_modules=whole
        )
        self.unused = [str(path) for path in found]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: hand the list to the controller
            workeroutput[UNUSED_KEY] = self.unused
            return
        if self.unused and self.session.settings.mode == "update" and self.config.getoption("behavior_prune"):
            from pytest_behavior.golden.unused import remove_files

            golden_dir = self.session.settings.golden_dir
            self.removed = [str(p) for p in remove_files([Path(u) for u in self.unused], golden_dir=golden_dir)]
        self._write_files()
        if self.failed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.USAGE_ERROR  # a gate waiting for the file must not see success

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        found = getattr(node, "workeroutput", {}).get(UNUSED_KEY)
        if found is not None and self.unused is None:
            self.unused = list(found)  # every worker collects the whole suite: the first answer is the answer

    # --- files ----------------------------------------------------------------------------------------------------
    def _document(self) -> dict[str, Any]:
        from pytest_behavior.report.document import build_document
        from pytest_behavior.version import __version__

        settings = self.session.settings
        return build_document(
            self.session.summaries,
            mode=settings.mode,
            alpha=settings.alpha,
            plugin_version=__version__,
            family_alpha=settings.family_alpha,
            fleet=settings.fleet,
            versions=settings.candidate_names,
        )

    def _write_files(self) -> None:
        report_path = self.config.getoption("behavior_report")
        html_path = self.config.getoption("behavior_html")
        # the files asked for are written even when no behavior test ran (a gate must never read a stale one);
        # the job summary, shared by every step of a CI job, only gets a section when there is something to say
        step_summary = os.environ.get("GITHUB_STEP_SUMMARY") if self.session.summaries else None
        if not (report_path or html_path or step_summary):
            return
        document = self._document()
        if report_path:
            from pytest_behavior.report.document import write_document

            self._write(
                "--behavior-report", "verdict report", report_path, lambda target: write_document(document, target)
            )
        if html_path:
            from pytest_behavior.files import write_text_atomic
            from pytest_behavior.report.html import render_html

            self._write(
                "--behavior-html",
                "HTML report",
                html_path,
                lambda target: write_text_atomic(target, render_html(document)),
            )
        if step_summary:
            from pytest_behavior.report.github import github_summary

            self._write(
                "GITHUB_STEP_SUMMARY",
                "GitHub job summary",
                step_summary,
                lambda target: _append(target, github_summary(document)),
            )

    def _write(self, option: str, what: str, value: str, write: Callable[[Path], object]) -> None:
        """Write one output; a path that cannot be written is reported by its option, and the run fails."""
        target = _resolve(value)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write(target)
        except OSError as exc:
            self.failed.append(f"{option}={value}: could not write the {what} ({exc})")
        else:
            self.written.append(f"{what}: {target}")

    # --- terminal -------------------------------------------------------------------------------------------------
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if hasattr(self.config, "workerinput"):
            return
        if self.session.summaries:
            from pytest_behavior.report.terminal import summary_lines

            terminalreporter.write_sep("=", "behavior summary")
            for line in summary_lines(self.session.summaries):
                terminalreporter.write_line(line)
            self._matrix_summary(terminalreporter)
            if os.environ.get("GITHUB_ACTIONS") == "true":  # workflow commands: annotations on the test files
                from pytest_behavior.report.github import github_annotations

                for line in github_annotations(self._document()):
                    terminalreporter.write_line(line)
        for line in self.written:  # also when no behavior test ran: the files were written all the same
            terminalreporter.write_line(line)
        for line in self.failed:
            terminalreporter.write_line(line, red=True, bold=True)
        for line in self._unused_lines():
            terminalreporter.write_line(line)

    def _matrix_summary(self, terminalreporter: Any) -> None:
        from pytest_behavior.report.matrix import build_matrix, matrix_lines

        settings = self.session.settings
        matrix = build_matrix(self.session.summaries, order=settings.candidate_names)
        if matrix is None:
            if settings.candidate_names:  # -k or --lf kept one version: its level is still the matrix's
                k = len(settings.candidate_names)
                terminalreporter.write_line(
                    f"version matrix: one version judged (of {k} named in --behavior-candidate), each at alpha "
                    f"{settings.family_alpha:g}/{k}; no matrix or fleet view"
                )
            return
        k = len(settings.candidate_names) or len(matrix.versions)
        shown = f"{len(matrix.versions)} versions" + (f" of {k}" if k != len(matrix.versions) else "")
        terminalreporter.write_sep(
            "=", f"behavior version matrix ({shown}; each judged at alpha {settings.family_alpha:g}/{k})"
        )
        for line in matrix_lines(matrix):
            terminalreporter.write_line(line)
        if settings.fleet is not None and not settings.fleet:
            terminalreporter.write_line(
                "no fleet view: the mix in [tool.pytest_behavior.fleet] (pyproject.toml) weighs versions this run "
                "does not name in --behavior-candidate (run every version in the mix, or --behavior-fleet=off)"
            )
        missing = [v for v, w in (settings.fleet or {}).items() if w > 0 and v not in matrix.versions]
        if missing:  # -k or --lf left versions of the mix out: a fleet without them would not be the fleet
            terminalreporter.write_line(f"no fleet view: {', '.join(missing)} of the mix did not run in this session")
            return
        if settings.fleet:
            from pytest_behavior.report.fleet import fleet_lines, fleet_view

            terminalreporter.write_line("")
            for line in fleet_lines(fleet_view(matrix, settings.fleet), settings.fleet, versions=matrix.versions):
                terminalreporter.write_line(line)

    def _unused_lines(self) -> list[str]:
        if not self.unused:
            return []
        root = self.session.settings.rootdir
        from pytest_behavior.sanitize import printable

        def shown(paths: list[str]) -> list[str]:
            return [printable(str(_relative(Path(p), root)), newlines=False) for p in paths]

        lines = []
        if self.removed:
            lines += [f"removed {len(self.removed)} unused golden file(s):", *(f"  {p}" for p in shown(self.removed))]
        left = shown([p for p in self.unused if p not in self.removed])  # a file that changed since is kept
        if not left:
            return lines
        how = (
            "remove them with --behavior-update --behavior-prune"
            if self.session.settings.mode == "update"
            else "remove them with `pytest --behavior-update --behavior-prune`"
        )
        return [
            *lines,
            f"{len(left)} golden file(s) are not used by any collected test ({how}):",
            *(f"  {p}" for p in left[:50]),
            *([f"  ... (+{len(left) - 50})"] if len(left) > 50 else []),
        ]


def _append(path: Path, text: str) -> None:
    """Append the GitHub summary, cut to fit what the step's summary file still has room for (GitHub counts
    the bytes of the whole file, earlier writes of the same step included)."""
    from pytest_behavior.report.github import ENCODING_ERRORS, MAX_BYTES, fit_summary

    try:
        used = path.stat().st_size
    except OSError:
        used = 0
    text = fit_summary(text, MAX_BYTES - used)
    if text:
        with open(path, "a", encoding="utf-8", errors=ENCODING_ERRORS) as handle:
            handle.write(text)


def _resolve(value: str) -> Path:
    """Relative to where pytest was started, as --junitxml is."""
    path = Path(value)
    return path if path.is_absolute() else Path.cwd() / path


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
