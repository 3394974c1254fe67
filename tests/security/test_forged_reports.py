"""Reports that data can forge (issue 12, items 17-19): segment names, input ids, model outputs and bundle labels
holding terminal control sequences, bidi overrides, XML-invalid characters, Markdown and HTML.

Each report must show such data as text: the terminal (failure diff, summary table, progress line, warnings and
errors), the Markdown diff file, the CLI's ``show`` / ``card`` / ``diff``, JUnit XML (parseable), the GitHub step
summary (no image, link, raw HTML or mention from data; under 1 MiB in bytes; cut between blocks) and the HTML
report. A new attack is one more string in `HOSTILE_SEGMENTS` or `EVIL_OUTPUT`.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from pytest_behavior.report.github import github_summary
from pytest_behavior.report.progress import Progress, ProgressStyle
from tests.support.project import bundle_conftest, use_bundles

pytest_plugins = ["pytester"]

ONE_MIB = 1024 * 1024
SUMMARY_LIMIT = 1_000_000  # pytest_behavior.report.github.MAX_BYTES: 1 MiB less a margin

HOSTILE_SEGMENTS = [
    "\x1b[2J\x1b[H\x1b[32m1 passed\x1b[0m",  # clear the screen, then a fake green result
    "\x1b]8;;http://evil.example/\x1b\\click me\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x1b]52;c;ZXZpbA==\x07",  # OSC 52: write the clipboard
    "vt\x0bnul\x00del\x7f",  # XML-invalid C0 controls, DEL
    "\u202eexe.txt\u202c",  # bidi override: reads backwards
    "\x9b31mC1 csi",  # an 8-bit CSI
    "fake\rline",  # a carriage return would overwrite the line
    "two\r\nlines",
    "![x](http://evil.example/pixel.png)",  # an external image
    "<img src=http://evil.example/x.png>",  # raw HTML
    "[click](http://evil.example)",  # a link
    "@octocat | `tick` *b* _i_ ~s~ www.evil.example",  # a mention, a cell break, emphasis, an autolink
]
EVIL_OUTPUT = (
    "\x1b[2J\x1b]52;c;ZXZpbA==\x07\u202e ![x](http://evil.example/o.png) <img src=x> @octocat ````\n</details>\n```"
)

# raw characters no report may contain when they came from data
CONTROL_CHARS = ["\x1b", "\x07", "\x9b", "\x00", "\x0b", "\x7f", "\r", "\u202e", "\u202c"]
FORGED_SEQUENCES = ["\x1b[2J", "\x1b[H", "\x1b[32m1 passed", "\x1b]8;;", "\x1b]52;", "\x9b31m", "\u202e", "\r"]

CONFTEST = bundle_conftest(
    "candidate()",
    baseline='Bundle.from_callable(lambda v: answer(v, broken=False), label="app-v1", version="1")',
    header=f"""
EVIL = {EVIL_OUTPUT!r}

def answer(value, *, broken):
    if broken and value["segment"] != "en":
        return "I'm sorry, but I can't help with that. " + EVIL
    return "Here is how to do it: first open the settings, then choose the plan. " + EVIL

def candidate():
    broken = os.environ.get("FORGE_BROKEN", "1") == "1"
    return Bundle.from_callable(lambda v: answer(v, broken=broken), label="app\\x1b[31m-v2\\nforged line",
                                version=str(broken))
""",
)

SPEC = f"""
import pytest

HOSTILE = {HOSTILE_SEGMENTS!r}
INPUTS = ([{{"id": f"q{{i:03d}}", "text": f"question {{i}}", "segment": "en"}} for i in range(800)]
          + [{{"id": f"id\\x1b[31m{{k}}-{{i}}\\u202e", "text": f"hostile {{i}}\\x1b[2J", "segment": seg}}
             for k, seg in enumerate(HOSTILE) for i in range(30)])

# every hostile segment refuses everything (+100 pts): confined regressions, the overall rate stays in bound
@pytest.mark.refusal_bound(max_increase=0.5)
def test_answers(behavior):
    behavior.sample(INPUTS)
"""


@pytest.fixture
def hostile(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_spec=SPEC)
    return pytester


def run_hostile(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    result = pytester.runpytest("--behavior-baseline=live", "-p", "no:cacheprovider", *args)
    result.assert_outcomes(failed=1)
    return result


def raw_controls(text: str) -> list[str]:
    return [repr(c) for c in CONTROL_CHARS if c in text]


def outside_fences(markdown: str) -> str:
    """The Markdown that GitHub renders as Markdown/HTML (fenced code blocks removed); fails on an open fence."""
    kept: list[str] = []
    fence: str | None = None
    for line in markdown.split("\n"):
        if fence is None:
            opening = re.fullmatch(r"(`{3,}|~{3,})\w*", line)
            if opening:
                fence = opening.group(1)
            else:
                kept.append(line)
        elif re.fullmatch(re.escape(fence[0]) + "{" + str(len(fence)) + ",}", line.strip()):
            fence = None
    assert fence is None, "a code fence is left open"
    return "\n".join(kept)


def check_markdown(markdown: str) -> str:
    """Structure holds (fences closed, every <details> closed) and nothing from data renders as markup."""
    rendered = outside_fences(markdown)
    assert rendered.count("<details>") == rendered.count("</details>")
    assert "<details>" in rendered or "cut here" in rendered
    for forged in ("<img", "](http", "![", "[click]", "http://", "www.evil"):
        assert forged not in rendered, forged
    assert "@octocat" not in rendered  # a mention would notify
    assert raw_controls(markdown) == []
    return rendered


# ---- item 17: terminal, diff files, progress, CLI ----------------------------------------------------------------


def test_the_terminal_shows_control_sequences_from_data_as_text(hostile: pytest.Pytester) -> None:
    result = run_hostile(hostile, "--color=yes", "--behavior-run-dir=runs")
    out = result.stdout.str() + result.stderr.str()
    assert [s for s in FORGED_SEQUENCES if s in out] == []
    assert [repr(c) for c in ("\x07", "\x9b", "\x00", "\x0b", "\x7f", "\r", "\u202c") if c in out] == []
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)  # pytest's own colours
    assert "\x1b" not in plain
    # the forged text is there to read, escaped, in the failure diff and in the summary table
    assert r"refusal rate [\x1b[2J\x1b[H\x1b[32m1 passed\x1b[0m]" in plain
    assert r"refusal rate [\u202eexe.txt\u202c]" in plain and r"fake\rline" in plain
    assert r"id\x1b[31m" in plain and r"\x1b]52;c;ZXZpbA==\x07" in plain
    assert "forged line" not in plain.replace(r"\nforged line", "")  # a label's newline does not start a line
    (diff_file,) = (hostile.path / "runs").glob("*/*.md")
    text = diff_file.read_text(encoding="utf-8")
    assert raw_controls(text) == [] and r"app\x1b[31m-v2\nforged line" in text


def test_progress_lines_escape_the_test_name() -> None:
    written: list[str] = []
    progress = Progress(
        "test_x.py::t[\x1b[2J\x1b]52;c;eA==\x07\u202e]",
        lambda text, live: written.append(text),
        ProgressStyle(live=False, delay_s=0.0, interval_s=0.0),
        clock=lambda: 0.0,
    )
    progress.begin(total=2, cached=0, estimated_usd=None)
    progress.call_started()
    progress.call_finished(0.0)
    progress.end()
    assert written and all(raw_controls(line) == [] for line in written)
    assert all(r"t[\x1b[2J\x1b]52;c;eA==\x07\u202e]" in line for line in written)


def test_errors_quoting_provider_messages_and_ids_escape_them(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provider's error text (here a callable's exception) and the input id it names reach the terminal, the
    GitHub summary and JUnit escaped."""
    use_bundles(
        pytester,
        'Bundle.from_callable(answer, label="app", version="1")',
        header="""
        def answer(value):
            raise RuntimeError("upstream said: \\x1b[2J\\x1b]52;c;eA==\\x07 about " + value["id"])
        """,
    )
    pytester.makepyfile(
        test_err="""
        INPUTS = [{"id": f"id\\x1b[31m{i}\\u202e", "text": "a"} for i in range(3)]

        def test_answers(behavior):
            behavior.sample(INPUTS)
        """
    )
    summary = pytester.path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = pytester.runpytest("--behavior-update", "-p", "no:cacheprovider", "--color=no", "--junitxml=j.xml")
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert r"upstream said: \x1b[2J\x1b]52;c;eA==\x07 about id\x1b[31m" in out
    assert raw_controls(out) == []
    markdown = summary.read_text(encoding="utf-8")
    check_markdown(markdown)
    assert r"upstream said: \x1b[2J\x1b]52;c;eA==\x07" in markdown
    ET.parse(pytester.path / "j.xml")


def test_cli_show_card_and_diff_escape_golden_file_contents(
    hostile: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pytest_behavior.cli import main

    monkeypatch.setenv("FORGE_BROKEN", "0")
    hostile.runpytest("--behavior-update", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    golden = hostile.path / "golden"
    (recorded,) = golden.rglob("*.json")
    before = hostile.path / "golden-before"
    before.mkdir()
    (before / recorded.name).write_bytes(recorded.read_bytes())
    monkeypatch.setenv("FORGE_BROKEN", "1")
    hostile.runpytest("--behavior-update", "-p", "no:cacheprovider").assert_outcomes(passed=1)
    capsys.readouterr()
    outputs = {}
    for name, argv in {
        "show": ["show", str(recorded)],
        "show-dir": ["show", str(golden)],
        "card": ["card", str(golden), str(before)],
        "diff": ["diff", str(before / recorded.name), str(recorded)],
    }.items():
        main(argv)
        outputs[name] = capsys.readouterr().out
        assert raw_controls(outputs[name]) == [], name
    assert r"\x1b[2J\x1b[H\x1b[32m1 passed\x1b[0m 30" in outputs["show"]  # the segment counts
    assert r"app\x1b[31m-v2\nforged line" in outputs["show"]
    assert r"## app\x1b[31m-v2\nforged line" in outputs["card"]
    assert "behavior regressed" in outputs["diff"] and r"id\x1b[31m" in outputs["diff"]
    for name, argv in {
        "show-json": ["show", "--json", str(recorded)],
        "show-dir-json": ["show", "--json", str(golden)],
        "card-json": ["card", "--json", str(golden)],
    }.items():
        main(argv)
        printed = capsys.readouterr().out
        assert printed.isascii(), name  # C1, bidi overrides and lone surrogates only as JSON escapes
        assert json.loads(printed), name


def test_printable_escapes_what_a_terminal_would_obey_and_keeps_the_rest() -> None:
    from pytest_behavior.sanitize import one_line, printable

    assert printable("a\x1b[2Jb\x9b1m\u202ec\u2066d\x7f\x00") == r"a\x1b[2Jb\x9b1m\u202ec\u2066d\x7f\x00"
    assert printable("line 1\r\nline 2\roverwritten\n\ttab") == "line 1\nline 2\\roverwritten\n\ttab"
    assert one_line("two\nlines\r\n") == r"two\nlines\r\n"
    assert printable("\ud800 lone surrogate").encode("utf-8") == rb"\ud800 lone surrogate"
    text = "Grüße, 漢字, emoji 😀, arabic \u0627\u0644, a–b “quoted”"
    assert printable(text) == text == one_line(text)
    hostile = "".join(HOSTILE_SEGMENTS) + EVIL_OUTPUT
    assert printable(printable(hostile)) == printable(hostile)


# ---- item 18: JUnit ---------------------------------------------------------------------------------------------


def test_junit_xml_with_hostile_segment_names_parses(hostile: pytest.Pytester) -> None:
    run_hostile(hostile, "--junitxml=junit.xml")
    tree = ET.parse(hostile.path / "junit.xml")  # a raw \x0b, \x00 or ESC in an attribute: not well-formed
    properties = {p.get("name"): p.get("value") for p in tree.iter("property")}
    names = [
        n for n in properties if n is not None and n.startswith("behavior:refusal[") and not n.endswith("_level")
    ]  # each verdict also carries the levels of its interval's ends
    assert len(names) == len(HOSTILE_SEGMENTS)
    assert r"behavior:refusal[vt\x0bnul\x00del\x7f]:max_increase=0.5" in properties
    assert r"behavior:refusal[\x1b[2J\x1b[H\x1b[32m1 passed\x1b[0m]:max_increase=0.5" in properties
    assert properties["behavior_candidate"].startswith(r"app\x1b[31m-v2\nforged line ")


# ---- item 19: the GitHub step summary ------------------------------------------------------------------------------


def test_github_summary_shows_hostile_segments_and_outputs_as_text(
    hostile: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = hostile.path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run_hostile(hostile)
    markdown = summary.read_text(encoding="utf-8")
    rendered = check_markdown(markdown)
    rows = [line for line in rendered.splitlines() if line.startswith("| ")]
    assert all(line.count(" | ") == 5 for line in rows if "\\|" not in line)  # no cell broken by data
    assert len([r for r in rows if "REGRESSED" in r]) == len(HOSTILE_SEGMENTS)
    assert r"&lt;img src=http:/" in rendered and "@\u200boctocat" in rendered
    assert r"\!\[x\]\(http" in rendered  # the image syntax, escaped: shown, not fetched


def _document(tests: int, diff_lines: int, line: str) -> dict:
    """A verdict document of ``tests`` regressed tests, each with a diff of ``diff_lines`` copies of ``line``."""
    prop = {
        "metric": "refusal rate",
        "metric_key": "refusal",
        "kind": "binary",
        "segment": None,
        "bound": "max_increase=0.03",
        "verdict": "REGRESSED",
        "baseline": 0.02,
        "candidate": 0.2,
        "scale": "difference",
        "estimate": 0.18,
        "lower": 0.1,
        "upper": 0.25,
        "p_adjusted": 0.001,
        "confined": False,
    }
    entries = [
        {
            "nodeid": f"tests/test_{i}.py::test_{'x' * 40}[{i}]",
            "outcome": "regressed",
            "provider_drift": False,
            "properties": [prop],
            "diff": "\n".join([line] * diff_lines),
            "diff_file": f"runs/r/{i}.md",
            "error": None,
        }
        for i in range(tests)
    ]
    return {
        "summary": {"tests": tests, "regressed": tests, "errors": 0, "inconclusive": 0, "passed": 0, "recorded": 0},
        "run": {"mode": "baseline"},
        "tests": entries,
    }


def test_github_summary_is_capped_in_bytes_and_cut_between_blocks() -> None:
    # 3 bytes a character: 400,000 characters would be 1.2 MB; backticks and </details> inside the diffs
    line = "漢" * 150 + " ```` </details> <img src=x> " + "語" * 150
    markdown = github_summary(_document(tests=60, diff_lines=80, line=line))
    size = len(markdown.encode("utf-8"))
    assert size <= SUMMARY_LIMIT < ONE_MIB
    assert size > SUMMARY_LIMIT - 50_000  # cut near the limit, not far below it
    check_markdown(markdown)
    assert markdown.rstrip().endswith("hold everything)") and "cut here" in markdown


@pytest.mark.parametrize("earlier_bytes", [SUMMARY_LIMIT - 4_000, 1_040_000])
def test_github_summary_counts_what_the_step_already_wrote(
    hostile: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, earlier_bytes: int
) -> None:
    """GitHub limits the step's whole summary file: room for a few lines gets a cut summary, none gets nothing."""
    summary = hostile.path / "summary.md"
    earlier = "## an earlier pytest run in this step\n\n" + "x" * 120 + "\n"
    summary.write_text(earlier * (earlier_bytes // len(earlier)), encoding="utf-8")
    start = summary.stat().st_size
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run_hostile(hostile)
    assert summary.stat().st_size < ONE_MIB
    added = summary.read_bytes()[start:].decode("utf-8")
    if earlier_bytes < SUMMARY_LIMIT:
        assert added.startswith("## pytest-behavior") and "cut here" in added
        check_markdown(added)
    else:
        assert added == ""


# ---- the HTML report and the verdict file hold too -----------------------------------------------------------------


def test_html_report_and_verdict_file_escape_hostile_data(hostile: pytest.Pytester) -> None:
    import json

    run_hostile(hostile, "--behavior-html=report.html", "--behavior-report=verdicts.json")
    page = (hostile.path / "report.html").read_text(encoding="utf-8")
    assert raw_controls(page) == []
    assert "<img" not in page and "&lt;img src=http://evil.example/x.png&gt;" in page
    document = json.loads((hostile.path / "verdicts.json").read_text(encoding="utf-8"))
    segments = {p["segment"] for t in document["tests"] for p in t["properties"]} - {None, "en"}
    assert segments == set(HOSTILE_SEGMENTS)  # the data itself is kept, exactly, in the JSON
