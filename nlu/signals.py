"""Secondary signals of a message (complaint, urgency, repeat failure, negative sentiment) kept beside its intent."""
from __future__ import annotations

import re

COMPLAINT, URGENT, REPEAT_FAILURE, NEGATIVE = "complaint", "urgent", "repeat_failure", "negative"

# Read on the normalised post. Words customers use, typos included (帐单, 宽代); a negation right
# before a word (不急, 没投诉) cancels it.
_LEXICON: dict[str, re.Pattern[str]] = {
    COMPLAINT: re.compile(
        r"投诉|举报|曝光|315|工信部|消协|消费者协会|12315|维权|讨个说法|给个说法|要个说法|给我一个(?:合理的)?解释"
        r"|霸王条款|霸王条约|乱扣费?|乱收费|强买强卖|欺诈|欺骗|骗子?|忽悠|坑人|坑爹|流氓|敷衍|推诿|踢皮球"
        r"|态度(?:极差|很差|太差|差|恶劣|冷漠)|爱理不理|不理人|差评|垃圾|太烂|真烂|很烂|赔偿|索赔|道歉"),
    URGENT: re.compile(
        r"急|尽快|赶紧|赶快|马上|立刻|立即|火速|速度处理|刻不容缓|等不了|今天之内|今天必须|十万火急"
        r"|影响(?:生产|营业|办公|业务|上课|工作)|全公司|整个公司|停产|停工|asap|urgent", re.IGNORECASE),
    REPEAT_FAILURE: re.compile(
        r"又(?:断|坏|掉|不行|出|来|开始|没|扣|是)|再次|多次|反复|屡次|三番五次|好几次|无数次|N次|n次|[几两三四五六七八九十\d]+次"
        r"|第[二三四五六七八九十\d]+次|一直(?:没|不|都|是|在)|至今|到现在(?:还|都)|还是没|还没(?:好|修|解决|人|处理|来)"
        r"|老是|总是|天天|经常|隔三差五|三天两头|时不时"),
    NEGATIVE: re.compile(
        r"[!！]|气死|生气|愤怒|无语|醉了|失望|绝望|心累|崩溃|恶心|呵呵|搞笑|闹心|郁闷|受不了|忍无可忍|伤不起"
        r"|垃圾|烂|坑|差劲|太差|无耻|丧心病狂|什么玩意|破\S|坑爹|我去|卧槽|靠|tmd|wtf|shit", re.IGNORECASE),
}
_NEGATION = re.compile(r"(?:不|没|别|无|非)(?:有|是)?(?:要|想|用|必)?$")


def _found(pattern: re.Pattern[str], text: str) -> bool:
    return any(not _NEGATION.search(text[max(0, m.start() - 3):m.start()]) for m in pattern.finditer(text))


def signals(text: str) -> tuple[str, ...]:
    """The signal names present in ``text`` (already normalised), in a fixed order."""
    return tuple(name for name, pattern in _LEXICON.items() if _found(pattern, text))
