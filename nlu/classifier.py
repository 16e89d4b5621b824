"""A linear intent classifier whose softmax temperature is fitted on out-of-fold scores (calibrated confidence)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scipy import sparse

_TEMPERATURES = np.exp(np.linspace(np.log(0.02), np.log(5.0), 80))
CALIBRATION_FOLDS = 3  # out-of-fold scores for the temperature; more folds cost training time, not calibration


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Row-wise softmax of ``scores / temperature``."""
    z = scores / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass
class LinearModel:
    """Weights (features x intents), biases and the calibrated temperature."""

    classes: list[str]
    coef_t: np.ndarray
    intercept: np.ndarray
    temperature: float

    def scores(self, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        """Raw decision scores of one sparse vector."""
        return val @ self.coef_t[idx] + self.intercept

    def probabilities(self, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of one sparse vector, in ``classes`` order."""
        return softmax(self.scores(idx, val), self.temperature)


def _fit_raw(x: sparse.csr_matrix, y: np.ndarray, n_classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
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


def _out_of_fold_scores(x: sparse.csr_matrix, y: np.ndarray, n_classes: int, seed: int) -> np.ndarray | None:
    from sklearn.model_selection import StratifiedKFold

    folds = min(CALIBRATION_FOLDS, int(np.bincount(y).min(initial=len(y))) if len(y) else 0)
    if folds < 2:
        return None
    scores = np.zeros((len(y), n_classes), dtype=np.float64)
    for train, held in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
        coef, intercept = _fit_raw(x[train], y[train], n_classes, seed)
        scores[held] = x[held] @ coef.T + intercept
    return scores


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature that minimises the negative log-likelihood of ``y``."""
    nll = [-np.log(softmax(scores, t)[np.arange(len(y)), y] + 1e-12).mean() for t in _TEMPERATURES]
    return float(_TEMPERATURES[int(np.argmin(nll))])


def train(x: sparse.csr_matrix, labels: list[str], seed: int) -> LinearModel:
    """Fit the classifier on the rows of ``x`` and calibrate its confidence."""
    classes = sorted(set(labels))
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[label] for label in labels])
    oof = _out_of_fold_scores(x, y, len(classes), seed)
    temperature = fit_temperature(oof, y) if oof is not None else 0.3
    coef, intercept = _fit_raw(x, y, len(classes), seed)
    return LinearModel(classes, np.ascontiguousarray(coef.T), intercept, temperature)
