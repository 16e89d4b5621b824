"""Splits a long post into clauses, so the sentence that asks for something is read on its own as well."""
from __future__ import annotations

import re

from nlu.text.clean import has_content

# Sentence and clause ends (a comma ends a clause in Chinese: 你好，我想报个修), and the spaces Weibo writers put
# between two sentences instead of punctuation.
_BREAK = re.compile(r"[。！？!?；;…，,\n]+|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
MIN_CHARS = 4
MAX_CLAUSES = 8


def clauses(text: str) -> list[str]:
    """The clauses of a normalised post, in order; a piece shorter than MIN_CHARS joins the clause before it."""
    found: list[str] = []
    for piece in (p.strip(" ,，、") for p in _BREAK.split(text)):
        if not has_content(piece):
            continue
        if found and len(piece) < MIN_CHARS:
            found[-1] = f"{found[-1]}，{piece}"
        else:
            found.append(piece)
    return found if len(found) <= MAX_CLAUSES else found[:MAX_CLAUSES - 1] + ["，".join(found[MAX_CLAUSES - 1:])]
