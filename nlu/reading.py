"""Reads a long post: picks the intent the customer needs acted on, keeps the secondary signals as flags."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from nlu.clauses import clauses
from nlu.signals import COMPLAINT, signals
from nlu.text.posts import normalise_post

# Intents that ask for nothing; in a post with a request they give way to it (你好，专线断了 / 电话号码加一句诉求).
SOCIAL = frozenset({"greet", "goodbye", "affirm", "deny", "provide_info"})
CLAUSE_CONFIDENT = 0.5   # a clause this sure of an intent counts as saying it
COMPLAINT_SHARE = 0.3    # a post this likely to be a complaint carries the complaint flag whatever its intent


@dataclass(frozen=True)
class Reading:
    """The post's intent probabilities (``classes`` order) and its flags."""

    probs: np.ndarray
    flags: tuple[str, ...]


def read(text: str, probabilities: Callable[[str], np.ndarray | None], classes: list[str]) -> Reading | None:
    """Score the whole post (and its clauses when it reads as small talk); None when no feature is known.

    ``probabilities`` is given normalised text (the post or one of its clauses), so nothing is normalised twice.
    """
    post = normalise_post(text)
    whole = probabilities(post)
    if whole is None:
        return None
    # The whole post decides (mixing in the clauses' scores lost accuracy on real posts); clauses are read only
    # to find a request behind small talk, which keeps long posts cheap to parse.
    return Reading(_actionable(whole, post, probabilities, classes), _flags(post, whole, classes))


def _actionable(probs: np.ndarray, post: str, probabilities: Callable[[str], np.ndarray | None],
                classes: list[str]) -> np.ndarray:
    """When the post reads as small talk but one clause clearly asks for something, that request leads."""
    pieces = clauses(post)
    if classes[int(probs.argmax())] not in SOCIAL or len(pieces) < 2:
        return probs
    parts = [p for p in (probabilities(c) for c in pieces) if p is not None]
    asks = [(p.max(), int(p.argmax())) for p in parts if classes[int(p.argmax())] not in SOCIAL]
    if not asks or max(asks)[0] < CLAUSE_CONFIDENT:
        return probs
    best = max(asks)[1]
    swapped = probs.copy()
    top = int(probs.argmax())
    swapped[best], swapped[top] = probs[top], probs[best]
    return swapped


def _flags(post: str, probs: np.ndarray, classes: list[str]) -> tuple[str, ...]:
    """The lexicon's signals, and a complaint the classifier reads as a strong runner-up."""
    found = list(signals(post))
    if COMPLAINT not in found and COMPLAINT in classes and probs[classes.index(COMPLAINT)] >= COMPLAINT_SHARE:
        found.insert(0, COMPLAINT)
    return tuple(found)
