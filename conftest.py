"""Root conftest: fixtures shared by the project's own tests (not part of the plugin)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.bytecode import remove_shared_bytecode, share_bytecode_for_this_run


def pytest_configure(config: pytest.Config) -> None:
    share_bytecode_for_this_run()


def pytest_unconfigure(config: pytest.Config) -> None:
    remove_shared_bytecode()


SHARED_DATA = Path(__file__).resolve().parent.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (real model outputs); tests using it skip cleanly where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real-data tests need {SHARED_DATA} (not part of a user's clone)")
    return SHARED_DATA


@pytest.fixture
def sim_calls() -> Iterator[object]:
    """Counts the simulated provider's calls made during one test (in this process)."""
    from pytest_behavior.sampling import simulated

    simulated.reset_served_calls()
    yield simulated
    simulated.reset_served_calls()


@pytest.fixture(autouse=True)
def _no_job_summary_of_the_outer_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """On GitHub Actions every in-process pytester run would append to the real job summary (and print workflow
    annotations into the job's log); the tests of the summary and the annotations set their own."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
