"""The shipped training data and its held-back test split stay apart: no test example is a near-copy of a training one."""
from __future__ import annotations

import difflib
import unicodedata
from pathlib import Path

from nlu.training_data import load_path

DATA = Path(__file__).resolve().parents[2] / "nlu" / "data"


def _bare(text: str) -> str:
    """Lower-case text without spaces and punctuation (symbols such as emoji stay)."""
    return "".join(ch for ch in text.lower() if unicodedata.category(ch)[0] not in "PZ")


def _near(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 0.3 * max(len(a), len(b)) + 2:
        return False
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.real_quick_ratio() >= 0.85 and matcher.quick_ratio() >= 0.85 and matcher.ratio() >= 0.85


def test_no_test_example_is_a_near_copy_of_a_training_example():
    train = {_bare(e.text) for e in load_path(DATA).examples}
    test = [e.text for e in load_path(DATA / "test").examples]
    copies = [text for text in test if any(_near(_bare(text), seen) for seen in train)]
    assert copies == []


def test_every_intent_has_examples_in_both_parts():
    train, test = load_path(DATA), load_path(DATA / "test")
    assert set(train.intents) == set(test.intents)
