"""The version matrix: ``--behavior-candidate=v3,v4,v5`` runs every behavior test once per candidate version.

Each version is a pytest parameter of the session-scoped ``behavior_candidate_name`` fixture, so a test's
versions are separate items (``test_x[v3]``, ``test_x[v4]``: ``-k``, ``--lf``, xdist and JUnit see each one), the
``candidate_bundle`` fixture a conftest writes (which reads that name) is built once per version, and every
version is compared with the same baseline: the test's one golden file (named without the version), or the
live baseline, whose samples the cache shares between versions.

Multiplicity: with K versions each test is judged at ``alpha / K`` (Bonferroni across versions; within a test,
Holm across its bounds as always), so the chance of any false REGRESSED among all versions of a test stays at
most ``alpha``, and every cell of the matrix, its test's pass/fail and its interval agree. Bonferroni rather than
Holm across versions because each version's test is decided on its own (on any xdist worker), before the others
are known.
"""

from __future__ import annotations

import re
from typing import Any

VERSION_FIXTURE = "behavior_candidate_name"
_NAME = re.compile(r"^[A-Za-z0-9_.:+@/-]+$")


def candidate_names(value: str | None) -> tuple[str, ...]:
    """The versions a ``--behavior-candidate`` value names (one, or several separated by commas)."""
    if value is None:
        return ()
    names = tuple(part.strip() for part in value.split(","))
    if any(not name for name in names):
        raise ValueError(f"--behavior-candidate={value}: an empty name (write v3,v4,v5)")
    bad = [name for name in names if not _NAME.match(name)]
    if bad:
        raise ValueError(
            f"--behavior-candidate={value}: {bad[0]!r} is not a version name (letters, digits and . _ - : + @ /)"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"--behavior-candidate={value}: {', '.join(repeated)} named twice")
    return names


def version_of(item: Any) -> str | None:
    """The ``--behavior-candidate`` version an item runs (None outside a matrix run).

    A ``candidate_bundle`` fixture with ``params=`` keeps its own meaning (each param a test with its own golden
    file): a matrix is asked for by name, so that no suite changes what it compares on upgrade."""
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    value = callspec.params.get(VERSION_FIXTURE)
    return value if isinstance(value, str) else None


def golden_nodeid(item: Any) -> str:
    """The test id a matrix item shares with its other versions: its own without the version (``test_x[v3]`` ->
    ``test_x``, ``test_x[a-v3]`` -> ``test_x[a]``); the golden file and the matrix column are named by it."""
    nodeid: str = item.nodeid
    version = version_of(item)
    if version is None:
        return nodeid
    return strip_version(nodeid, version)


def shared_id(item: Any) -> str:
    """`golden_nodeid`, or the item's own id when its version cannot be found in it (for reports, which must not
    fail: the test itself errors with the reason, see `pytest_behavior.config.fixture`)."""
    try:
        return golden_nodeid(item)
    except ValueError:
        return str(item.nodeid)


def strip_version(nodeid: str, version: str) -> str:
    """``nodeid`` without the id part ``version``, which the plugin adds last (see `parametrize_versions`)."""
    for suffix, replacement in ((f"[{version}]", ""), (f"-{version}]", "]")):
        if nodeid.endswith(suffix):
            return nodeid[: -len(suffix)] + replacement
    raise ValueError(
        f"test {nodeid!r}: cannot find its version {version!r} at the end of its id (another plugin parametrized "
        f"the test after pytest-behavior)"
    )


def parametrize_versions(metafunc: Any, names: tuple[str, ...]) -> None:
    """One item per version, for the tests that use the ``behavior`` fixture."""
    if "behavior" not in metafunc.fixturenames or VERSION_FIXTURE not in metafunc.fixturenames:
        return
    metafunc.parametrize(VERSION_FIXTURE, list(names), ids=list(names), indirect=True, scope="session")
