"""Intent classifier: a linear SVM, blended with multinomial naive Bayes for long posts, calibrated out of fold.

The SVM's softmax temperature and the share of naive Bayes in long posts are the settings most likely on
out-of-fold predictions of the training data: naive Bayes adds the evidence of every word in a long post, where
the SVM leans on a few strong n-grams (on short messages, SMP2017 among them, the blend did not help).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scipy import sparse

_TEMPERATURES = np.exp(np.linspace(np.log(0.02), np.log(5.0), 80))
CALIBRATION_FOLDS = 3  # out-of-fold scores for the settings; more folds cost training time, not calibration
NB_ALPHA = 0.03  # naive Bayes smoothing; the most likely out of fold of 0.03, 0.1 and 0.3 on our data
NB_WEIGHTS = tuple(round(w, 2) for w in np.arange(0.0, 0.65, 0.05))
LONG_CHARS = 20  # a message longer than this (after post normalisation) is read as a post
_ABSENT = -30.0  # log-probability of a class missing from a fold


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Row-wise softmax of ``scores / temperature``."""
    z = scores / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass
class LinearModel:
    """SVM weights (features x intents), biases and temperature; naive Bayes log-probabilities and its weight."""

    classes: list[str]
    coef_t: np.ndarray
    intercept: np.ndarray
    temperature: float
    nb_log_prob_t: np.ndarray
    nb_log_prior: np.ndarray
    nb_weight: float  # of naive Bayes in long posts; short messages are the SVM's alone

    def scores(self, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        """Raw SVM decision scores of one sparse vector."""
        return val @ self.coef_t[idx] + self.intercept

    def probabilities(self, idx: np.ndarray, val: np.ndarray, long: bool = False) -> np.ndarray:
        """Calibrated probabilities of one sparse vector (of a long post or not), in ``classes`` order."""
        svm = softmax(self.scores(idx, val), self.temperature)
        if not long or not self.nb_weight:
            return svm
        bayes = softmax(val @ self.nb_log_prob_t[idx] + self.nb_log_prior, 1.0)
        return (1 - self.nb_weight) * svm + self.nb_weight * bayes


def _fit_svm(x: sparse.csr_matrix, y: np.ndarray, n_classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.svm import LinearSVC

    present = np.unique(y)
    coef = np.zeros((n_classes, x.shape[1]), dtype=np.float32)
    intercept = np.full(n_classes, -10.0, dtype=np.float32)
    if len(present) == 1:
        intercept[present[0]] = 10.0
        return coef, intercept
    model = LinearSVC(C=1.5, random_state=seed, max_iter=5000).fit(x, y)
    rows = present if len(present) > 2 else present[1:]
    coef[rows] = model.coef_
    intercept[rows] = model.intercept_
    if len(present) == 2:
        coef[present[0]], intercept[present[0]] = -model.coef_[0], -model.intercept_[0]
    return coef, intercept


def _fit_nb(x: sparse.csr_matrix, y: np.ndarray, n_classes: int, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial naive Bayes log P(feature | intent) (intents x features) and log P(intent)."""
    counts = np.zeros((n_classes, x.shape[1]), dtype=np.float64)
    for c in np.unique(y):
        counts[c] = np.asarray(x[y == c].sum(axis=0)).ravel()
    present = counts.sum(axis=1) > 0
    smoothed = counts + alpha
    log_prob = np.log(smoothed / smoothed.sum(axis=1, keepdims=True))
    log_prob[~present] = _ABSENT
    prior = np.bincount(y, minlength=n_classes).astype(np.float64)
    log_prior = np.where(prior > 0, np.log(np.maximum(prior, 1) / max(len(y), 1)), _ABSENT)
    return log_prob.astype(np.float32), log_prior.astype(np.float32)


def _out_of_fold(x: sparse.csr_matrix, y: np.ndarray, n_classes: int,
                 seed: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Out-of-fold SVM scores and naive Bayes log-scores of every training row."""
    from sklearn.model_selection import StratifiedKFold

    folds = min(CALIBRATION_FOLDS, int(np.bincount(y).min(initial=len(y))) if len(y) else 0)
    if folds < 2:
        return None
    svm = np.zeros((len(y), n_classes), dtype=np.float64)
    bayes = np.zeros((len(y), n_classes), dtype=np.float64)
    for train, held in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
        coef, intercept = _fit_svm(x[train], y[train], n_classes, seed)
        svm[held] = x[held] @ coef.T + intercept
        log_prob, log_prior = _fit_nb(x[train], y[train], n_classes, NB_ALPHA)
        bayes[held] = x[held] @ log_prob.T + log_prior
    return svm, bayes


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature that minimises the negative log-likelihood of ``y``."""
    nll = [-np.log(softmax(scores, t)[np.arange(len(y)), y] + 1e-12).mean() for t in _TEMPERATURES]
    return float(_TEMPERATURES[int(np.argmin(nll))])


def choose_weight(svm: np.ndarray, bayes: np.ndarray, y: np.ndarray) -> float:
    """The naive Bayes weight whose blend gives these rows the highest mean log-likelihood."""
    rows = np.arange(len(y))
    likelihood = [np.log((1 - w) * svm[rows, y] + w * bayes[rows, y] + 1e-12).mean() for w in NB_WEIGHTS]
    return NB_WEIGHTS[int(np.argmax(likelihood))]


def train(x: sparse.csr_matrix, labels: list[str], lengths: list[int], seed: int) -> LinearModel:
    """Fit the classifier on the rows of ``x`` (texts of ``lengths``) and calibrate its confidence and blend."""
    classes = sorted(set(labels))
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[label] for label in labels])
    oof = _out_of_fold(x, y, len(classes), seed)
    temperature, weight = 0.3, 0.0
    long = np.array(lengths) > LONG_CHARS
    if oof is not None:
        temperature = fit_temperature(oof[0], y)
        if long.any():
            weight = choose_weight(softmax(oof[0][long], temperature), softmax(oof[1][long], 1.0), y[long])
    coef, intercept = _fit_svm(x, y, len(classes), seed)
    log_prob, log_prior = _fit_nb(x, y, len(classes), NB_ALPHA)
    return LinearModel(classes, np.ascontiguousarray(coef.T), intercept, temperature,
                       np.ascontiguousarray(log_prob.T), log_prior, weight)
