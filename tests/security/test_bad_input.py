"""Issue 12, "bad input that is accepted silently" (items 11, 12, 14, 16, 26): each must be a clear error, or be
handled within bounded cost, instead of reaching a provider, a prompt or a golden file unnoticed."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pytest_behavior import Bundle
from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.properties.refusal import classify_refusal
from pytest_behavior.sampling.llm import CallPolicy, call_model
from pytest_behavior.spec.inputs import render_prompt, resolve_inputs
from tests.support.openai_server import running_server
from tests.support.project import bundle_conftest, model_bundle, use_bundles

pytest_plugins = ["pytester"]

FAKE_KEY = "fake-credential-loopback-badinput"
SIM = "sim/bot?mean_words=20&seed=1"


# --- item 11: Bundle keywords ---------------------------------------------------------------------------------------


def sim_conftest(pytester: pytest.Pytester) -> None:
    """The candidate is the simulated provider `SIM`."""
    use_bundles(pytester, model_bundle(SIM, label="cand"))


def test_bundle_typos_are_errors_that_suggest_the_keyword() -> None:
    with pytest.raises(TypeError) as exc:
        Bundle(model=SIM, temprature=0.2, sytem="x")
    message = str(exc.value)
    assert "'temprature' (did you mean 'temperature'?)" in message
    assert "'sytem' (did you mean 'system'?)" in message
    assert "litellm_params" in message
    with pytest.raises(TypeError, match=r"got an unknown keyword 'max_token' — did you mean 'max_tokens'\?"):
        Bundle(model=SIM, max_token=10)


def test_a_typo_never_reaches_the_provider_and_litellm_params_does_as_given() -> None:
    policy = CallPolicy(timeout_s=5.0, max_attempts=1)
    messages = [{"role": "user", "content": "Where is my order?"}]
    with running_server() as server:
        with pytest.raises(TypeError, match="temprature"):
            bundle = Bundle(model="openai/loopback-model", api_base=server.url, api_key=FAKE_KEY, temprature=0.2)
            asyncio.run(call_model(bundle, messages, seed=1, policy=policy))
        assert server.stats.requests == 0
        bundle = Bundle(
            model="openai/loopback-model",
            api_base=server.url,
            api_key=FAKE_KEY,
            max_tokens=7,
            litellm_params={"top_k": 3, "vendor_flag": "on"},
        )
        asyncio.run(call_model(bundle, messages, seed=1, policy=policy))
    body = server.stats.bodies[0]
    assert body["max_tokens"] == 7 and body["top_k"] == 3 and body["vendor_flag"] == "on"
    assert "litellm_params" not in body


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n": 3}, "does not take 'n'"),
        ({"litellm_params": {"stream": True}}, "pass it as Bundle(stream=...)"),
        ({"litellm_params": {"temperature": 0.1}}, "pass it as Bundle(temperature=...)"),
        ({"top_p": 0.5, "litellm_params": {"top_p": 0.4}}, "both as a keyword and in litellm_params"),
    ],
)
def test_options_the_plugin_owns_or_gives_twice_are_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(TypeError) as exc:
        Bundle(model=SIM, **options)
    assert message in str(exc.value)


def test_a_provider_option_moved_into_litellm_params_keeps_its_fingerprint() -> None:
    direct = Bundle(model="openai/x", system="s", temperature=0.2, top_p=0.5, api_key="fake-credential-a")
    explicit = Bundle(
        model="openai/x", system="s", temperature=0.2, litellm_params={"top_p": 0.5, "api_key": "fake-credential-b"}
    )
    assert direct.fingerprint == explicit.fingerprint


def test_a_pyproject_bundle_with_a_typo_errors_naming_table_and_key(pytester: pytest.Pytester, sim_calls) -> None:
    pytester.makepyprojecttoml(
        f"""
        [tool.pytest_behavior.bundles.next]
        model = "{SIM}"
        temprature = 0.2
        """
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.refusal_bound(max_rate=0.5)
        def test_spec(behavior):
            behavior.sample(["a", "b", "c"])
        """
    )
    result = pytester.runpytest("--behavior-update", "--behavior-candidate=next")
    assert result.parseoutcomes().get("passed", 0) == 0
    result.stdout.fnmatch_lines(
        [
            "*[[]tool.pytest_behavior.bundles.next[]] in pyproject.toml got an unknown key "
            "'temprature' — did you mean 'temperature'?*"
        ]
    )
    assert sim_calls.served_calls("bot") == 0
    assert not (pytester.path / "golden").exists()


# --- item 12: datasets with missing values --------------------------------------------------------------------------


def test_a_csv_row_missing_a_column_is_an_error_naming_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    path.write_text('id,text,segment\n1,"My order, late",pro\n2,refund please\n3,,free\n', encoding="utf-8")
    with pytest.raises(BehaviorConfigError) as exc:
        resolve_inputs(path, n=None, seed=0)
    message = str(exc.value)
    assert f"{path}:3" in message and "data row 2" in message and "column 'segment'" in message


def test_a_csv_row_with_more_cells_than_the_header_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    path.write_text("id,text\n1,hello, world\n", encoding="utf-8")
    with pytest.raises(BehaviorConfigError, match=r"tickets.csv:2: data row 1 has 3 cells but the header names 2"):
        resolve_inputs(path, n=None, seed=0)


def test_an_empty_csv_cell_is_an_empty_value_and_quoted_newlines_survive(tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    path.write_text('id,text,note\n1,"line one\nline two",\n2,b,x\n', encoding="utf-8")
    items = resolve_inputs(path, n=None, seed=0)
    assert items[0].value == {"id": "1", "text": "line one\nline two", "note": ""}
    assert render_prompt("{text}|{note}|", items[0]) == "line one\nline two||"


def test_a_csv_missing_value_never_becomes_the_text_none_in_a_prompt(pytester: pytest.Pytester, sim_calls) -> None:
    sim_conftest(pytester)
    (pytester.path / "tickets.csv").write_text("id,customer,text\n1,ann,late order\n2,bob\n", encoding="utf-8")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.refusal_bound(max_rate=0.5)
        def test_tickets(behavior):
            behavior.sample("tickets.csv", prompt="{customer} writes: {text}")
        """
    )
    result = pytester.runpytest("--behavior-update")
    assert result.parseoutcomes().get("passed", 0) == 0
    result.stdout.fnmatch_lines(["*tickets.csv:3: data row 2 has no value for column 'text'*"])
    assert sim_calls.served_calls("bot") == 0
    assert not list(pytester.path.rglob("golden/**/*.json"))


def test_a_jsonl_line_missing_a_template_field_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "tickets.jsonl"
    path.write_text('{"id": "a", "text": "hi"}\n\n{"id": "b", "txt": "typo"}\n', encoding="utf-8")
    items = resolve_inputs(path, n=None, seed=0)
    assert render_prompt("Q: {text}", items[0]) == "Q: hi"
    with pytest.raises(BehaviorConfigError) as exc:
        render_prompt("Q: {text}", items[1])
    assert "needs field 'text'" in str(exc.value) and f"{path}:3" in str(exc.value)


# --- item 14: huge outputs ------------------------------------------------------------------------------------------


def test_the_refusal_detector_reads_a_bounded_window_of_a_huge_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the detector's text work runs on is bounded whatever the answer's length, so its cost is too (the
    timings are `benchmarks/detector_scaling.py`'s: a timed assertion here would flake on a busy machine)."""
    from pytest_behavior.properties import refusal
    from pytest_behavior.spec.output import READ_HEAD, READ_TAIL

    seen: list[int] = []
    normalize = refusal._normalize

    def counting(text: str) -> str:
        seen.append(len(text))
        return normalize(text)

    monkeypatch.setattr(refusal, "_normalize", counting)
    labels = {
        words: classify_refusal("I can help with that. " + "word " * words) for words in (75_000, 300_000, 1_200_000)
    }
    assert set(labels.values()) == {"comply"}
    assert len(seen) == 3 and max(seen) <= READ_HEAD + READ_TAIL + 1, seen  # + the newline joining head and tail


def test_the_refusal_detector_still_reads_how_a_huge_answer_opens() -> None:
    body = "Here is one more step of the plan. " * 40_000
    assert classify_refusal("I'm sorry, but I can't help with that. " + body) != "comply"
    assert classify_refusal(body) == "comply"


HUGE_PROJECT = bundle_conftest(
    'Bundle.from_callable(app, version="1")',
    header="""
WORDS = 300_000

def app(text):
    return f"Answer to {text}: " + "word " * WORDS
""",
)


def test_twenty_huge_outputs_make_a_small_golden_file_judged_on_full_lengths(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(HUGE_PROJECT)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.refusal_bound(max_rate=0.5)
        @pytest.mark.length_distribution(max_ratio=1.05, min_ratio=0.95)
        def test_huge(behavior):
            behavior.sample([f"q{i}" for i in range(20)])
        """
    )
    result = pytester.runpytest("--behavior-update", "--behavior-cache=off")
    result.assert_outcomes(passed=1)
    (golden,) = list(pytester.path.rglob("golden/**/*.json"))
    assert golden.stat().st_size < 2_000_000, golden.stat().st_size  # 30 MB before
    full = "Answer to q0: " + "word " * 300_000
    record = json.loads(golden.read_text(encoding="utf-8"))
    (stored,) = [o for s in record["samples"].values() for o in s["outputs"] if o["text"].startswith("Answer to q0:")]
    assert stored["truncated"]["chars"] == len(full) and stored["truncated"]["words"] == len(full.split())
    assert stored["truncated"]["sha256"] == hashlib.sha256(full.encode()).hexdigest()
    assert "characters not stored in this golden file" in stored["text"] and len(stored["text"]) < 21_000
    assert stored["text"].startswith(full[:15_000]) and stored["text"].endswith(full[-5_000:])
    # read back as the baseline, lengths are the recorded full lengths: an unchanged app is x1.00, not x0.01
    result = pytester.runpytest("--behavior-baseline", "--behavior-cache=off")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*length (words)*x1.00*PASS*", "*refusal rate*0.0% -> 0.0%*PASS*"])


def test_the_stored_size_is_configurable_and_zero_keeps_outputs_whole(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(HUGE_PROJECT.replace("WORDS = 300_000", "WORDS = 3_000"))
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.refusal_bound(max_rate=0.5)
        def test_big(behavior):
            behavior.sample(["q0"])
        """
    )
    pytester.runpytest("--behavior-update", "--behavior-max-stored-chars=1000").assert_outcomes(passed=1)
    (golden,) = list(pytester.path.rglob("golden/**/*.json"))
    (output,) = next(iter(json.loads(golden.read_text(encoding="utf-8"))["samples"].values()))["outputs"]
    assert output["truncated"]["kept_head"] == 750 and output["truncated"]["kept_tail"] == 250
    pytester.runpytest("--behavior-update", "--behavior-max-stored-chars=0").assert_outcomes(passed=1)
    (output,) = next(iter(json.loads(golden.read_text(encoding="utf-8"))["samples"].values()))["outputs"]
    assert "truncated" not in output and len(output["text"]) == len("Answer to q0: ") + 5 * 3_000
    result = pytester.runpytest("--behavior-update", "--behavior-max-stored-chars=-1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--behavior-max-stored-chars must be 0*"])


# --- item 16: literal braces in a prompt template -------------------------------------------------------------------


def test_literal_json_braces_in_a_template_say_to_double_them(pytester: pytest.Pytester, sim_calls) -> None:
    sim_conftest(pytester)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.refusal_bound(max_rate=0.5)
        def test_json_prompt(behavior):
            behavior.sample([{"id": "1", "text": "late order"}],
                            prompt='Reply as JSON like {"summary": "..."} for: {text}')
        """
    )
    result = pytester.runpytest("--behavior-update")
    assert result.parseoutcomes().get("passed", 0) == 0
    result.stdout.fnmatch_lines(
        [  # pytest names the test above its error; the error says how to fix the template
            "_*test_json_prompt*_",
            "BehaviorConfigError: prompt template *has literal braces, read as a field named '\"summary\"'*"
            "write a literal brace twice, {{ and }}*",
        ]
    )
    assert sim_calls.served_calls("bot") == 0


# --- item 26: pytest-behavior power ---------------------------------------------------------------------------------


def power(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    # run outside the checkout, so the package found is the one on the path (installed, or PYTHONPATH's)
    return subprocess.run(
        [sys.executable, "-m", "pytest_behavior", "power", *argv], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def test_power_help_prints_a_single_percent_sign(tmp_path: Path) -> None:
    out = power(tmp_path, "--help")
    assert out.returncode == 0, out.stderr
    assert "80% power" in out.stdout and "%%" not in out.stdout


def test_power_accepts_a_base_rate_of_zero(tmp_path: Path) -> None:
    out = power(tmp_path, "--binary", "0.0", "0.03")
    assert out.returncode == 0, out.stderr
    assert "rate 0% -> 3%" in out.stdout
    # 0 -> 3%: every discordant pair goes ok -> bad; the mid-p McNemar test needs 4 of them (0.5^5 <= 0.05), and
    # Bin(n, 0.03) >= 4 with probability 0.8 needs n = 183
    assert "paired, arms independent (rho = 0)  183" in out.stdout
    detect = power(tmp_path, "--detect", "100", "--base", "0")
    assert detect.returncode == 0 and "(0% -> " in detect.stdout, detect.stderr


def test_a_stored_part_measures_as_the_full_output_in_every_unit() -> None:
    from pytest_behavior.properties.length import measure_length
    from pytest_behavior.spec.output import Output, capped_payload

    full = "Hello there, this is one sentence of a long answer. " * 4_000
    stored = Output.from_payload(capped_payload({"text": full}, max_chars=20_000))
    assert len(stored) < 21_000 and stored.truncated is not None
    assert measure_length(stored, "words") == measure_length(full, "words")
    assert measure_length(stored, "chars") == len(full)
    tokens = measure_length(full, "tokens")
    assert abs(measure_length(stored, "tokens") - tokens) <= 0.01 * tokens
