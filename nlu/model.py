"""The trained engine (tokenizer, features, classifier, extractors) and its versioned on-disk artefact."""
from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from nlu import classifier, entities, features, normalizers, tagger, training_data, zh_datetime
from nlu.text import clean as textnorm, posts, segment as tokenizer
from nlu.classifier import LinearModel
from nlu.entities import EntityExtractor
from nlu.features import FeatureParams, Featurizer
from nlu.text.posts import normalise_post
from nlu.text.segment import JiebaTokenizer
from nlu.training_data import TrainingData

FORMAT = 2
_CODE_MODULES = (classifier, entities, features, normalizers, posts, tagger, textnorm, tokenizer, training_data,
                 zh_datetime)


def code_version() -> str:
    """Fingerprint of the code that shapes a model; a change invalidates saved artefacts."""
    digest = hashlib.sha256(str(FORMAT).encode())
    for source in [Path(m.__file__) for m in _CODE_MODULES] + [Path(__file__)]:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


@dataclass
class TrainedModel:
    """Everything parse() needs, trained together."""

    featurizer: Featurizer
    classifier: LinearModel
    extractor: EntityExtractor

    @classmethod
    def train(cls, data: TrainingData, user_entries: list[str], seed: int,
              params: FeatureParams = FeatureParams()) -> "TrainedModel":
        """Fit features and classifier on ``data``; deterministic for a given seed."""
        if len(data.intents) < 1:
            raise ValueError("no intent examples to train on")
        words = user_entries + [w for entries in data.lookups.values() for w in entries if " " not in w]
        featurizer, x = Featurizer.fit_matrix([e.text for e in data.examples], JiebaTokenizer(words), params)
        lengths = [len(normalise_post(e.text)) for e in data.examples]
        model = classifier.train(x, [e.intent for e in data.examples], lengths, seed)
        return cls(featurizer, model, EntityExtractor.from_data(data, seed))

    def save(self, path: Path) -> None:
        """Write the artefact atomically (no pickle: arrays plus a JSON header)."""
        names = sorted(self.featurizer.vocab, key=self.featurizer.vocab.__getitem__)
        meta = {"format": FORMAT, "classes": self.classifier.classes, "temperature": self.classifier.temperature,
                "nb_weight": self.classifier.nb_weight,
                "vocab": names, "params": asdict(self.featurizer.params),
                "user_entries": self.featurizer.tokenizer.user_entries, "extractor": self.extractor.to_dict()}
        buffer = io.BytesIO()
        np.savez(buffer, coef_t=self.classifier.coef_t, intercept=self.classifier.intercept,
                 nb_log_prob_t=self.classifier.nb_log_prob_t, nb_log_prior=self.classifier.nb_log_prior,
                 idf=self.featurizer.idf, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".nlu-", suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(buffer.getvalue())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> "TrainedModel":
        """Read an artefact written by save()."""
        with np.load(path, allow_pickle=False) as arrays:
            meta = json.loads(arrays["meta"].tobytes().decode())
            if meta.get("format") != FORMAT:
                raise ValueError(f"{path}: model format {meta.get('format')} is not {FORMAT}")
            coef_t, intercept, idf = arrays["coef_t"], arrays["intercept"], arrays["idf"]
            nb_log_prob_t, nb_log_prior = arrays["nb_log_prob_t"], arrays["nb_log_prior"]
        vocab = {name: i for i, name in enumerate(meta["vocab"])}
        featurizer = Featurizer(JiebaTokenizer(meta["user_entries"]), FeatureParams(**meta["params"]), vocab, idf)
        model = LinearModel(meta["classes"], coef_t, intercept, meta["temperature"], nb_log_prob_t, nb_log_prior,
                            meta["nb_weight"])
        return cls(featurizer, model, EntityExtractor.from_dict(meta["extractor"]))
