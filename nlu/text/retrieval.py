"""Chinese text handling for retrieval: cleaning, jieba tokens with the domain dictionary, char n-grams."""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

import jieba

DATA_DIR = Path(__file__).parent
KB_DICT = DATA_DIR / "kb_dict.txt"
KB_SYNONYMS = DATA_DIR / "synonyms.txt"
MAX_QUERY_CHARS = 200
TOKEN_CACHE = 16384  # texts whose tokens are kept: every article field and the most repeated queries

_SCRIPT = re.compile(r"<(script|style)\b.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>|<!--.*?-->", re.DOTALL)
_MD_NOISE = re.compile(r"[#*`>|\[\]()_~-]{1,}")
_NOT_WORD = re.compile(r"[^\w]+")
_LOCK = threading.Lock()

STOPWORDS = frozenset(
    """的 了 吗 呢 啊 吧 呀 么 嘛 哦 嗯 喂 哈 啦 哎 唉 是 我 我们 我家 咱们 你 你们 您 他 她 它 他们 这 那 这个 那个 这样 那样
    怎么 怎么办 怎样 怎么样 如何 什么 啥 咋 咋办 咋整 哪 哪里 哪儿 哪个 几 多少 一下 下 可以 可 能 能不能 能否 会 要 想 想要 请问 请 问
    问下 问问 有 没 在 和 与 及 或 或者 就 都 也 还 又 再 给 把 被 让 到 从 对 为 为什么 因为 所以 但是 然后 如果 一个 个 些 一些 该
    需要 得 地 着 过 现在 今天 刚才 刚刚 一直 老是 总是 已经 还是 就是 好 好的 你好 您好 谢谢 麻烦 帮 帮忙 帮我 一 上 里 呗
    是不是 有没有 可不可以 行 行不行 不 不行 没有 自己 应该 办法 情况 问题 东西 事 事情 这边 那边 时候
    知道 收到 说 说下 不会 不了 不到 多 去 看 看看 找 谁 弄 怎么弄 搞 咋弄 哪些 突然 好久 全 全部 老 以后 之前 先 别人
    出来 急 好久没 干嘛 为啥 咋回事 怎么回事 能够 可能 觉得 感觉 真的 特别 非常 很 太 比较 挺 一样 那种 跟 这么 那么 这种 样 成 得 下子""".split()
)


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), lower case, HTML and scripts removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = _TAG.sub(" ", _SCRIPT.sub(" ", text))
    return " ".join(text.lower().split())


def clean_query(text: object, max_chars: int = MAX_QUERY_CHARS) -> str:
    """A customer's query made safe to analyse: text only, markup dropped, cut to ``max_chars``."""
    if not isinstance(text, str):
        return ""
    return normalise(text[: max_chars * 4])[:max_chars].strip()


def compact(text: str) -> str:
    """Letters and digits only: the form char n-grams are taken from."""
    return _NOT_WORD.sub("", _MD_NOISE.sub(" ", text)).replace("_", "")


def char_ngrams(text: str, sizes: tuple[int, ...] = (2, 3)) -> list[str]:
    """Overlapping character n-grams of a compacted text (the text itself when shorter)."""
    flat = compact(text)
    grams = [flat[i:i + n] for n in sizes for i in range(len(flat) - n + 1)]
    return grams or ([flat] if flat else [])


def _read_synonyms(path: Path) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            canonical, *variants = line.split()
            mapping.update({normalise(v): normalise(canonical) for v in variants})
    return mapping


class Tokenizer:
    """A private jieba tokenizer with the KB dictionary, an optional user dictionary and synonyms."""

    def __init__(self, user_dict: str | Path | None = None) -> None:
        self._jieba = jieba.Tokenizer()
        with _LOCK:
            self._jieba.initialize()
        self._jieba.load_userdict(str(KB_DICT))
        if user_dict is not None:
            self._jieba.load_userdict(str(Path(user_dict)))
        self.synonyms = _read_synonyms(KB_SYNONYMS)
        for word in {*self.synonyms, *self.synonyms.values()}:
            self._jieba.add_word(word, 2000)
        # Rebuilding an index (an import, calibration's held-out indexes) cuts the same article texts again.
        self.tokens = lru_cache(maxsize=TOKEN_CACHE)(self._tokens)

    def _tokens(self, text: str) -> tuple[str, ...]:
        """Search-mode tokens of normalised text, stopwords and punctuation dropped, synonyms merged."""
        raw = [t for t in (compact(t) for t in self._jieba.cut_for_search(normalise(text), HMM=False)) if t]
        variants = [t for t in raw if t in self.synonyms]  # their pieces (数据, 中心 of 数据中心) would dilute the match
        return tuple(self.synonyms.get(t, t) for t in raw
                     if t not in STOPWORDS and not any(t != v and t in v for v in variants))


@lru_cache(maxsize=4)
def shared_tokenizer(user_dict: str | None = None) -> Tokenizer:
    """One tokenizer per user dictionary, built on first use (loading jieba takes about a second)."""
    return Tokenizer(user_dict)
