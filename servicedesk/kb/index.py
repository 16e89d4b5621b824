"""Search index over articles: field-weighted BM25 on jieba tokens plus char n-gram similarity to rank, and a
calibrated probability that the top article is right, from signals that only grow as the match does."""
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
    # Logistic calibration with non-negative weights (so more matching words never lower the score), fitted by
    # `bench/kb_eval.py --calibrate` on held-out KB questions, the dev questions and the calibration negatives.
    calib_coverage: float = 2.631
    calib_ngram: float = 0.706
    calib_evidence: float = 2.949
    calib_margin: float = 5.284
    calib_bias: float = -2.524

    def z(self, s: "Signals") -> float:
        """The calibrated log-odds that the article with signals ``s`` is the right answer."""
        return (self.calib_coverage * s.coverage + self.calib_ngram * s.ngram + self.calib_evidence * s.evidence
                + self.calib_margin * s.margin + self.calib_bias)

    def score(self, s: "Signals") -> float:
        """The calibrated probability that the article with signals ``s`` is the right answer."""
        return 1.0 / (1.0 + math.exp(-self.z(s)))


@dataclass(frozen=True)
class Signals:
    """Why an article matches a query, each 0..1-ish and growing with the match."""

    coverage: float  # share of the query's content-word weight the article holds (title/questions count in full)
    ngram: float  # share of the article's best-matching title or question that the query contains (char n-grams)
    evidence: float  # matched content-word weight on an absolute scale: one weak word is little evidence
    margin: float  # evidence the top article holds that its closest rival lacks (all of it, when alone), 0..1


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


def _columns(m: sparse.csc_matrix, cols: Sequence[int]) -> np.ndarray:
    """The columns ``cols`` of ``m`` as a dense rows x len(cols) array (scipy's fancy indexing costs more than the
    search itself on short queries)."""
    out = np.zeros((m.shape[0], len(cols)))
    for j, c in enumerate(cols):
        start, end = m.indptr[c], m.indptr[c + 1]
        out[m.indices[start:end], j] = m.data[start:end]
    return out


def _matrix(docs: Sequence[Counter], vocab: _Vocab, width: int | None = None) -> sparse.csr_matrix:
    rows, cols, vals = vocab.rows(docs)
    shape = (len(docs), width or len(vocab.ids))
    return sparse.csr_matrix((vals, (rows, cols)), shape=shape)


class _NgramIndex:
    """Char n-grams of each article's title and questions: TF-IDF cosine (for ranking) and how much of the
    best-matching text the query contains (for the score); the max over an article's texts."""

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
        present = (tf > 0).astype(float) @ sparse.diags(self.idf)
        totals = np.asarray(present.sum(axis=1)).ravel()
        self.contained = sparse.csc_matrix(sparse.diags(1.0 / np.maximum(totals, 1e-12)) @ present)
        self.n_articles = len(texts_per_article)

    def similarity(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Per article: the best cosine and the best share of a text's n-gram weight found in ``text``."""
        cosine, contained = np.zeros(self.n_articles), np.zeros(self.n_articles)
        grams = Counter(char_ngrams(text))
        if not grams or not len(self.owner):
            return cosine, contained
        cols, weights, norm2 = [], [], 0.0
        for gram, tf in grams.items():
            col = self.vocab.ids.get(gram)
            w = (1.0 + math.log(tf)) * (self.idf[col] if col is not None else self.oov_idf)
            norm2 += w * w
            if col is not None:
                cols.append(col)
                weights.append(w)
        if not cols:
            return cosine, contained
        owners = self.owner[self.starts]
        cosine[owners] = np.maximum.reduceat(_columns(self.matrix, cols) @ np.asarray(weights) / math.sqrt(norm2),
                                             self.starts)
        contained[owners] = np.maximum.reduceat(_columns(self.contained, cols).sum(axis=1), self.starts)
        return cosine, contained


Ranked = tuple[Article, Signals, float]


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

    def _fields(self, a: Article) -> dict[str, Sequence[str]]:
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

    def _lexical(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per article: BM25, the share of the query's content-word weight it matches, and per query word the weight
        it matches (articles x words)."""
        unique = list(dict.fromkeys(terms))
        cols = [self._vocab.ids[t] for t in unique if t in self._vocab.ids]
        total = sum(self._idf[self._vocab.ids[t]] if t in self._vocab.ids else self._oov_idf for t in unique)
        if not cols:
            zeros = np.zeros(len(self.articles))
            return zeros, zeros, np.zeros((len(self.articles), 0))
        counts = Counter(terms)
        q = np.array([float(counts[t]) for t in unique if t in self._vocab.ids])
        bm25 = _columns(self._bm25, cols) @ q
        matched = _columns(self._cover, cols)
        return bm25, matched.sum(axis=1) / total, matched

    def search(self, query: object, thresholds: Thresholds, scope: Scope | None = None, limit: int = 3) -> SearchResult:
        """The best ``limit`` visible articles for ``query``; bad or empty queries abstain."""
        text, ranked = self.ranked(query, scope, limit)
        hits = tuple(Hit(article, round(self.weights.score(sig), 4), lexical, sig.ngram, sig.coverage, sig.margin)
                     for article, sig, lexical in ranked)
        return SearchResult(text, hits, decide([h.score for h in hits], thresholds))

    def ranked(self, query: object, scope: Scope | None = None, limit: int = 3) -> tuple[str, list[Ranked]]:
        """The cleaned query and the best ``limit`` visible articles with their signals and BM25, best first."""
        text = clean_query(query, self.max_query_chars)
        terms = self.tokenizer.tokens(text) if text else ()
        mask = self._masks.mask(scope or Scope())
        if not terms or not mask.any():
            return text, []
        bm25, coverage, matched = self._lexical(terms)
        cosine, contained = self._ngrams.similarity(text)
        top_bm25 = bm25[mask].max()
        rank = (1 - self.weights.rank_ngram) * bm25 / max(top_bm25, 1e-9) + self.weights.rank_ngram * cosine
        rank = np.where(mask & ((bm25 > 0) | (cosine > 0)), rank, -1.0)
        order = [int(i) for i in np.argsort(-rank, kind="stable")[: max(limit, 2)] if rank[i] >= 0]
        signals = [self._signals(i, coverage, contained, matched, mask) for i in order]
        return text, [(self.articles[i], sig, float(bm25[i])) for i, sig in zip(order, signals)][:limit]

    def _signals(self, i: int, coverage: np.ndarray, contained: np.ndarray, matched: np.ndarray,
                 mask: np.ndarray) -> Signals:
        """An article's signals, its margin being the evidence it holds that its closest visible rival lacks (all its
        evidence when nothing else matches), damped when the query holds little of the article's text; every hit gets
        one, so hits' scores compare; no added matching word can lower it."""
        rivals = mask.copy()
        rivals[i] = False
        lead = np.maximum(matched[i] - matched[rivals], 0.0).sum(axis=1)
        margin = _evidence(float(lead.min()) if len(lead) else float(matched[i].sum())) * math.sqrt(contained[i])
        return Signals(float(coverage[i]), float(contained[i]), _evidence(float(matched[i].sum())), margin)


TIE_MARGIN = 0.10  # log-odds by which the top hit must lead every other hit to be answered (chosen on dev, CV)


def log_odds(score: float) -> float:
    """The calibrated score back on the log-odds scale, where a lead means the same at 0.75 as at 0.95."""
    p = min(max(score, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def decide(scores: Sequence[float], thresholds: Thresholds, tie_margin: float = TIE_MARGIN) -> Decision:
    """From the hits' calibrated scores in rank order: answer when the top one clears the answer threshold and leads
    every runner-up by ``tie_margin`` in log-odds (nearly tied articles, or a runner-up scoring above it, are offered
    instead); suggest when the top one clears the suggest threshold or a runner-up the answer threshold; otherwise
    abstain."""
    if not scores:
        return Decision.ABSTAIN
    top, runner_up = scores[0], max(scores[1:], default=0.0)
    if top >= thresholds.answer and log_odds(top) - log_odds(runner_up) >= tie_margin:
        return Decision.ANSWER
    return Decision.SUGGEST if top >= thresholds.suggest or runner_up >= thresholds.answer else Decision.ABSTAIN


EVIDENCE_SCALE = 8.0  # matched IDF weight at which evidence is 1 - 1/e: about two specific words


def _evidence(matched: float) -> float:
    return 1.0 - math.exp(-matched / EVIDENCE_SCALE)
