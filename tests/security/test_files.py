"""Files the plugin writes (issue 12, items 1, 2, 20, 24, 25): it deletes only what it created, writes only
inside its folders whatever a test id holds, never leaves a half-written or empty report, gives every
regressed test its own diff file, and creates reports with the mode the umask gives.

The modules under test are imported inside the tests, so that on an older version each test fails on its
own (and says which), rather than the whole file failing to import.
"""

from __future__ import annotations

import errno
import importlib
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.project import bundle_conftest, model_bundle, use_bundles

pytest_plugins = ["pytester"]

BASE = "sim/bot-v1?mean_words=10&refusal_rate=0.0&seed=3"
REFUSING = "sim/bot-v3?mean_words=10&refusal_rate=0.6&seed=3"
INPUTS = 'INPUTS = [f"Ticket {i}: my order {i} arrived late" for i in range(20)]'

SPEC = f"""
import pytest

{INPUTS}

@pytest.mark.refusal_bound(max_increase=0.03)
def test_refusals(behavior):
    behavior.sample(INPUTS)
"""


def conftest(model: str) -> str:
    return bundle_conftest(model_bundle(model, system="Answer.", label="cand"))


def use_model(directory: Path, model: str) -> None:
    (directory / "conftest.py").write_text(conftest(model))


@contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` (folders as None, files with their bytes; symlinks not followed)."""
    found: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        found[rel] = None if path.is_dir() and not path.is_symlink() else path.read_bytes()
    return found


# --- item 1: --behavior-run-dir deletes only the plugin's own run folders -------------------------------------------


def plant_user_files(where: Path) -> dict[str, bytes | None]:
    """A user's folder as the plugin must leave it: a repository, golden files, reports, folders named like
    run folders (unmarked), a copied run folder, files."""
    (where / ".git" / "objects" / "ab").mkdir(parents=True, exist_ok=True)
    (where / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (where / ".git" / "objects" / "ab" / "cdef").write_bytes(b"\x78\x9c blob")
    (where / "golden" / "keep").mkdir(parents=True, exist_ok=True)
    (where / "golden" / "keep" / "mine.json").write_text('{"mine": true}\n')
    (where / "notes.txt").write_text("my notes\n")
    (where / "empty-folder").mkdir(exist_ok=True)
    for i in range(25):  # a user's folders, some named the way the plugin names its run folders
        folder = where / (f"20240101-0000{i:02d}-abcdef" if i % 2 else f"user-{i:02d}")
        folder.mkdir(exist_ok=True)
        (folder / "result.md").write_text(f"user file {i}\n")
    kept = where / "run-i-want-to-keep"  # a run folder the user renamed to keep it: theirs now
    kept.mkdir(exist_ok=True)
    (kept / ".pytest-behavior-run").write_text(
        "# pytest-behavior run folder 20240101-000000-aaaaaa: pruning old runs removes the files listed here, "
        "then the folder\nfull.md\n"
    )
    (kept / "full.md").write_text("a diff I keep\n")
    return {
        rel: content
        for rel, content in tree(where).items()
        if rel.split(os.sep)[0] in {".git", "golden", "notes.txt", "empty-folder", "run-i-want-to-keep"}
        or rel.split(os.sep)[0].startswith(("2024", "user-"))
    }


@pytest.mark.parametrize("run_dir", [".", "reports"])
def test_run_dir_keeps_every_unrelated_file_and_folder_after_25_regressions(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, run_dir: str
) -> None:
    # sys.modules' module, the one the plugin imports (an earlier in-process run may have left a stale
    # attribute on the package)
    diff_file = importlib.import_module("pytest_behavior.report.diff_file")
    use_model(pytester.path, BASE)
    pytester.makepyfile(test_spec=SPEC)
    pytester.runpytest("--behavior-update", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    use_model(pytester.path, REFUSING)
    parent = pytester.path / run_dir
    parent.mkdir(exist_ok=True)
    user = plant_user_files(parent)

    captured: list[Any] = []
    real_writer = diff_file.write_diff_file

    def capturing(result: Any, run_folder: Path, *, test: str | None = None) -> Path:
        captured.append(result)
        return real_writer(result, run_folder, test=test)

    monkeypatch.setattr(diff_file, "write_diff_file", capturing)  # the plugin imports it when a test regresses
    args = ("--behavior-baseline", f"--behavior-run-dir={run_dir}", "-p", "no:cacheprovider")
    pytester.runpytest(*args).assert_outcomes(failed=1)  # run 1, for real
    (result,) = captured
    for i in range(2, 25):  # runs 2..24 through the writer itself (a pytester run takes seconds)
        real_writer(result, parent / f"20990101-0000{i:02d}-{i:06x}")
    pytester.runpytest(*args).assert_outcomes(failed=1)  # run 25, for real

    after = tree(parent)
    lost = [rel for rel in user if rel not in after]
    changed = [rel for rel, content in user.items() if rel in after and after[rel] != content]
    assert not lost and not changed, f"user files deleted: {lost[:10]}, changed: {changed[:10]}"
    runs = [p for p in parent.iterdir() if (p / diff_file.MARKER).is_file() and p.name != "run-i-want-to-keep"]
    assert len(runs) == diff_file.KEEP_RUNS, "the plugin's own run folders: the last 20 are kept"
    newest = max(runs, key=lambda p: p.stat().st_mtime)
    assert (newest / "test_spec.py__test_refusals.md").is_file()


def test_pruning_removes_only_the_files_the_plugin_listed(tmp_path: Path) -> None:
    from pytest_behavior.report.diff_file import MARKER, prune_old_runs

    def run_folder(name: str, *listed: str) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        (folder / MARKER).write_text(
            f"# pytest-behavior run folder {name}: pruning old runs removes the files listed here, then the folder\n"
            + "".join(f"{f}\n" for f in listed)
        )
        for f in listed:
            if "/" not in f and f != "..":
                (folder / f).write_text("diff\n")
        return folder

    plain = run_folder("20240101-000001-aaaaaa", "a.md", "b.md")
    with_user_file = run_folder("20240101-000002-bbbbbb", "a.md")
    (with_user_file / "my-notes.txt").write_text("mine\n")
    hostile = run_folder("20240101-000003-cccccc", "../outside.txt", "..", "/etc/hostname", "sub")
    (tmp_path / "outside.txt").write_text("not the plugin's\n")
    (hostile / "sub").unlink()
    (hostile / "sub").mkdir()
    (hostile / "sub" / "deep.txt").write_text("mine\n")
    current = tmp_path / "20240101-000004-dddddd"
    current.mkdir()
    prune_old_runs(tmp_path, keep=1, current=current)

    assert not plain.exists()
    assert sorted(p.name for p in with_user_file.iterdir()) == ["my-notes.txt"]
    assert (tmp_path / "outside.txt").read_text() == "not the plugin's\n"
    assert (hostile / "sub" / "deep.txt").is_file() and current.is_dir()


# --- item 2: paths derived from test ids stay inside their folders --------------------------------------------------

HOSTILE_IDS = [
    "x::..::..::..::..::ESCAPED",
    "../../../../ESCAPED",
    "..",
    ".",
    "/tmp/ESCAPED-absolute",
    "..\\..\\..\\ESCAPED",
    "nul\x00byte",
    "y" * 5000,
    "é" * 200,
    "p" * 200 + "1",  # item 24: two ids that share their first 200 characters
    "p" * 200 + "2",
]
TOO_DEEP = "::".join(["z" * 100] * 40)


def hostile_spec() -> str:
    return f"""
import pytest

{INPUTS}
IDS = {[*HOSTILE_IDS, TOO_DEEP]!r}

@pytest.mark.parametrize("case", range(len(IDS)), ids=IDS)
@pytest.mark.refusal_bound(max_increase=0.03)
def test_hostile(behavior, case):
    behavior.sample(INPUTS)
"""


def test_hostile_test_ids_write_nothing_outside_golden_and_the_run_folder(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The project sits five folders deep in the sandbox, so an escape lands where the test can see it."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    project = pytester.path / "a" / "b" / "c" / "d" / "e" / "project"
    project.mkdir(parents=True)
    (project / "test_hostile.py").write_text(hostile_spec())
    (project / "pytest.ini").write_text(  # ids reach the plugin raw: NUL, "é", backslashes unescaped
        "[pytest]\ndisable_test_id_escaping_and_forfeit_all_rights_to_community_support = true\n"
    )
    use_model(project, BASE)
    monkeypatch.chdir(project)
    before = set(tree(pytester.path))
    common = ("-p", "no:cacheprovider", f"--rootdir={project}", str(project / "test_hostile.py"))

    update = pytester.runpytest("--behavior-update", *common)
    update.assert_outcomes(passed=len(HOSTILE_IDS), errors=1)
    update.stdout.fnmatch_lines(["*test_hostile*zzzz*too long to name a golden file*"])
    pytester.runpytest("--behavior-baseline", *common).assert_outcomes(passed=len(HOSTILE_IDS), errors=1)
    use_model(project, REFUSING)
    regressed = pytester.runpytest("--behavior-baseline", "--behavior-run-dir=runs", *common)
    regressed.assert_outcomes(failed=len(HOSTILE_IDS), errors=1)

    allowed = ("golden", ".behavior-cache", "runs", "conftest.py", "test_hostile.py", "pytest.ini")
    outside = [
        rel
        for rel in set(tree(pytester.path)) - before
        if not Path(rel).is_relative_to(project.relative_to(pytester.path))
        or Path(rel).relative_to(project.relative_to(pytester.path)).parts[0] not in allowed
    ]
    assert not outside, f"written outside golden/ and the run folder: {sorted(outside)[:10]}"
    assert not Path("/tmp/ESCAPED-absolute.json").exists() and not Path("/tmp/ESCAPED-absolute").exists()
    golden = sorted((project / "golden").rglob("*.json"))
    assert len(golden) == len(HOSTILE_IDS), "every test but the too-deep one has its own golden file"
    diffs = sorted((project / "runs").glob("*/*.md"))
    assert len(diffs) == len(HOSTILE_IDS), "every regressed test has its own diff file (none overwritten)"
    headers = {path.read_text(encoding="utf-8").splitlines()[0] for path in diffs}
    assert len(headers) == len(HOSTILE_IDS)


@pytest.mark.parametrize(
    "nodeid",
    [
        "t.py::test[x::..::..::..::..::ESCAPED]",
        "t.py::..",
        "..::..",
        "t.py::test[..\\..\\x]",
        "t.py::test[a\x00b]",
        "/abs/t.py::test",
        "t.py::test[/etc/passwd]",
        "t.py::" + "字" * 400,
        "t.py::...",
        "t.py::" + "::".join(".." * 9),
    ],
)
def test_golden_paths_of_hostile_ids_resolve_inside_the_golden_folder(tmp_path: Path, nodeid: str) -> None:
    from pytest_behavior.golden.store import golden_path

    root = tmp_path / "golden"
    path = golden_path(root, nodeid)
    assert path.resolve().is_relative_to(root.resolve()) and path.suffix == ".json"
    assert all(len(os.fsencode(part)) <= 241 for part in path.relative_to(root).parts)  # NAME_MAX 255
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")  # the file system takes the name
    assert "\x00" not in str(path)


def test_a_golden_path_through_a_symlink_out_of_the_folder_is_an_error_naming_the_test(tmp_path: Path) -> None:
    from pytest_behavior.errors import GoldenFileError
    from pytest_behavior.golden.store import golden_path

    root = tmp_path / "golden"
    root.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (root / "test_mod").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(GoldenFileError, match=r"test 'test_mod\.py::test_x'.*outside the golden directory"):
        golden_path(root, "test_mod.py::test_x")


def test_an_xdist_run_id_from_the_command_line_names_one_folder(tmp_path: Path) -> None:
    """``--testrunuid`` (xdist) names the run folder of a run, shared by its workers; it must not be a path."""
    from pytest_behavior.config.settings import run_dir

    class Options:
        def getoption(self, name: str) -> str | None:
            return "runs" if name == "behavior_run_dir" else None

    for uid in ("../../ESC", "/etc", "..", "a\x00b", "x" * 400):
        folder = run_dir(Options(), tmp_path, {"testrunuid": uid})  # type: ignore[arg-type]
        assert folder.parent == tmp_path / "runs" and folder.name not in ("", ".", "..")
        assert folder.resolve().parent == (tmp_path / "runs").resolve() and "\x00" not in str(folder)


# --- item 24: one diff file per test --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("t.py::test[" + "a" * 200 + "1]", "t.py::test[" + "a" * 200 + "2]"),
        ("d/t.py::test[" + "é" * 300 + "1]", "d/t.py::test[" + "é" * 300 + "2]"),
        ("t.py::test[a b]", "t.py::test[a_b]"),
        ("a/b.py::test", "a__b.py::test"),
        ("t.py::test[a/b]", "t.py::test[a::b]"),
    ],
)
def test_distinct_tests_never_share_a_diff_file(tmp_path: Path, first: str, second: str) -> None:
    from pytest_behavior.report.diff_file import diff_file_path

    one, two = diff_file_path(tmp_path, first), diff_file_path(tmp_path, second)
    assert one != two
    for path in (one, two):
        assert path.parent == tmp_path and path.suffix == ".md" and len(os.fsencode(path.name)) <= 200


def test_a_plain_test_id_keeps_its_readable_diff_file_name(tmp_path: Path) -> None:
    from pytest_behavior.report.diff_file import diff_file_path

    assert diff_file_path(tmp_path, "dir/test_mod.py::TestC::test[x-1]").name == "dir__test_mod.py__TestC__test[x-1].md"


# --- item 20: reports are written whole or not at all ---------------------------------------------------------------


def test_a_failing_write_keeps_the_previous_file_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_behavior import files

    report = tmp_path / "report.html"
    report.write_text("<html>previous report</html>\n")
    real_write = os.write

    def disk_full_midway(fd: int, data: bytes) -> None:
        real_write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "_write_all", disk_full_midway)
    with pytest.raises(OSError, match="No space left"):
        files.write_text_atomic(report, "<html>" + "new " * 10000 + "</html>\n")
    assert report.read_text() == "<html>previous report</html>\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


FULL_DISK_CONFTEST = '''
import resource
import signal

import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    """From here on no regular file can grow: the disk is full when the reports are written."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
'''


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_FSIZE simulates the full disk")
def test_reports_on_a_full_disk_keep_the_previous_files(tmp_path: Path) -> None:
    """A real full disk for the reports (``RLIMIT_FSIZE`` 0 in a real pytest process): the previous HTML and
    verdict files stay whole, no temporary file is left, and the run says which report it could not write."""
    (tmp_path / "test_spec.py").write_text(SPEC)
    (tmp_path / "conftest.py").write_text(conftest(BASE) + FULL_DISK_CONFTEST)
    out = tmp_path / "out"
    out.mkdir()
    previous = {"report.html": "<html>previous report</html>\n", "behavior.json": '{"previous": true}\n'}
    for name, text in previous.items():
        (out / name).write_text(text)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("GITHUB_STEP_SUMMARY", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--behavior-update",
            "--behavior-html=out/report.html",
            "--behavior-report=out/behavior.json",
            "test_spec.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert "could not write the HTML report" in done.stdout, done.stdout + done.stderr
    assert done.returncode != 0
    for name, text in previous.items():
        assert (out / name).read_text() == text, f"{name} was damaged by the failed write"
    assert sorted(p.name for p in out.iterdir()) == sorted(previous)


# --- item 25: reports follow the umask ------------------------------------------------------------------------------


def test_reports_get_the_mode_the_umask_gives_and_keep_an_existing_mode(pytester: pytest.Pytester) -> None:
    use_model(pytester.path, BASE)
    pytester.makepyfile(test_spec=SPEC)
    args = (
        "--behavior-update",
        "-p",
        "no:cacheprovider",
        "--behavior-report=out/behavior.json",
        "--behavior-html=out/report.html",
    )
    with umask(0o022):
        pytester.runpytest(*args).assert_outcomes(passed=1)
        for name in ("behavior.json", "report.html"):
            assert stat.S_IMODE((pytester.path / "out" / name).stat().st_mode) == 0o644, name
        (pytester.path / "out" / "behavior.json").chmod(0o664)  # a shared report stays shared
        pytester.runpytest(*args).assert_outcomes(passed=1)
        assert stat.S_IMODE((pytester.path / "out" / "behavior.json").stat().st_mode) == 0o664
        use_model(pytester.path, REFUSING)
        pytester.runpytest("--behavior-baseline", "-p", "no:cacheprovider", "--behavior-run-dir=runs").assert_outcomes(
            failed=1
        )
        (diff,) = (pytester.path / "runs").glob("*/*.md")
        assert stat.S_IMODE(diff.stat().st_mode) == 0o644


def test_a_golden_directory_that_cannot_be_written_is_an_error_naming_it(pytester: pytest.Pytester) -> None:
    """Under a regular file (so that it fails as root too): the test errors naming the file and the ini key,
    instead of a bare FileNotFoundError "while sampling or judging"."""
    use_bundles(pytester, model_bundle("sim/bot?mean_words=5&refusal_rate=0.0&seed=1"), scope="session")
    pytester.makepyfile(
        test_spec="""
        def test_answers(behavior):
            behavior.sample(["a", "b", "c"])
        """
    )
    (pytester.path / "occupied").write_text("a file, not a folder\n", encoding="utf-8")
    pytester.makeini("[pytest]\nbehavior_golden_dir = occupied/golden\n")
    result = pytester.runpytest("--behavior-update", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*GoldenFileError: golden file *occupied*golden*test_answers.json could not be "
            "written (*): the golden directory must be a writable folder "
            "(ini: behavior_golden_dir)*"
        ]
    )
    assert (pytester.path / "occupied").read_text(encoding="utf-8") == "a file, not a folder\n"
