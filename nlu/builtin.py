"""The in-process NLU engine: trains from Rasa YAML when the data changed, otherwise loads the saved model."""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

import numpy as np

from nlu.classifier import LONG_CHARS
from nlu.model import TrainedModel, code_version
from nlu.reading import read
from nlu.text.clean import clean, has_content
from nlu.text.segment import read_user_dict
from nlu.training_data import TrainingData, data_files, load_path
from nlu.types import IntentScore, Parse

log = logging.getLogger(__name__)

OUT_OF_SCOPE = "out_of_scope"
DICT_FILE = "dict.txt"


def data_fingerprint(data_dir: Path, seed: int) -> str:
    """Hash of the training files, the user dictionary, the seed and the code version."""
    digest = hashlib.sha256(f"{code_version()}|{seed}".encode())
    for path in data_files(data_dir) + [data_dir / DICT_FILE]:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def train_model(data: TrainingData, data_dir: Path | None, seed: int) -> TrainedModel:
    """Train on ``data`` with the user dictionary of ``data_dir`` (if any)."""
    entries = read_user_dict(data_dir / DICT_FILE) if data_dir is not None else []
    return TrainedModel.train(data, entries, seed)


class BuiltinInterpreter:
    """Parses text with a TrainedModel and applies the fallback threshold and ambiguity margin."""

    def __init__(self, model: TrainedModel, *, threshold: float, ambiguity_margin: float, timezone: str,
                 clock: Callable[[], datetime] | None = None):
        self.model, self.threshold, self.ambiguity_margin = model, threshold, ambiguity_margin
        self.zone = ZoneInfo(timezone)
        self._clock = clock or (lambda: datetime.now(self.zone))

    @classmethod
    def load_or_train(cls, data_dir: Path, model_dir: Path, *, threshold: float, ambiguity_margin: float,
                      timezone: str, seed: int = 42) -> "BuiltinInterpreter":
        """Load the artefact for the current data and code, training (and saving) it first if missing."""
        path = model_dir / f"nlu-{data_fingerprint(data_dir, seed)}.npz"
        if path.is_file():
            log.info("nlu.model.loaded path=%s", path)
            model = TrainedModel.load(path)
        else:
            model = train_model(load_path(data_dir), data_dir, seed)
            model.save(path)
            for stale in model_dir.glob("nlu-*.npz"):
                if stale != path:
                    stale.unlink(missing_ok=True)
            log.info("nlu.model.trained path=%s intents=%d", path, len(model.classifier.classes))
        return cls(model, threshold=threshold, ambiguity_margin=ambiguity_margin, timezone=timezone)

    @property
    def intents(self) -> list[str]:
        """The intents the model knows."""
        return list(self.model.classifier.classes)

    async def parse(self, text: str) -> Parse:
        """Interpret ``text`` (CPU-bound and sub-millisecond, so it runs inline)."""
        return self.parse_sync(text)

    def parse_sync(self, text: str, *, now: datetime | None = None) -> Parse:
        """Interpret ``text``; ``now`` anchors relative dates (defaults to the clock in the configured zone)."""
        text = text if isinstance(text, str) else ""
        cleaned = clean(text)
        now = now or self._clock()
        now = now.replace(tzinfo=self.zone) if now.tzinfo is None else now.astimezone(self.zone)
        found = tuple(self.model.extractor.extract(cleaned, now)) if has_content(cleaned) else ()
        classes = self.model.classifier.classes
        reading = read(cleaned, self._probabilities, classes) if has_content(cleaned) else None
        if reading is None:
            return self._empty(text, found)
        order = reading.probs.argsort()[::-1]
        ranking = tuple(IntentScore(classes[i], round(float(reading.probs[i]), 6)) for i in order)
        top = ranking[0]
        second = ranking[1].confidence if len(ranking) > 1 else 0.0
        fallback = top.confidence < self.threshold or top.confidence - second < self.ambiguity_margin
        return Parse(text, top.name, top.confidence, ranking, found, fallback, flags=reading.flags)

    def _probabilities(self, post: str) -> np.ndarray | None:
        """Calibrated intent probabilities of a normalised post, or None when none of its features is known."""
        idx, val = self.model.featurizer.vector(post, normalised=True)
        return self.model.classifier.probabilities(idx, val, len(post) > LONG_CHARS) if len(idx) else None

    def _empty(self, text: str, found: tuple) -> Parse:
        """Nothing the classifier knows: out_of_scope when trained, else the first intent; always a fallback."""
        classes = self.model.classifier.classes
        intent = OUT_OF_SCOPE if OUT_OF_SCOPE in classes else classes[0]
        return Parse(text, intent, 0.0, (IntentScore(intent, 0.0),), found, True, {"reason": "no_known_features"})
