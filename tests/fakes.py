"""Test doubles that satisfy the real ports (no mocks): a keyword interpreter for engine tests."""
from __future__ import annotations

import re

from nlu import Entity, IntentScore, Parse

KEYWORDS = [
    ("转人工", "request_human"), ("投诉", "complaint"), ("还没修好", "urge_ticket"), ("工单", "query_ticket"),
    ("查", "query_ticket"), ("割接", "query_outage"),
    ("断", "report_fault"), ("故障", "report_fault"), ("慢", "report_fault"), ("发票", "billing_inquiry"),
    ("确认", "affirm"), ("是的", "affirm"), ("不对", "deny"), ("修改", "deny"), ("取消", "cancel"),
    ("你好", "greet"), ("谢谢", "thank"), ("再见", "goodbye"),
]
PATTERNS = {
    "ticket_id": re.compile(r"GD\d{12}", re.I),
    "phone_number": re.compile(r"1[3-9]\d{9}"),
    "circuit_id": re.compile(r"[A-Z]{2,4}-[A-Z]{2,5}-\d{4,8}"),
}
SERVICES = ("互联网专线", "专线", "宽带", "云主机")


class KeywordInterpreter:
    """First keyword wins; entities by regex. Enough to drive the engine's decisions deterministically."""

    async def parse(self, text: str) -> Parse:
        intent = next((name for word, name in KEYWORDS if word in text), None)
        entities = [Entity(name, m.group(0).upper(), m.start(), m.end(), m.group(0))
                    for name, pattern in PATTERNS.items() for m in pattern.finditer(text)]
        service = next((s for s in SERVICES if s in text), None)
        if service:
            entities.append(Entity("service_type", service, text.find(service), text.find(service) + len(service),
                                   service))
        if intent is None:
            intent = "provide_info" if entities else "out_of_scope"
            return Parse(text, intent, 0.3 if not entities else 0.8, (IntentScore(intent, 0.3),),
                         tuple(entities), fallback=not entities)
        return Parse(text, intent, 0.95, (IntentScore(intent, 0.95),), tuple(entities))
