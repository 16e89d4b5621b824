"""What the phone hears and what it heard: transcripts cleaned of recogniser slips, numbers read digit by digit.

Speech recognition writes homophones (专限 for 专线, 工担 for 工单) and spoken digits (幺, 两); a caller cannot see
a screen, so a ticket or phone number must be read out one character at a time.
"""
from __future__ import annotations

import re

# Recogniser slips heard on the hotline: the same sound, another character. Only words with no meaning of their own.
HOMOPHONES = {
    "专限": "专线", "专现": "专线", "砖线": "专线", "工担": "工单", "公单": "工单", "攻单": "工单", "宽代": "宽带",
    "款带": "宽带", "宽待": "宽带", "断往": "断网", "报账": "报障", "保障申报": "报障申报", "故障深报": "故障申报",
    "催担": "催单", "人公": "人工", "转人公": "转人工", "电流编号": "电路编号", "电路编好": "电路编号",
}
_SPOKEN_DIGITS = dict(zip("零〇幺一二两三四五六七八九", "0011223456789"))
# A run of spoken digits (two or more, spaces or dashes allowed): a number read out, not a word like 一下.
_SPOKEN_RUN = re.compile(r"[零〇幺一二两三四五六七八九](?:[\s\-,，]*[零〇幺一二两三四五六七八九]){2,}")
_FILLERS = re.compile(r"^(?:嗯+|啊+|呃+|那个|就是|喂+)[，,、\s]*")
_DIGIT_KEYS = re.compile(r"^[0-9*#]{1,32}$")
# Runs a listener must hear one by one: ticket numbers (GD + digits), circuit ids, phone numbers, codes.
_READ_OUT = re.compile(r"[A-Z]{0,4}[-\s]?[A-Z]{0,5}[-\s]?\d{4,}|\d{4,}")


def clean_transcript(text: str, max_chars: int) -> str:
    """A speech transcript ready for the NLU: cut to ``max_chars``, fillers, slips and spoken digits fixed."""
    text = " ".join(text[: max_chars * 2].split())[:max_chars]
    for _ in range(3):
        stripped = _FILLERS.sub("", text)
        if stripped == text:
            break
        text = stripped
    for wrong, right in HOMOPHONES.items():
        text = text.replace(wrong, right)
    return _SPOKEN_RUN.sub(lambda m: "".join(_SPOKEN_DIGITS.get(c, "") for c in m.group()), text)


def clean_digits(digits: str) -> str | None:
    """Keypad input as pressed (0-9, *, #), the trailing # dropped; None for anything a keypad cannot send."""
    digits = digits.strip()
    if not _DIGIT_KEYS.match(digits):
        return None
    return digits.rstrip("#") or None


def read_out(text: str) -> str:
    """Text for text-to-speech: numbers and ids spelled one character at a time (GD2026 -> G D 2 0 2 6)."""
    return _READ_OUT.sub(lambda m: " ".join(ch for ch in m.group() if not ch.isspace() and ch != "-"), text)
