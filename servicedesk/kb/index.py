"""Search index over articles: field-weighted BM25 on jieba tokens plus char n-gram similarity."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from scipy import sparse

from backend_client.kb.article import Article
from backend_client.kb.result import Decision, Hit, SearchResult, Thresholds
from servicedesk.kb.scope import Scope, ScopeMasks
from nlu.text.retrieval import MAX_QUERY_CHARS, Tokenizer, char_ngrams, clean_query, normalise, shared_tokenizer


@dataclass(frozen=True)
class Weights:
    """BM25 field weights and parameters, and how the signals combine into the calibrated score."""

    title: float = 3.0
    questions: float = 2.0
    tags: float = 1.5
    body: float = 1.0
    k1: float = 1.2
    b: float = 0.75
    body_coverage: float = 0.4
    rank_ngram: float = 0.5
    # Platt scaling fitted by `bench/kb_eval.py --calibrate` (held-out KB questions + dev negatives).
    calib_coverage: float = 0.835
    calib_ngram: float = -1.082
    calib_margin: float = 5.804
    calib_bias: float = -0.939


def _idf(df: np.ndarray, n: int) -> np.ndarray:
    return np.log(1.0 + (n - df + 0.5) / (df + 0.5))


class _Vocab:
    """Term -> column, growing while documents are added."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def rows(self, docs: Sequence[Counter]) -> tuple[list[int], list[int], list[float]]:
        rows, cols, vals = [], [], []
        for r, counts in enumerate(docs):
            for term, tf in counts.items():
                rows.append(r)
                cols.append(self.ids.setdefault(term, len(self.ids)))
                vals.append(float(tf))
        return rows, cols, vals


def _matrix(docs: Sequence[Counter], vocab: _Vocab, width: int | None = None) -> sparse.csr_matrix:
    rows, cols, vals = vocab.rows(docs)
    shape = (len(docs), width or len(vocab.ids))
    return sparse.csr_matrix((vals, (rows, cols)), shape=shape)


class _NgramIndex:
    """TF-IDF cosine between the query and each article's title and questions (max per article)."""

    def __init__(self, texts_per_article: Sequence[Sequence[str]]) -> None:
        keys = [Counter(char_ngrams(normalise(t))) for texts in texts_per_article for t in texts]  # like queries
        self.owner = np.repeat(np.arange(len(texts_per_article)), [len(t) for t in texts_per_article])
        self.starts = np.flatnonzero(np.r_[True, self.owner[1:] != self.owner[:-1]]) if len(self.owner) else self.owner
        self.vocab = _Vocab()
        tf = _matrix(keys, self.vocab)
        df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(float)
        self.idf = _idf(df, max(len(keys), 1))
        self.oov_idf = float(_idf(np.array([0.0]), max(len(keys), 1))[0])
        tf.data = 1.0 + np.log(tf.data)
        weighted = tf @ sparse.diags(self.idf)
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        self.matrix = sparse.csc_matrix(sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ weighted)
        self.n_articles = len(texts_per_article)

    def similarity(self, text: str) -> np.ndarray:
        out = np.zeros(self.n_articles)
        grams = Counter(char_ngrams(text))
        if not grams or not len(self.owner):
            return out
        cols, weights, norm2 = [], [], 0.0
        for gram, tf in grams.items():
            col = self.vocab.ids.get(gram)
            w = (1.0 + math.log(tf)) * (self.idf[col] if col is not None else self.oov_idf)
            norm2 += w * w
            if col is not None:
                cols.append(col)
                weights.append(w)
        if not cols:
            return out
        sims = self.matrix[:, cols] @ np.asarray(weights) / math.sqrt(norm2)
        out[self.owner[self.starts]] = np.maximum.reduceat(sims, self.starts)
        return out


class SearchIndex:
    """Ranks the articles a customer may see for a query and decides whether to answer."""

    def __init__(
        self,
        articles: Iterable[Article],
        user_dict: str | Path | None = None,
        *,
        weights: Weights = Weights(),
        max_query_chars: int = MAX_QUERY_CHARS,
        tokenizer: Tokenizer | None = None,
    ) -> None:
        self.articles = list(articles)
        self.weights = weights
        self.max_query_chars = max_query_chars
        self.tokenizer = tokenizer or shared_tokenizer(str(user_dict) if user_dict else None)
        self._masks = ScopeMasks(self.articles)
        self._build_lexical()
        self._ngrams = _NgramIndex([(a.title, *a.questions) for a in self.articles])

    def _fields(self, a: Article) -> dict[str, list[str]]:
        tok = self.tokenizer.tokens
        return {
            "title": tok(a.title),
            "questions": [t for q in a.questions for t in tok(q)],
            "tags": [t for tag in (*a.tags, *a.service_types) for t in tok(tag)],
            "body": tok(a.body),
        }

    def _build_lexical(self) -> None:
        w = self.weights
        fields = [self._fields(a) for a in self.articles]
        self._vocab = _Vocab()
        for name in ("title", "questions", "tags", "body"):
            self._vocab.rows([Counter(f[name]) for f in fields])
        width = max(len(self._vocab.ids), 1)
        n = max(len(self.articles), 1)
        bm25 = sparse.csr_matrix((len(self.articles), width))
        strong = sparse.csr_matrix((len(self.articles), width))
        present = sparse.csr_matrix((len(self.articles), width))
        for name in ("title", "questions", "tags", "body"):
            tf = _matrix([Counter(f[name]) for f in fields], self._vocab, width)
            lengths = np.asarray(tf.sum(axis=1)).ravel()
            norm = w.k1 * (1 - w.b + w.b * lengths / max(lengths.mean() if len(lengths) else 0.0, 1e-9))
            sat = tf.copy()
            sat.data = sat.data * (w.k1 + 1) / (sat.data + np.repeat(norm, np.diff(tf.indptr)))
            bm25 = bm25 + getattr(w, name) * sat
            binary = (tf > 0).astype(float)
            present = present.maximum(binary)
            if name != "body":
                strong = strong.maximum(binary)
        df = np.bincount(present.indices, minlength=width).astype(float)
        self._idf = _idf(df, n)
        self._oov_idf = float(_idf(np.array([0.0]), n)[0])
        self._bm25 = sparse.csc_matrix(bm25 @ sparse.diags(self._idf))
        cover = strong + w.body_coverage * (present - strong)
        self._cover = sparse.csc_matrix(cover @ sparse.diags(self._idf))

    def _lexical(self, terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
        unique = list(dict.fromkeys(terms))
        cols = [self._vocab.ids[t] for t in unique if t in self._vocab.ids]
        total = sum(self._idf[self._vocab.ids[t]] if t in self._vocab.ids else self._oov_idf for t in unique)
        if not cols:
            zeros = np.zeros(len(self.articles))
            return zeros, zeros
        counts = Counter(terms)
        q = np.array([float(counts[t]) for t in unique if t in self._vocab.ids])
        bm25 = self._bm25[:, cols] @ q
        coverage = np.asarray(self._cover[:, cols].sum(axis=1)).ravel() / total
        return bm25, coverage

    def _calibrate(self, coverage: float, ngram: float, margin: float) -> float:
        w = self.weights
        z = w.calib_coverage * coverage + w.calib_ngram * ngram + w.calib_margin * coverage * margin + w.calib_bias
        return 1.0 / (1.0 + math.exp(-z))

    def search(self, query: object, thresholds: Thresholds, scope: Scope | None = None, limit: int = 3) -> SearchResult:
        """The best ``limit`` visible articles for ``query``; bad or empty queries abstain."""
        text = clean_query(query, self.max_query_chars)
        terms = self.tokenizer.tokens(text) if text else []
        mask = self._masks.mask(scope or Scope())
        if not terms or not mask.any():
            return SearchResult(text, (), Decision.ABSTAIN)
        bm25, coverage = self._lexical(terms)
        ngram = self._ngrams.similarity(text)
        top_bm25 = bm25[mask].max()
        rank = (1 - self.weights.rank_ngram) * bm25 / max(top_bm25, 1e-9) + self.weights.rank_ngram * ngram
        rank = np.where(mask & ((bm25 > 0) | (ngram > 0)), rank, -1.0)
        order = [i for i in np.argsort(-rank, kind="stable")[: max(limit, 2)] if rank[i] >= 0]
        hits = self._hits(order, rank, bm25, ngram, coverage)[:limit]
        decision = thresholds.decide(hits[0].score) if hits else Decision.ABSTAIN
        return SearchResult(text, tuple(hits), decision)

    def _hits(self, order: list[int], rank: np.ndarray, bm25: np.ndarray, ngram: np.ndarray, coverage: np.ndarray) -> list[Hit]:
        hits = []
        for pos, i in enumerate(order):
            nxt = rank[order[pos + 1]] if pos + 1 < len(order) else 0.0
            margin = float((rank[i] - nxt) / max(rank[i], 1e-9)) if pos == 0 else 0.0
            score = self._calibrate(float(coverage[i]), float(ngram[i]), float(margin))
            hits.append(Hit(self.articles[i], round(score, 4), float(bm25[i]), float(ngram[i]), float(coverage[i]), margin))
        return hits
