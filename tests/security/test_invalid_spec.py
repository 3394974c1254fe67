"""An invalid behavior spec is a usage error naming the test and the mistake, with or without xdist.

Without xdist the whole run stops at collection (exit 4). An xdist worker that raised there crashed the controller
(`INTERNALERROR> AssertionError`, exit 3) and the typo was never shown; a worker now errors each invalid test at
setup with the same message, before any model call, and runs the valid ones (asserted in one xdist session with
the other parts of tests/plugin/test_xdist.py).
"""

from __future__ import annotations

import pytest

from tests.support.project import INVALID_MARKERS_SPEC, model_bundle, use_bundles

pytest_plugins = ["pytester"]


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    use_bundles(pytester, model_bundle("sim/bot?mean_words=5&refusal_rate=0.0&seed=1"), scope="session")
    pytester.makepyfile(test_spec=INVALID_MARKERS_SPEC)
    return pytester


def test_an_invalid_spec_stops_the_run_naming_test_and_keyword(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("--behavior-update", "-p", "no:cacheprovider", timeout=300)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*invalid behavior spec:*",
            "*test_spec.py::test_typo:*unexpected keyword argument 'max_rat'; did you mean 'max_rate'?*",
            "*test_spec.py::test_percent_for_a_rate:*",
        ]
    )
    assert not (project.path / "golden").exists()
