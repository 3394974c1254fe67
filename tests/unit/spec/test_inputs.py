from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_behavior.errors import BehaviorConfigError
from pytest_behavior.spec.inputs import Input, input_id, render_messages, render_prompt, resolve_inputs


def test_ids_are_content_hashes_unless_given() -> None:
    assert input_id("hello") == input_id("hello") != input_id("hello!")
    assert input_id({"id": 7, "text": "x"}) == "7"
    assert input_id({"text": "x", "b": 1}) == input_id({"b": 1, "text": "x"})


def test_datasets_in_jsonl_json_and_csv(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"id": "1", "text": "hi", "segment": "fr"}\n\n"plain"\n')
    (tmp_path / "a.json").write_text(json.dumps([{"id": "1", "text": "hi"}]))
    (tmp_path / "a.csv").write_text("id,text,segment\n1,hi,de\n2,yo,en\n")
    jsonl = resolve_inputs(tmp_path / "a.jsonl", n=None, seed=0)
    assert jsonl[0].id == "1" and jsonl[0].segment == "fr" and jsonl[1].value == "plain"
    assert resolve_inputs(str(tmp_path / "a.json"), n=None, seed=0)[0].value == {"id": "1", "text": "hi"}
    assert [i.segment for i in resolve_inputs(tmp_path / "a.csv", n=None, seed=0)] == ["de", "en"]


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ([], "got no inputs"),
        (["a", "a"], "share the id"),
        ([1], "must be a string or an object"),
        ("just one string", "single string"),
        ("missing.jsonl", "does not exist"),
    ],
)
def test_bad_inputs_are_clear_errors(inputs: object, message: str) -> None:
    with pytest.raises(BehaviorConfigError, match=message):
        resolve_inputs(inputs, n=None, seed=0)  # type: ignore[arg-type]


def test_a_missing_relative_dataset_names_where_it_was_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.jsonl").mkdir()
    with pytest.raises(BehaviorConfigError) as missing:
        resolve_inputs("sub/questions.jsonl", n=None, seed=0)
    assert str(tmp_path / "sub" / "questions.jsonl") in str(missing.value)
    assert "Path(__file__).with_name" in str(missing.value)
    with pytest.raises(BehaviorConfigError, match=r"data\.jsonl is a folder"):
        resolve_inputs(tmp_path / "data.jsonl", n=None, seed=0)


def test_bad_dataset_lines_name_the_line(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text('"ok"\n{broken\n')
    with pytest.raises(BehaviorConfigError, match=r"d.jsonl:2: invalid JSON"):
        resolve_inputs(tmp_path / "d.jsonl", n=None, seed=0)


def test_subset_is_seeded_stable_and_keeps_order() -> None:
    values = [f"q{i}" for i in range(100)]
    first = resolve_inputs(values, n=10, seed=3)
    assert [i.id for i in first] == [i.id for i in resolve_inputs(values, n=10, seed=3)]
    assert [i.id for i in first] != [i.id for i in resolve_inputs(values, n=10, seed=4)]
    order = [values.index(i.value) for i in first]
    assert order == sorted(order) and len(first) == 10


def test_prompt_rendering() -> None:
    item = Input(id="1", value={"text": "late order", "tier": "pro"})
    assert render_prompt("[{tier}] {text}", item) == "[pro] late order"
    assert render_prompt(None, item) == "late order"
    assert render_prompt("Q: {input}", Input(id="2", value="hi")) == "Q: hi"
    with pytest.raises(BehaviorConfigError, match="needs field 'name'"):
        render_prompt("{name}", item)
    with pytest.raises(BehaviorConfigError, match="not a valid format string"):
        render_prompt("{", item)
    with pytest.raises(BehaviorConfigError, match="without an 'input'"):
        render_prompt(None, Input(id="3", value={"body": "x"}))
    assert render_messages(system="S", template=None, item=Input(id="2", value="hi")) == [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "hi"},
    ]


def test_csv_cells_missing_or_extra_are_errors_and_an_empty_cell_is_a_value(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("id,text\n1,\n2\n")
    with pytest.raises(BehaviorConfigError, match=r"rows.csv:3: data row 2 has no value for column 'text'"):
        resolve_inputs(path, n=None, seed=0)
    path.write_text("id,text\n1,\n")
    assert resolve_inputs(path, n=None, seed=0)[0].value == {"id": "1", "text": ""}
    path.write_text("id,id\n1,2\n")
    with pytest.raises(BehaviorConfigError, match="names column 'id' twice"):
        resolve_inputs(path, n=None, seed=0)


def test_text_that_is_not_valid_unicode_is_named_before_any_call() -> None:
    from pytest_behavior.spec.inputs import render_messages

    [item] = resolve_inputs([{"id": "q1", "text": "fine here"}], n=None, seed=0)
    with pytest.raises(BehaviorConfigError, match=r"the prompt template holds '\\ud800' at character 4, a lone"):
        render_messages(system=None, template="Ask \ud800{text}", item=item)
    with pytest.raises(BehaviorConfigError, match=r"the system prompt holds"):
        render_messages(system="\udfff", template="{text}", item=item)
    with pytest.raises(BehaviorConfigError, match=r"input 'q1' \(inputs\[0\]\) contains a lone surrogate"):
        resolve_inputs([{"id": "q1", "text": "fine \ud83d here"}], n=None, seed=0)
    [fine] = resolve_inputs(["é 😀"], n=None, seed=0)
    assert render_messages(system="s", template=None, item=fine)[-1]["content"] == "é 😀"
