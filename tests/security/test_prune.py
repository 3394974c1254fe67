"""``--behavior-prune`` deletes only golden files the plugin wrote for a test this run proves gone (issue 12:
"Never delete or write a file the plugin did not create").

A file is a candidate only when it parses as a pytest-behavior golden file and its recorded test id names
exactly that path; and only when the test's module was collected whole (a node-id argument, ``--lf`` or a
plugin that drops tests during collection leave siblings out without deselecting them), or no longer exists.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.support.project import bundle_conftest, model_bundle

pytest_plugins = ["pytester"]

BASE = "sim/bot-v1?mean_words=10&refusal_rate=0.0&seed=3"

SPEC = """
import json
import os
from pathlib import Path

import pytest

INPUTS = {inputs}

@pytest.mark.refusal_bound(max_increase=0.03)
def test_refusals(behavior):
    behavior.sample(INPUTS)

@pytest.mark.length_distribution(max_ratio=1.5)
def test_other(behavior):
    behavior.sample(INPUTS[:6])

@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.length_distribution(max_ratio=1.5)
def test_param(behavior, lang):
    behavior.sample([f"{{lang}}: {{text}}" for text in INPUTS[:6]])

def test_flag():
    assert not os.path.exists("fail-now")
"""

INPUTS = '[f"Ticket {i}: my order {i} arrived late" for i in range(12)]'
DATASET_INPUTS = 'json.loads(Path(__file__).with_name("data").joinpath("tickets.json").read_text())'

CONFTEST = bundle_conftest(model_bundle(BASE, system="Answer.", label="cand"))

GOLDEN = [
    "golden/test_spec/test_other.json",
    "golden/test_spec/test_param[en].json",
    "golden/test_spec/test_param[fr].json",
    "golden/test_spec/test_refusals.json",
]


def json_files(root: Path) -> dict[str, bytes]:
    """Every ``*.json`` under ``root`` but pytest's cache, with its bytes (symlinks not followed)."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*.json"))
        if ".pytest_cache" not in p.parts and not p.is_symlink()
    }


def record(pytester: pytest.Pytester, *args: str, inputs: str = INPUTS, fail: bool = False) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=SPEC.format(inputs=inputs))
    if fail:
        (pytester.path / "fail-now").write_text("")
    result = pytester.runpytest("--behavior-update", *args)
    result.assert_outcomes(passed=4 if fail else 5, failed=1 if fail else 0)


@pytest.fixture
def recorded(pytester: pytest.Pytester) -> pytest.Pytester:
    record(pytester)
    assert sorted(json_files(pytester.path)) == GOLDEN
    return pytester


def rename_test_other(pytester: pytest.Pytester, golden: str = "golden") -> Path:
    """Rename ``test_other``: its golden file becomes one the plugin wrote for a test that is gone."""
    spec = pytester.path / "test_spec.py"
    spec.write_text(spec.read_text().replace("def test_other(", "def test_renamed("))
    return pytester.path / golden / "test_spec" / "test_other.json"


def pruned(before: dict[str, bytes], stale: Path, root: Path) -> dict[str, bytes]:
    """The JSON files expected after pruning ``stale``: the others, plus the renamed test's new golden file."""
    expected = {name: text for name, text in before.items() if name != str(stale.relative_to(root))}
    renamed = stale.with_name("test_renamed.json")
    expected[str(renamed.relative_to(root))] = renamed.read_bytes()
    return expected


def prune(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest("--behavior-update", "--behavior-prune", *args)


# --- what counts: only golden files the plugin wrote, each at the path of its own test ---------------------------


def test_json_files_the_plugin_did_not_write_are_never_pruned(recorded: pytest.Pytester) -> None:
    golden = recorded.path / "golden"
    (golden / "schemas").mkdir()
    (golden / "schemas" / "summary.schema.json").write_text('{"type": "object"}\n')
    (golden / "README.json").write_text('{"about": "golden files of the support bot"}\n')
    (golden / "test_spec" / "fixtures.json").write_text('{"tickets": [1, 2, 3]}\n')
    stale = rename_test_other(recorded)
    before = json_files(recorded.path)

    result = prune(recorded)
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["removed 1 unused golden file(s):", "  golden/test_spec/test_other.json"])
    result.stdout.no_fnmatch_line("*schema*")
    result.stdout.no_fnmatch_line("*README*")
    result.stdout.no_fnmatch_line("*fixtures*")
    assert json_files(recorded.path) == pruned(before, stale, recorded.path)


def test_a_golden_dir_at_the_project_root_leaves_the_project_alone(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nbehavior_golden_dir = .\n")
    (pytester.path / "data").mkdir()
    (pytester.path / "data" / "tickets.json").write_text(
        json.dumps([f"Ticket {i}: my parcel {i} is late" for i in range(12)])
    )
    (pytester.path / "package.json").write_text('{"name": "support-bot", "private": true}\n')
    (pytester.path / ".vscode").mkdir()
    (pytester.path / ".vscode" / "settings.json").write_text('{"python.testing.pytestEnabled": true}\n')
    record(pytester, inputs=DATASET_INPUTS)
    stale = rename_test_other(pytester, golden=".")
    before = json_files(pytester.path)
    assert {"data/tickets.json", "package.json", ".vscode/settings.json", "test_spec/test_refusals.json"} <= set(before)

    result = prune(pytester)
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["removed 1 unused golden file(s):", "  test_spec/test_other.json"])
    assert json_files(pytester.path) == pruned(before, stale, pytester.path)
    assert (pytester.path / "data").is_dir()


def test_a_golden_file_recorded_for_another_test_is_not_pruned(recorded: pytest.Pytester) -> None:
    golden = recorded.path / "golden" / "test_spec"
    copy = golden / "test_refusals-old.json"  # a user's copy: it says it belongs to test_refusals
    copy.write_bytes((golden / "test_refusals.json").read_bytes())
    moved = recorded.path / "golden" / "test_gone" / "test_x.json"  # a module that is gone, but its id says not
    moved.parent.mkdir()
    moved.write_bytes((golden / "test_other.json").read_bytes())
    before = json_files(recorded.path)

    result = prune(recorded)
    result.assert_outcomes(passed=5)
    result.stdout.no_fnmatch_line("*unused golden file*")
    assert json_files(recorded.path) == before


@pytest.mark.parametrize(
    "text",
    ["[1, 2, 3]\n", '"golden"\n', "null\n", "{}\n", '{"format": 1, "test": "test_gone.py::test_x", "samples": {}}\n'],
    ids=["list", "string", "null", "empty-object", "no-plugin"],
)
def test_json_that_is_not_a_golden_file_is_not_pruned(recorded: pytest.Pytester, text: str) -> None:
    odd = recorded.path / "golden" / "test_gone" / "test_x.json"  # the path a deleted test's file would have
    odd.parent.mkdir()
    odd.write_text(text)

    result = prune(recorded)
    result.assert_outcomes(passed=5)
    result.stdout.no_fnmatch_line("*unused golden file*")
    assert odd.read_text() == text


def test_a_truncated_golden_file_is_neither_listed_nor_pruned(recorded: pytest.Pytester) -> None:
    """A corrupt file the plugin cannot vouch for is left where it is (the user restores it from git)."""
    stale = rename_test_other(recorded)
    text = stale.read_bytes()
    stale.write_bytes(text[: len(text) // 2])

    result = prune(recorded)
    result.assert_outcomes(passed=5)
    result.stdout.no_fnmatch_line("*unused golden file*")
    assert stale.read_bytes() == text[: len(text) // 2]


def test_a_symlink_or_a_fifo_named_like_a_golden_file_is_not_pruned(recorded: pytest.Pytester) -> None:
    """Only regular files are read: a symlink is not followed (the user made it; its target may be anywhere)
    and a FIFO is never opened for a blocking read."""
    data = json.loads((recorded.path / "golden" / "test_spec" / "test_other.json").read_text())
    data["test"] = "test_spec.py::test_gone"  # what the plugin would have written for a test now gone
    target = recorded.path / "kept.json"
    target.write_text(json.dumps(data, indent=2, sort_keys=True))
    link = recorded.path / "golden" / "test_spec" / "test_gone.json"
    link.symlink_to(target)
    fifo = recorded.path / "golden" / "test_spec" / "test_pipe.json"
    os.mkfifo(fifo)

    result = prune(recorded)
    result.assert_outcomes(passed=5)
    result.stdout.no_fnmatch_line("*unused golden file*")
    assert link.is_symlink() and link.resolve() == target.resolve() and target.exists()
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


# --- what is examined: only modules collected whole -------------------------------------------------------------


def test_a_node_id_argument_does_not_make_its_siblings_unused(recorded: pytest.Pytester) -> None:
    before = json_files(recorded.path)

    listed = recorded.runpytest("test_spec.py::test_refusals", "--behavior-baseline")
    listed.assert_outcomes(passed=1)
    listed.stdout.no_fnmatch_line("*not used by any collected test*")

    result = prune(recorded, "test_spec.py::test_refusals")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*unused golden file*")
    both = prune(recorded, "test_spec.py::test_refusals", "test_spec.py::test_param")
    both.assert_outcomes(passed=3)
    both.stdout.no_fnmatch_line("*unused golden file*")
    assert json_files(recorded.path) == before


def test_last_failed_does_not_make_the_tests_it_leaves_out_unused(pytester: pytest.Pytester) -> None:
    """``--lf`` drops the tests that passed while collecting the module, without deselecting them."""
    record(pytester, fail=True)
    before = json_files(pytester.path)
    assert sorted(before) == GOLDEN

    result = prune(pytester, "--lf")
    result.assert_outcomes(failed=1)
    result.stdout.no_fnmatch_line("*unused golden file*")
    assert json_files(pytester.path) == before


@pytest.mark.parametrize(
    "selection",
    [
        ["--deselect", "test_spec.py::test_other"],
        ["-k", "refusals or flag"],
        ["-m", "not length_distribution"],
        ["--sw"],
        ["--ff"],
    ],
    ids=["deselect", "k", "m", "stepwise", "failed-first"],
)
def test_a_selection_option_does_not_make_deselected_tests_unused(
    pytester: pytest.Pytester, selection: list[str]
) -> None:
    record(pytester, "--sw", fail=True)  # a failure for --sw / --ff to start from
    before = json_files(pytester.path)

    result = prune(pytester, *selection)
    # test_flag still fails, it ran in every selection (--sw stops the session at it)
    assert result.ret in (pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.INTERRUPTED)
    result.stdout.no_fnmatch_line("*unused golden file*")
    assert json_files(pytester.path) == before
