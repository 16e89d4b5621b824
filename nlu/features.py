"""Sparse TF-IDF features from character n-grams and jieba word n-grams, identical at training and parse time."""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from nlu.text.posts import normalise_post
from nlu.text.segment import JiebaTokenizer

if TYPE_CHECKING:
    from scipy import sparse

_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class FeatureParams:
    """Which n-grams make the features; saved with the model."""

    char_min: int = 1
    char_max: int = 2
    word_max: int = 2
    word_weight: float = 0.55
    subword_weight: float = 0.7


def _shape(post: str) -> str:
    """Lower-case, digit runs collapsed (numbers carry shape, not identity), spaces collapsed."""
    text = _DIGITS.sub(lambda m: "0" * min(len(m.group()), 4), post.lower())
    return _SPACES.sub(" ", text).strip()


def analyze(post: str, tokenizer: JiebaTokenizer, params: FeatureParams) -> list[list[str]]:
    """The feature strings of a normalised post per block: character n-grams, word n-grams, search-mode sub-words."""
    shaped = _shape(post)
    chars = [shaped[i:i + n] for n in range(params.char_min, params.char_max + 1)
             for i in range(len(shaped) - n + 1)]
    tokens = tokenizer.tokenize(shaped)
    words = ["<s>", *tokens, "</s>"]
    grams = [" ".join(words[i:i + n]) for n in range(1, params.word_max + 1) for i in range(len(words) - n + 1)]
    subwords = ["s:" + w for w in tokenizer.search_words(tokens)]
    return [chars, ["w:" + g for g in grams if g not in ("<s>", "</s>")], subwords]


class Featurizer:
    """Maps text to an L2-normalised TF-IDF vector per block, blocks concatenated."""

    def __init__(self, tokenizer: JiebaTokenizer, params: FeatureParams, vocab: dict[str, int], idf: np.ndarray):
        self.tokenizer, self.params, self.vocab, self.idf = tokenizer, params, vocab, idf

    @classmethod
    def fit_matrix(cls, texts: list[str], tokenizer: JiebaTokenizer,
                   params: FeatureParams) -> tuple["Featurizer", sparse.csr_matrix]:
        """Fit on ``texts`` and return their feature matrix too, segmenting each text once."""
        analyses = [analyze(normalise_post(text), tokenizer, params) for text in texts]
        featurizer = cls._fit(analyses, tokenizer, params)
        return featurizer, featurizer._matrix([featurizer._vector(blocks) for blocks in analyses])

    @classmethod
    def _fit(cls, analyses: list[list[list[str]]], tokenizer: JiebaTokenizer, params: FeatureParams) -> "Featurizer":
        df: Counter[str] = Counter()
        for blocks in analyses:
            df.update({gram for block in blocks for gram in block})
        names = sorted(df)
        n = len(analyses)
        idf = np.array([math.log((1 + n) / (1 + df[f])) + 1 for f in names], dtype=np.float32)
        return cls(tokenizer, params, {f: i for i, f in enumerate(names)}, idf)

    @property
    def size(self) -> int:
        """Number of features."""
        return len(self.vocab)

    def vector(self, text: str, *, normalised: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Indices and values of the non-zero features of ``text`` (``normalised``: already a normalise_post result)."""
        return self._vector(analyze(text if normalised else normalise_post(text), self.tokenizer, self.params))

    def _vector(self, blocks: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        weights = (1.0, self.params.word_weight, self.params.subword_weight)
        parts = [self._block(block, w) for block, w in zip(blocks, weights)]
        return np.concatenate([i for i, _ in parts]), np.concatenate([v for _, v in parts])

    def _block(self, grams: list[str], weight: float) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(self.vocab[g] for g in grams if g in self.vocab)
        if not counts:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
        val = tf * self.idf[idx]
        return idx, (val * (weight / np.linalg.norm(val))).astype(np.float32)

    def _matrix(self, rows: list[tuple[np.ndarray, np.ndarray]]) -> sparse.csr_matrix:
        """Rows of (indices, values) as a CSR matrix; scipy is only needed for training."""
        from scipy import sparse

        indptr = np.cumsum([0] + [len(i) for i, _ in rows])
        indices = np.concatenate([i for i, _ in rows]) if rows else np.empty(0, dtype=np.int64)
        data = np.concatenate([v for _, v in rows]) if rows else np.empty(0, dtype=np.float32)
        return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), self.size))
