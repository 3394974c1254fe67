"""The conftest of a pytester project: its ``candidate_bundle`` and ``baseline_bundle`` fixtures, written once.

Each fixture returns a Python expression (``model_bundle`` writes the usual ``Bundle(model=...)`` one,
``loopback_bundle`` one of the loopback server); a ``header`` holds what the expressions need beyond ``os``,
``pytest`` and ``Bundle`` (imports, helper functions).
"""

from __future__ import annotations

import textwrap

import pytest


def model_bundle(model: str, *, source: str = "", **options: object) -> str:
    """``Bundle(model=..., option=...)`` with every value written as its ``repr``; ``source``: more options written as
    source text (``", num_retries=0"``)."""
    written = "".join(f", {name}={value!r}" for name, value in options.items())
    return f"Bundle(model={model!r}{written}{source})"


def loopback_bundle(
    *,
    env: str = "LOOPBACK_URL",
    timeout: float = 120,
    timeout_env: str | None = None,
    source: str = "",
    **options: object,
) -> str:
    """A bundle of the loopback server (`tests.support.openai_server`) whose URL the test puts in ``$env`` once the
    server runs. ``timeout``: the client's, far above an answer's time on a loaded machine (a test of timeouts sets
    its own); with ``timeout_env``, that variable overrides it when set (a run that must outlast held requests);
    ``source`` as in `model_bundle`."""
    timeout_source = repr(float(timeout))
    if timeout_env is not None:
        timeout_source = f"float(os.environ.get({timeout_env!r}, {timeout_source}))"
    return model_bundle(
        "openai/loopback-model", source=f", api_base=os.environ[{env!r}], timeout={timeout_source}" + source, **options
    )


def records_bundle(path: str, label: str | None = None) -> str:
    """``Bundle.from_records(path)``, with a label unless it is None (the bundle's default label)."""
    return f"Bundle.from_records({path!r})" if label is None else f"Bundle.from_records({path!r}, label={label!r})"


def _fixture(name: str, expression: str, scope: str | None, params: str | None, uses: tuple[str, ...]) -> str:
    arguments = ", ".join(
        part for part in (f"scope={scope!r}" if scope else "", f"params={params}" if params else "") if part
    )
    decorator = f"@pytest.fixture({arguments})" if arguments else "@pytest.fixture"
    received = ["request"] if params or "request." in expression else []
    if "behavior_candidate_name" in expression:
        received.append("behavior_candidate_name")
    return f"{decorator}\ndef {name}({', '.join([*received, *uses])}):\n    return {expression}\n"


def bundle_conftest(
    candidate: str,
    *,
    baseline: str | None = None,
    scope: str | None = None,
    params: str | None = None,
    header: str = "",
    uses: tuple[str, ...] = (),
) -> str:
    """Source of a conftest defining ``candidate_bundle`` (and ``baseline_bundle``) returning those expressions.

    ``scope``: both fixtures' scope; ``params``: the candidate fixture's params (its expression reads
    ``request.param``); an expression naming ``behavior_candidate_name`` receives that fixture; ``uses``: fixtures
    both receive (defined in ``header``, their expressions read them).
    """
    imports = "import os\n\nimport pytest\nfrom pytest_behavior import Bundle\n"
    parts = [imports, textwrap.dedent(header).strip("\n") + "\n"]
    parts.append(_fixture("candidate_bundle", candidate, scope, params, uses))
    if baseline is not None:
        parts.append(_fixture("baseline_bundle", baseline, scope, None, uses))
    return "\n\n".join(part for part in parts if part.strip()) + "\n"


def use_bundles(
    pytester: pytest.Pytester,
    candidate: str,
    *,
    baseline: str | None = None,
    scope: str | None = None,
    params: str | None = None,
    header: str = "",
    uses: tuple[str, ...] = (),
    folder: str = "",
) -> None:
    """Write :func:`bundle_conftest` as the project's conftest, or as the conftest of its sub-folder ``folder`` (a
    project of several parts, each with its own bundles)."""
    source = bundle_conftest(candidate, baseline=baseline, scope=scope, params=params, header=header, uses=uses)
    if not folder:
        pytester.makeconftest(source)
        return
    path = pytester.path / folder
    path.mkdir(parents=True, exist_ok=True)
    (path / "conftest.py").write_text(source)


# A spec with two invalid markers beside a valid one: each invalid test is an error naming it, the valid one runs.
INVALID_MARKERS_SPEC = """
import pytest

@pytest.mark.refusal_bound(max_rat=0.1)
def test_typo(behavior):
    behavior.sample(["a", "b", "c"], n=1)

@pytest.mark.refusal_bound(max_rate=5)
def test_percent_for_a_rate(behavior):
    behavior.sample(["a", "b", "c"], n=1)

@pytest.mark.refusal_bound(max_rate=0.5)
def test_valid(behavior):
    behavior.sample(["a", "b", "c"], n=1)
"""
