"""Social-media post normalisation for intent reading: drops @mentions, links, emoji and noise, keeps the words."""
from __future__ import annotations

import re
import unicodedata

from nlu.text.clean import clean

# A Weibo/WeChat handle runs to a space or punctuation; when glued to the message, it ends at its first
# helpdesk-like suffix (@XX客服还是… -> @XX客服). The operator's own accounts say nothing and go; other
# handles (a handset maker, a newspaper, 12315) say who else is addressed and stay as words.
_HANDLE_RUN = re.compile(r"@[^\s@,，.。:：!！?？;；、()（）#\"“”'‘’\[\]【】…~～]{1,30}")
_HANDLE_END = re.compile(r"客服|营业厅|网厅|热线|官方微博|分公司|公司")
_OPERATOR = re.compile(r"联通|电信|移动|10086|10010|10000|天翼|营业厅|网厅")
_SAID_TO = re.compile(r"^\s*(?:回复)?对\s*(?=@)|(?<=\S)\s*说\s*[:：]")
_URL = re.compile(r"(?:https?://|www\.)[!-~]+|\b[a-z]{1,4}\.cn/[0-9A-Za-z]+", re.IGNORECASE)
_HASHTAG = re.compile(r"#([^#\n]{1,30})#")
_EMOTICON = re.compile(r"\[[\u4e00-\u9fffA-Za-z]{1,6}\]")
_LOCATION_TAIL = re.compile(r"(?:我在(?:这里)?[:：]\s*\S+|\s[\u4e00-\u9fff]{1,6}·\S{1,12}\s*)\s*$")
_ELLIPSIS = re.compile(r"\.{3,}|。{2,}|…+")
_REPEATED = re.compile(r"([!?,.~…。，、；;:：\-—=])\1+")
_MIXED_END = re.compile(r"[!?]{2,}")
_SPACES = re.compile(r"\s+")


def _is_emoji(ch: str) -> bool:
    code = ord(ch)
    return (0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or 0xFE00 <= code <= 0xFE0F
            or code == 0x200D or unicodedata.category(ch) == "So")


def _strip_handle(match: re.Match) -> str:
    handle = match.group()
    end = _HANDLE_END.search(handle)
    name, rest = (handle[:end.end()], handle[end.end():]) if end else (handle, "")
    return f" {rest}" if _OPERATOR.search(name) else f" {name[1:]} {rest}"


def normalise_post(text: str) -> str:
    """The message words of a post: no @handles, links, hashtag marks, emoji or repeated punctuation."""
    text = clean(text)
    text = _URL.sub(" ", text)
    text = _SAID_TO.sub(" ", text)
    text = _HANDLE_RUN.sub(_strip_handle, text)
    text = _HASHTAG.sub(lambda m: f" {m.group(1)} ", text)
    text = _EMOTICON.sub(" ", text)
    text = "".join(" " if _is_emoji(ch) else ch for ch in text)
    text = _LOCATION_TAIL.sub(" ", text)
    text = _ELLIPSIS.sub("…", text)
    text = _REPEATED.sub(r"\1", text)
    text = _MIXED_END.sub(lambda m: "?" if "?" in m.group() else "!", text)
    return _SPACES.sub(" ", text).strip(" ,，")
