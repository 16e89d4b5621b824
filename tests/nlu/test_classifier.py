"""The classifier's blend: naive Bayes joins the SVM for long posts only, and the saved artefact keeps it."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlu import classifier
from nlu.model import TrainedModel


def test_the_blend_weight_is_the_one_that_makes_held_out_labels_most_likely():
    y = np.array([0, 1, 0, 1])
    svm = np.array([[0.4, 0.6], [0.6, 0.4], [0.5, 0.5], [0.5, 0.5]])   # wrong on the first two
    bayes = np.array([[0.9, 0.1], [0.1, 0.9], [0.9, 0.1], [0.1, 0.9]])  # right on all
    assert classifier.choose_weight(svm, bayes, y) == max(classifier.NB_WEIGHTS)
    assert classifier.choose_weight(bayes, svm, y) == 0.0


def test_short_messages_are_the_svms_alone_and_long_posts_blend(interpreter, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch):
    model = interpreter.model
    monkeypatch.setattr(model.classifier, "nb_weight", 0.5)  # the session's interpreter gets its own back
    idx, val = model.featurizer.vector("专线断了")
    svm = classifier.softmax(model.classifier.scores(idx, val), model.classifier.temperature)
    assert np.allclose(model.classifier.probabilities(idx, val, long=False), svm)
    blended = model.classifier.probabilities(idx, val, long=True)
    assert not np.allclose(blended, svm) and abs(blended.sum() - 1.0) < 1e-5
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = TrainedModel.load(path)
    assert loaded.classifier.nb_weight == 0.5
    assert np.allclose(loaded.classifier.probabilities(idx, val, long=True), blended)
