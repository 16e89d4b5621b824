"""Reading Rasa NLU YAML and TSV, and the errors that name file, line and problem."""
from __future__ import annotations

from pathlib import Path

import pytest

from nlu.training_data import NluDataError, load_path, load_tsv, load_yaml, parse_markup
from tests.nlu.conftest import FIXTURES


def write(tmp_path: Path, text: str, name: str = "nlu.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_markup_is_removed_and_entities_keep_offsets_and_values():
    text, entities = parse_markup('查[GD202611230001](ticket_id)和[座机]{"entity": "service_type", "value": "固话"}')
    assert text == "查GD202611230001和座机"
    assert [(e.entity, e.value, text[e.start:e.end]) for e in entities] == [
        ("ticket_id", "GD202611230001", "GD202611230001"), ("service_type", "固话", "座机")]


def test_short_value_syntax_is_understood():
    text, entities = parse_markup("服务[很好](rating:5)")
    assert text == "服务很好" and entities[0].value == "5" and entities[0].text == "很好"


def test_fixture_file_has_intents_synonyms_regexes_and_lookups():
    data = load_path(FIXTURES)
    assert "report_fault" in data.intents and "out_of_scope" in data.intents
    assert data.synonyms["数据专线"] == "专线"
    assert data.synonyms["gd 2026 1122 0003"] == "GD202611220003"  # from an annotation with a value
    assert "ticket_id" in data.regexes and "广州" in data.lookups["region"]


def test_test_subdirectory_is_not_training_data(tmp_path: Path):
    write(tmp_path, 'nlu:\n- intent: greet\n  examples: |\n    - 你好\n')
    (tmp_path / "test").mkdir()
    write(tmp_path / "test", 'nlu:\n- intent: thank\n  examples: |\n    - 谢谢\n')
    assert load_path(tmp_path).intents == ["greet"]


@pytest.mark.parametrize("content, line, problem", [
    ('nlu:\n- intent: greet\n  examples: |\n    - 你好\n   - bad: [\n', 5, "not valid YAML"),
    ('nlu:\n- intent: greet\n  examples: |\n    - 你好\n    没有横线\n', 5, "must start with '- '"),
    ('nlu:\n- intent: greet\n  examples: |\n    - 你好\n- intent: bye\n', 5, "has no 'examples:'"),
    ('nlu:\n- regex: ticket_id\n  examples: |\n    - GD(\\d{12}\n', 4, "bad pattern"),
    ('nlu:\n- greeting: x\n  examples: |\n    - 你好\n', 2, "exactly one of"),
    ('nlu: hello\n', 1, "must be a list"),
    ('nlu:\n- intent: greet\n  examples: |\n    - [你好]{"entity": }\n', 4, "not valid JSON"),
])
def test_malformed_yaml_names_file_line_and_problem(tmp_path: Path, content: str, line: int, problem: str):
    path = write(tmp_path, content)
    with pytest.raises(NluDataError) as caught:
        load_yaml(path)
    assert caught.value.path == str(path)
    assert caught.value.line == line
    assert problem in str(caught.value) and str(path) in str(caught.value)


def test_tsv_with_header_and_tabs_in_text(tmp_path: Path):
    path = write(tmp_path, "text\tintent\n打开微信\tapp\n\n今天\t天气\tweather\n", "d.tsv")
    data = load_tsv(path)
    assert [(e.text, e.intent) for e in data.examples] == [("打开微信", "app"), ("今天\t天气", "weather")]


def test_tsv_line_without_intent_is_an_error(tmp_path: Path):
    path = write(tmp_path, "打开微信\tapp\n只有文本\n", "d.tsv")
    with pytest.raises(NluDataError, match=r"d\.tsv:2: expected text<TAB>intent"):
        load_tsv(path)
