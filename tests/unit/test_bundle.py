from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_behavior import Bundle
from pytest_behavior.errors import BehaviorConfigError

BASE = dict(
    model="openai/gpt-4o-mini",
    system="Be brief.",
    prompt="Q: {input}",
    temperature=0.2,
    tools=[{"type": "function", "function": {"name": "lookup"}}],
    response_format={"type": "json_object"},
)


def test_fingerprint_is_stable_and_ignores_label_credentials_and_operational_params() -> None:
    a = Bundle(**BASE, label="a")
    b = Bundle(
        **BASE,
        label="b",
        api_key="fake-credential-one",
        timeout=30,
        num_retries=5,
        extra_headers={"Authorization": "Bearer x", "anthropic-beta": "tools"},
    )
    c = Bundle(**BASE, label="c", api_key="fake-credential-two", extra_headers={"anthropic-beta": "tools"})
    assert a.fingerprint == Bundle(**BASE).fingerprint
    assert b.fingerprint == c.fingerprint != a.fingerprint  # the non-secret header is behavior


@pytest.mark.parametrize(
    "change",
    [
        {"model": "openai/gpt-4.1"},
        {"system": "Be verbose."},
        {"prompt": "Question: {input}"},
        {"temperature": 0.7},
        {"tools": []},
        {"response_format": None},
        {"top_p": 0.5},
        {"api_base": "http://x"},
        {"max_tokens": 16},
        {"max_completion_tokens": 16},
    ],
)
def test_fingerprint_changes_with_anything_that_determines_behavior(change: dict) -> None:
    assert Bundle(**{**BASE, **change}).fingerprint != Bundle(**BASE).fingerprint


def test_credentials_never_appear_in_description_or_repr() -> None:
    bundle = Bundle(
        **BASE,
        api_key="fake-credential-secret-value",
        aws_secret_access_key="aws-secret",
        api_base="https://user:pw@proxy.example/v1?key=abc&region=eu",
    )
    text = json.dumps(bundle.describe()) + repr(bundle)
    for secret in ("fake-credential-secret-value", "aws-secret", "pw@", "abc"):
        assert secret not in text
    assert bundle.describe()["params"]["api_base"] == "https://proxy.example/v1?key=%3Credacted%3E&region=eu"
    assert bundle.completion_kwargs()["api_key"] == "fake-credential-secret-value"  # still passed to litellm


def test_bundle_is_frozen_and_hashable() -> None:
    bundle = Bundle(**BASE)
    with pytest.raises(AttributeError):
        bundle.model = "other"  # type: ignore[misc]
    assert len({bundle, Bundle(**BASE)}) == 1


def test_model_is_required() -> None:
    with pytest.raises(TypeError, match="litellm model string"):
        Bundle()


def test_default_label_drops_simulated_knobs() -> None:
    assert Bundle(model="sim/bot?seed=1").label == "sim/bot"


def test_from_records_reads_ids_repeats_and_segments(tmp_path: Path) -> None:
    path = tmp_path / "logs.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"input": "hi", "output": "a"},
                {"input": "hi", "output": "b"},
                {"id": "x", "input": {"text": "t"}, "output": {"k": 1}, "segment": "pro"},
                {"input": "yo", "output": "c", "repeat": 3},
            ]
        )
        + "\n\n"
    )
    bundle = Bundle.from_records(path)
    records = bundle.records
    assert records is not None and bundle.kind == "records" and bundle.label == "logs"
    hi = next(i for i in records.inputs if i.value == "hi")
    assert records.output(hi.id, 0) == "a" and records.output(hi.id, 1) == "b"
    assert records.output("x", 0) == '{"k": 1}'
    assert next(i for i in records.inputs if i.id == "x").segment == "pro"
    assert records.output(next(i.id for i in records.inputs if i.value == "yo"), 3) == "c"
    assert records.output("missing", 0) is None
    before = bundle.fingerprint
    path.write_text(path.read_text() + json.dumps({"input": "new", "output": "d"}) + "\n")
    assert Bundle.from_records(path).fingerprint != before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{bad json", "logs.jsonl:1: invalid JSON"),
        ('{"input": "a"}', "needs 'input' and 'output'"),
        ('{"input": "a", "output": "x", "repeat": 0}\n{"input": "a", "output": "y", "repeat": 0}', "recorded twice"),
        ("", "holds no records"),
    ],
)
def test_from_records_errors_name_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "logs.jsonl"
    path.write_text(content)
    with pytest.raises(BehaviorConfigError, match=message):
        Bundle.from_records(path)


def test_from_callable_fingerprint_follows_version_or_source() -> None:
    def app(text: str) -> str:
        return text.upper()

    def other_app(text: str) -> str:
        return text.lower()

    assert Bundle.from_callable(app).fingerprint != Bundle.from_callable(other_app).fingerprint
    assert Bundle.from_callable(app, version="1").fingerprint != Bundle.from_callable(app, version="2").fingerprint
    assert Bundle.from_callable(app).label.endswith("app")
    with pytest.raises(TypeError):
        Bundle.from_callable("not callable")  # type: ignore[arg-type]


def test_nested_credentials_are_removed_at_any_depth() -> None:
    bundle = Bundle(
        model="openai/x",
        extra_body={"api_key": "fake-credential-nested", "options": [{"token": "t0k", "k": 1}]},
        extra_headers={"x-api-key": "hdr-secret", "anthropic-beta": "b"},
    )
    text = json.dumps(bundle.describe())
    assert "fake-credential-nested" not in text and "t0k" not in text and "hdr-secret" not in text
    assert bundle.describe()["params"]["extra_body"] == {"options": [{"k": 1}]}


def test_unknown_keywords_are_errors_with_a_suggestion_and_litellm_params_passes_anything() -> None:
    with pytest.raises(TypeError, match=r"'temprature' — did you mean 'temperature'\? .* litellm_params=\{\.\.\.\}"):
        Bundle(model="openai/x", temprature=0.2)
    bundle = Bundle(model="openai/x", max_tokens=5, litellm_params={"top_k": 2, "vendor_option": {"a": 1}})
    assert bundle.completion_kwargs() == {"max_tokens": 5, "top_k": 2, "vendor_option": {"a": 1}}
    assert bundle.describe()["params"]["vendor_option"] == {"a": 1}


def test_example_bundles_keep_the_fingerprints_their_golden_files_recorded() -> None:
    """The keyword check must not change what existing bundles hash to (golden files would stop matching)."""
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    recorded = {}
    for path in (root / "golden" / "examples").rglob("*.json"):
        bundle = json.loads(path.read_text(encoding="utf-8"))["bundle"]
        recorded[bundle["label"]] = bundle["fingerprint"]
    built = {}
    for conftest in sorted((root / "examples").glob("*/conftest.py")):
        spec = importlib.util.spec_from_file_location(f"_example_{conftest.parent.name}", conftest)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for value in vars(module).values():
            if isinstance(value, dict):
                built.update({b.label: b.fingerprint for b in value.values() if isinstance(b, Bundle)})
    assert recorded and all(built[label] == fingerprint for label, fingerprint in recorded.items())


def test_pyproject_tables_are_checked_naming_table_and_key(tmp_path: Path) -> None:
    from pytest_behavior.config.settings import bundle_from_table

    with pytest.raises(
        BehaviorConfigError,
        match=r"\[tool.pytest_behavior.bundles.next\] in pyproject.toml got an "
        r"unknown key 'sytem' — did you mean 'system'\? Other litellm options go in a "
        r"\[tool.pytest_behavior.bundles.next.litellm_params\] table",
    ):
        bundle_from_table("next", {"model": "sim/bot", "sytem": "x"}, rootdir=tmp_path)
    with pytest.raises(BehaviorConfigError, match="a records bundle takes only 'records' and 'label'"):
        bundle_from_table("shadow", {"records": "x.jsonl", "temperature": 0.1}, rootdir=tmp_path)
    table = {"model": "sim/bot", "temperature": 0.2, "max_tokens": 9, "litellm_params": {"top_k": 4}}
    assert bundle_from_table("ok", table, rootdir=tmp_path).completion_kwargs() == {
        "max_tokens": 9,
        "top_k": 4,
        "temperature": 0.2,
    }
