"""Chinese word segmentation with jieba and the domain dictionary shipped beside the training data."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable

import jieba

jieba.setLogLevel(logging.WARNING)


def read_user_dict(path: Path) -> list[str]:
    """The lines of a jieba user dictionary (``word [freq] [tag]``), blank lines and comments dropped."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


class JiebaTokenizer:
    """A private jieba instance (no global state) that knows the domain words."""

    def __init__(self, user_entries: Iterable[str] = ()):
        self.user_entries = list(user_entries)
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for entry in self.user_entries:
            word, *rest = entry.split()
            freq = int(rest[0]) if rest and rest[0].isdigit() else None
            self._jieba.add_word(word.lower(), freq=freq)

    def tokenize(self, text: str) -> list[str]:
        """Lower-cased words of ``text``, whitespace dropped."""
        return [w for w in self._jieba.lcut(text.lower(), HMM=True) if not w.isspace()]

    def subwords(self, text: str) -> list[str]:
        """Search-mode words: the words plus the dictionary words inside long ones."""
        return self.search_words(self.tokenize(text))

    def search_words(self, words: list[str]) -> list[str]:
        """Search-mode words of already tokenized ``words`` (jieba's cut_for_search without cutting again)."""
        freq, found = self._jieba.FREQ, []
        for w in words:
            if len(w) > 2:
                found += [w[i:i + 2] for i in range(len(w) - 1) if freq.get(w[i:i + 2])]
            if len(w) > 3:
                found += [w[i:i + 3] for i in range(len(w) - 2) if freq.get(w[i:i + 3])]
            found.append(w)
        return found
