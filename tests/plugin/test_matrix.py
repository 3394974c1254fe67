"""The version matrix (``--behavior-candidate=v3,v4,v5``) and the fleet view (pytester, offline)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

VERSIONS = {
    "v3": "sim/app-v3?mean_words=40&refusal_rate=0.02&seed=1",
    "v4": "sim/app-v4?mean_words=41&refusal_rate=0.02&seed=1",
    "v5": "sim/app-v5?mean_words=40&refusal_rate=0.30&seed=1",
    "v6": "sim/app-v6?mean_words=40&refusal_rate=0.40&seed=1",
}
CONFTEST = f"""
import pytest
from pytest_behavior import Bundle

VERSIONS = {VERSIONS!r}

@pytest.fixture(scope="session")
def candidate_bundle(behavior_candidate_name):
    name = behavior_candidate_name or "v3"
    return Bundle(model=VERSIONS[name], label="app-" + name)

@pytest.fixture(scope="session")
def baseline_bundle():
    return Bundle(model=VERSIONS["v3"], label="app-v3")
"""
TESTS = """
import pytest

@pytest.mark.refusal_bound(max_increase=0.05)
@pytest.mark.length_distribution(max_ratio=1.3, unit="words")
def test_answers(behavior):
    behavior.sample([f"request {i}" for i in range(200)])

@pytest.mark.parametrize("tone", ["plain", "formal"])
@pytest.mark.refusal_bound(max_rate=0.1)
def test_tones(behavior, tone):
    behavior.sample([f"{tone} request {i}" for i in range(120)])
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_app=TESTS)
    pytester.runpytest("--behavior-update", "--behavior-candidate=v3").assert_outcomes(passed=3)
    return pytester


def _golden_files(pytester: pytest.Pytester) -> list[str]:
    return sorted(str(p.relative_to(pytester.path)) for p in (pytester.path / "golden").rglob("*.json"))


def test_every_version_is_judged_against_the_one_golden_baseline(project: pytest.Pytester) -> None:
    before = _golden_files(project)
    result = project.runpytest("--behavior-baseline", "--behavior-candidate=v3,v4,v5", "--behavior-report=r.json")
    result.assert_outcomes(passed=6, failed=3)
    failed = {r.nodeid.split("::")[-1] for r in result.reprec.getreports("pytest_runtest_logreport") if r.failed}  # type: ignore[attr-defined]
    assert failed == {"test_answers[v5]", "test_tones[plain-v5]", "test_tones[formal-v5]"}
    assert _golden_files(project) == before  # read, never written per version
    result.stdout.fnmatch_lines(
        [
            "*behavior version matrix (3 versions; each judged at alpha 0.05/3)*",
            "test_app.py::test_answers",
            "version*length (words) max_ratio=1.3*refusal rate max_increase=0.05*",
            "v3 *PASS x1.00*PASS +0.0 pts*",
            "v5 *PASS x*REGRESSED +2*pts [[]+*",
            "test_app.py::test_tones[[]formal]",
        ]
    )
    document = json.loads((project.path / "r.json").read_text())
    assert document["run"] == {"mode": "golden", "alpha": pytest.approx(0.05 / 3), "family_alpha": 0.05}
    matrix = document["matrix"]
    assert matrix["versions"] == ["v3", "v4", "v5"]
    tests = {column["test"] for column in matrix["columns"]}
    assert tests == {"test_app.py::test_answers", "test_app.py::test_tones[plain]", "test_app.py::test_tones[formal]"}
    v5 = next(row for row in matrix["rows"] if row["version"] == "v5")
    refusal = next(i for i, c in enumerate(matrix["columns"]) if c["bound"] == "max_increase=0.05")
    assert v5["cells"][refusal]["verdict"] == "REGRESSED"
    assert v5["cells"][refusal]["lower"] > 0.05
    entry = next(t for t in document["tests"] if t["nodeid"].endswith("test_answers[v5]"))
    assert entry["version"] == "v5" and entry["test"] == "test_app.py::test_answers"
    assert entry["candidate"]["label"] == "app-v5"


def test_versions_are_judged_at_alpha_over_k(project: pytest.Pytester) -> None:
    """Bonferroni across versions: the intervals of a 3-version run are wider than those of a 1-version run."""
    one = project.runpytest("--behavior-baseline", "--behavior-candidate=v4", "--behavior-report=one.json")
    one.assert_outcomes(passed=3)
    three = project.runpytest("--behavior-baseline", "--behavior-candidate=v3,v4", "--behavior-report=two.json")
    three.assert_outcomes(passed=6)

    def interval(name: str, nodeid: str) -> tuple[float, float]:
        document = json.loads((project.path / name).read_text())
        entry = next(t for t in document["tests"] if t["nodeid"] == nodeid)
        verdict = next(v for v in entry["properties"] if v["bound"] == "max_increase=0.05" and v["segment"] is None)
        return verdict["lower"], verdict["upper"]

    low1, high1 = interval("one.json", "test_app.py::test_answers")
    low2, high2 = interval("two.json", "test_app.py::test_answers[v4]")
    assert low2 < low1 and high2 > high1


def test_the_fleet_view_weighs_versions_by_the_mix(project: pytest.Pytester) -> None:
    (project.path / "fleet.csv").write_text("version,count\nv3,200\nv4,300\nv5,400\nv5,100\n")
    result = project.runpytest(
        "--behavior-baseline", "--behavior-candidate=v3,v4,v5", "--behavior-fleet=fleet.csv", "--behavior-report=r.json"
    )
    result.assert_outcomes(passed=6, failed=3)
    result.stdout.fnmatch_lines(
        ["fleet mix: v3 20%, v4 30%, v5 50%*", "*refusal rate max_increase=0.05*driven by v5 (100%)"]
    )
    document = json.loads((project.path / "r.json").read_text())
    fleet = document["fleet"]
    assert fleet["weights"] == {"v3": 0.2, "v4": 0.3, "v5": 0.5}
    matrix = document["matrix"]
    for index, column in enumerate(matrix["columns"]):
        row = fleet["bounds"][index]
        assert (row["test"], row["bound"]) == (column["test"], column["bound"])
        cells = {r["version"]: r["cells"][index] for r in matrix["rows"]}
        if column["bound"] == "max_increase=0.05":  # a difference of rates: the weighted sum, ends too
            for key in ("estimate", "lower", "upper"):
                expected = sum(fleet["weights"][v] * cells[v][key] for v in ("v3", "v4", "v5"))
                assert row[key] == pytest.approx(expected)
            assert row["verdict"] == (
                "REGRESSED" if row["lower"] > 0.05 else "PASS" if row["upper"] <= 0.05 else "INCONCLUSIVE"
            )
        if column["bound"] == "max_ratio=1.3":  # a ratio: the weighted geometric mean
            import math

            expected = math.exp(sum(fleet["weights"][v] * math.log(cells[v]["estimate"]) for v in ("v3", "v4", "v5")))
            assert row["estimate"] == pytest.approx(expected)


def test_a_fleet_given_on_the_command_line_must_name_versions_that_run(project: pytest.Pytester) -> None:
    result = project.runpytest("--behavior-baseline", "--behavior-candidate=v3,v4", "--behavior-fleet=v3=0.2,v9=0.8")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--behavior-fleet=v3=0.2,v9=0.8*weighs 'v9'*does not run*"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--behavior-update", "--behavior-candidate=v3,v4"], "*--behavior-update records one baseline*"),
        (["--behavior-baseline", "--behavior-candidate=v3,,v4"], "*an empty name*"),
        (["--behavior-baseline", "--behavior-candidate=v3,v3"], "*v3 named twice*"),
        (
            ["--behavior-baseline", "--behavior-candidate=v3", "--behavior-fleet=v3=1"],
            "*weighs the versions of a matrix run*",
        ),
        (["--behavior-baseline", "--behavior-candidate=v3,v4", "--behavior-fleet=v3=-1,v4=1"], "*finite number >= 0*"),
        (
            ["--behavior-baseline", "--behavior-candidate=v3,v4", "--behavior-fleet=missing.csv"],
            "*fleet counts*missing.csv*cannot read*",
        ),
    ],
)
def test_bad_matrix_options_are_usage_errors(project: pytest.Pytester, args: list[str], message: str) -> None:
    result = project.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_a_candidate_fixture_that_ignores_the_version_is_an_error(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "import pytest\nfrom pytest_behavior import Bundle\n\n@pytest.fixture\ndef candidate_bundle():\n"
        f"    return Bundle(model={VERSIONS['v3']!r})\n"
    )
    pytester.makepyfile(test_app=TESTS)
    pytester.runpytest("--behavior-update").assert_outcomes(passed=3)
    result = pytester.runpytest("--behavior-baseline", "--behavior-candidate=v3,v4")
    result.assert_outcomes(errors=6)
    result.stdout.fnmatch_lines(["*does not read `behavior_candidate_name` to choose by name*"])


def test_named_bundles_from_pyproject_form_a_matrix_with_a_live_baseline(pytester: pytest.Pytester) -> None:
    tables = "".join(
        f'[tool.pytest_behavior.bundles.{name}]\nmodel = "{model}"\n\n' for name, model in VERSIONS.items()
    )
    pytester.makepyprojecttoml(tables)
    pytester.makepyfile(test_app=TESTS)
    result = pytester.runpytest("--behavior-baseline=v3", "--behavior-candidate=v4,v5")
    result.assert_outcomes(passed=3, failed=3)
    # 440 inputs (200 + 2 x 120): the live baseline is sampled once (440 calls) and read from the cache for the
    # second version (440 hits); each version's candidate is sampled (2 x 440 calls)
    result.stdout.fnmatch_lines(["samples: 1320 requested from providers, 440 from the cache"])


def test_the_matrix_runs_under_xdist(project: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    result = project.runpytest(
        "-p", "xdist", "-n", "2", "--behavior-baseline", "--behavior-candidate=v3,v4,v5", "--behavior-report=r.json"
    )
    result.assert_outcomes(passed=6, failed=3)
    result.stdout.fnmatch_lines(["*behavior version matrix (3 versions*", "v5 *REGRESSED*"])
    document = json.loads((project.path / "r.json").read_text())
    assert document["matrix"]["versions"] == ["v3", "v4", "v5"]


def test_each_version_writes_its_own_diff_file(project: pytest.Pytester) -> None:
    result = project.runpytest("--behavior-baseline", "--behavior-candidate=v5,v6")
    result.assert_outcomes(failed=6)
    diffs = sorted(p for p in Path(project.path, ".behavior-runs").rglob("*test_answers*.md"))
    assert len(diffs) == 2, diffs
    assert {d.read_text().splitlines()[0] for d in diffs} == {
        "# test_app.py::test_answers[v5]: behavior regressed",
        "# test_app.py::test_answers[v6]: behavior regressed",
    }


def test_a_candidate_fixture_with_params_keeps_one_golden_file_per_param(pytester: pytest.Pytester) -> None:
    """``@pytest.fixture(params=[...])`` on candidate_bundle is not a matrix (a matrix is asked for by name): each
    param stays its own test, recorded and compared on its own, as before matrices existed."""
    pytester.makeconftest(
        CONFTEST.replace(
            '@pytest.fixture(scope="session")\ndef candidate_bundle(behavior_candidate_name):\n'
            '    name = behavior_candidate_name or "v3"',
            '@pytest.fixture(scope="session", params=["v3", "v5"])\ndef candidate_bundle(request):\n'
            "    name = request.param",
        )
    )
    pytester.makepyfile(test_app=TESTS)
    # v5 refuses 30%: its test_tones break their absolute max_rate=0.1 when recorded and when compared alike
    pytester.runpytest("--behavior-update").assert_outcomes(passed=4, failed=2)
    assert "test_app/test_answers[v5].json" in " ".join(_golden_files(pytester))
    result = pytester.runpytest("--behavior-baseline")
    result.assert_outcomes(passed=4, failed=2)
    result.stdout.no_fnmatch_line("*version matrix*")


LOOPBACK_CONFTEST = """
import os
import pytest
from pytest_behavior import Bundle

def served(env, label, temperature):
    return Bundle(model="openai/loopback-model", api_base=os.environ[env], api_key=os.environ["LOOPBACK_KEY"],
                  temperature=temperature, timeout=120, label=label)

@pytest.fixture(scope="session")
def candidate_bundle(behavior_candidate_name):
    return {"v1": lambda: served("SERVER_A", "v1", 0.2), "v2": lambda: served("SERVER_B", "v2", 0.2)}[
        behavior_candidate_name]()

@pytest.fixture(scope="session")
def baseline_bundle():
    return served("SERVER_A", "production", 0.1)
"""
LOOPBACK_SPEC = """
import pytest

@pytest.mark.length_distribution(max_ratio=1.3, min_ratio=0.8, unit="words")
def test_answers(behavior):
    behavior.sample([f"question {i}" for i in range(40)])
"""


def test_the_matrix_over_http_shares_the_live_baseline(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two versions served by two OpenAI-compatible servers on loopback against a live baseline: the baseline's 40
    calls are made once (the second version reads them from the cache), the terse server is caught."""
    from tests.support.openai_server import ServerConfig, running_server

    pytester.makeconftest(LOOPBACK_CONFTEST)
    pytester.makepyfile(test_http=LOOPBACK_SPEC)
    steady = ServerConfig(reply="Here is a complete and careful answer about {words}, with the detail it needs.")
    terse = ServerConfig(reply="Short: {words}.")
    with running_server(steady) as server_a, running_server(terse) as server_b:
        monkeypatch.setenv("LOOPBACK_KEY", "fake-credential-" + uuid.uuid4().hex)  # no key-shaped literal
        monkeypatch.setenv("SERVER_A", server_a.url)
        monkeypatch.setenv("SERVER_B", server_b.url)
        result = pytester.runpytest(
            "--behavior-baseline=live", "--behavior-candidate=v1,v2", "--behavior-report=r.json"
        )
    result.assert_outcomes(passed=1, failed=1)
    assert server_a.stats.answered == 80  # the baseline (40) once, and v1 (40)
    assert server_b.stats.answered == 40  # v2
    result.stdout.fnmatch_lines(["*behavior version matrix (2 versions*", "v1 *PASS x1.00*", "v2 *REGRESSED x0.*"])
    document = json.loads((pytester.path / "r.json").read_text())
    assert [t["baseline"]["label"] for t in document["tests"]] == ["production", "production"]


def test_a_pyproject_mix_on_a_run_of_some_versions_shows_the_matrix_without_the_fleet(project: pytest.Pytester) -> None:
    project.makepyprojecttoml("[tool.pytest_behavior.fleet]\nweights = {v3 = 0.2, v4 = 0.5, v5 = 0.3}\n")
    result = project.runpytest("--behavior-baseline", "--behavior-candidate=v3,v4")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*behavior version matrix*", "no fleet view: the mix*--behavior-fleet=off)"])
    result.stdout.no_fnmatch_line("fleet mix:*")
    quiet = project.runpytest("--behavior-baseline", "--behavior-candidate=v3,v4", "--behavior-fleet=off")
    quiet.assert_outcomes(passed=6)
    quiet.stdout.no_fnmatch_line("*no fleet view*")


def test_a_matrix_mixes_pyproject_bundles_and_fixture_names(project: pytest.Pytester) -> None:
    """The conftest's candidate_bundle knows v3..v6 only (a KeyError otherwise): it is not asked for `pinned`."""
    project.makepyprojecttoml(f'[tool.pytest_behavior.bundles.pinned]\nmodel = "{VERSIONS["v4"]}"\n')
    result = project.runpytest("--behavior-baseline", "--behavior-candidate=pinned,v5")
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines(["*behavior version matrix (2 versions*", "pinned *PASS*", "v5 *REGRESSED*"])


def test_one_version_selected_says_its_level(project: pytest.Pytester) -> None:
    result = project.runpytest("--behavior-baseline", "--behavior-candidate=v3,v4,v5", "-k", "v4")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["version matrix: one version judged (of 3 named*), each at alpha 0.05/3; no matrix*"])


def test_a_selection_of_versions_keeps_k_and_shows_no_partial_fleet(project: pytest.Pytester) -> None:
    result = project.runpytest(
        "--behavior-baseline", "--behavior-candidate=v3,v4,v5", "--behavior-fleet=v3=1,v4=1,v5=1", "-k", "v3 or v5"
    )
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines(
        ["*behavior version matrix (2 versions of 3; each judged at alpha 0.05/3)*", "no fleet view: v4 of the mix*"]
    )
    result.stdout.no_fnmatch_line("fleet mix:*")
