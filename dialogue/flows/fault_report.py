"""故障申报: collect service, circuit or address, description and phone, confirm, open an incident."""
from __future__ import annotations

from dataclasses import replace

from backend_client import Level, NewTicket, OpenOutcome, TicketKind, TicketOpened
from dialogue.context import TurnContext
from dialogue.conversation import FlowState
from dialogue.forms import FormRunner, Slot
from dialogue.masking import mask_phone
from dialogue.turns import is_question
from dialogue.types import Reply, ReplyKind
from nlu import Parse

SERVICE_CHOICES = ("专线", "互联网专线", "宽带", "固话", "云主机", "IDC", "其他")
OUTAGE_WORDS = ("断", "不通", "中断", "掉线", "上不了网", "上不去", "打不通", "打不出", "无法访问", "瘫痪", "全部", "没信号",
                "宕机", "没网", "用不了", "不能用", "down")
"""Words that make a fault urgent: the service is down, not merely degraded."""
SYMPTOM_WORDS = OUTAGE_WORDS + ("慢", "丢包", "卡", "延迟", "红灯", "闪", "打不开", "连不上", "不稳定", "杂音", "故障灯", "坏了",
                                "告警", "slow")
"""Words that show a message describes the fault rather than only asking to report one."""


def _address(text: str) -> str | None:
    text = text.strip()
    return text if len(text) >= 4 and not text.isdigit() else None


def names_symptom(text: str) -> bool:
    """Whether ``text`` names a symptom (any case: DOWN, Slow)."""
    text = text.lower()
    return any(word in text for word in SYMPTOM_WORDS)


def _service(text: str) -> str | None:
    """A service typed as the answer (其他, IDC…), the longest choice named first."""
    named = [choice for choice in SERVICE_CHOICES if choice.lower() in text.lower()]
    return max(named, key=len) if named else None


def _description(text: str) -> str | None:
    text = text.strip()
    return text if len(text) >= 2 else None


class FaultReportForm:
    """The incident report flow."""

    name = "fault_report"
    confirm = "fault_confirm"
    slots = (
        Slot("service_type", "ask_service_type", ("service_type",), choices=tuple((s, s) for s in SERVICE_CHOICES),
             accept_text=_service, invalid="invalid_service_type", mentions=("业务类型", "业务", "类型"),
             default=SERVICE_CHOICES[-1]),
        Slot("location", "ask_location", ("circuit_id", "address"), accept_text=_address, invalid="invalid_location",
             mentions=("地址", "电路", "线路编号", "位置", "地点")),
        Slot("description", "ask_description", accept_text=_description, mentions=("描述", "现象", "情况说明"),
             answer_hint=names_symptom),
        Slot("contact_phone", "ask_contact_phone", ("phone_number",), invalid="invalid_phone",
             mentions=("电话", "号码", "手机", "联系方式")),
    )

    async def prefill(self, ctx: TurnContext, parse: Parse) -> dict[str, str]:
        """A first message that names symptoms is the description; a bound contact's mobile is the default phone."""
        binding = ctx.conversation.binding
        describes = parse.intent == "report_fault" and names_symptom(parse.text)
        description = parse.text if describes else ""
        return {"description": description, "contact_phone": binding.mobile if binding else ""}

    def summary(self, ctx: TurnContext, state: FlowState) -> dict[str, str]:
        """Slot values as the confirmation shows them (phone masked on screens; read out whole on the phone, where the
        caller must hear the number to confirm it)."""
        location_label = ctx.label("slot", "circuit_id" if state.sources.get("location") == "circuit_id" else "address")
        shown = (lambda text: text) if ctx.message.channel == "voice" else mask_phone
        return {
            "service_type": state.slots["service_type"],
            "location_label": location_label,
            "location": state.slots["location"],
            "description": shown(state.slots["description"]),   # a number typed into the description too
            "contact_phone": shown(state.slots["contact_phone"]),
        }

    async def submit(self, ctx: TurnContext, state: FlowState) -> list[Reply]:
        """Open the incident (idempotent per flow instance) and tell the customer its number and target."""
        slots = state.slots
        is_circuit = state.sources.get("location") == "circuit_id"
        binding = ctx.conversation.binding
        opened = await ctx.desk.open_ticket(NewTicket(
            kind=TicketKind.INCIDENT,
            reporter=ctx.reporter,
            summary=f"{slots['service_type']}故障：{slots['description']}"[:60],
            description=slots["description"],
            urgency=Level.HIGH if any(w in slots["description"] for w in OUTAGE_WORDS) else Level.MEDIUM,
            idempotency_key=f"{ctx.conversation.id}:{state.instance_id}",
            customer_id=binding.customer_id if binding else None,
            contact_id=binding.contact_id if binding else None,
            contact_phone=slots["contact_phone"],
            service_type=slots["service_type"],
            circuit_id=slots["location"] if is_circuit else None,
            address=None if is_circuit else slots["location"],
        ))
        return [ctx.reply(OUTCOME_TEMPLATES[opened.outcome], kind=ReplyKind.TICKET, **_describe(ctx, opened))]


RUNNER = FormRunner(FaultReportForm())
PLACE_OR_SERVICE = ("service_type", "circuit_id", "address", "phone_number")


async def fault_in_passing(ctx: TurnContext, parse: Parse) -> list[Reply]:
    """A fault stated in a message read otherwise: details naming a line and a symptom, an unsure parse whose best
    guess is a fault, or an outage "question" that asks nothing (我们的云主机宕机了)."""
    symptom = names_symptom(parse.text)
    named = any(parse.first(entity) for entity in PLACE_OR_SERVICE)
    best = parse.ranking[0].name if parse.ranking else parse.intent
    stated = (parse.intent == "provide_info" or parse.fallback) and symptom and named
    unsure_fault = parse.fallback and best == "report_fault"
    outage_statement = parse.intent == "query_outage" and not parse.fallback and symptom and not is_question(parse.text)
    paused = ctx.conversation.paused
    if not (stated or unsure_fault or outage_statement) or (paused is not None and paused.name == FaultReportForm.name):
        return []   # nothing stated, or an aside during a report already under way
    return await RUNNER.start(ctx, replace(parse, intent="report_fault", fallback=False))


OUTCOME_TEMPLATES = {
    OpenOutcome.OPENED: "fault_ticket_opened",
    OpenOutcome.DUPLICATE: "fault_duplicate",
    OpenOutcome.LINKED_PROBLEM: "fault_linked_problem",
    OpenOutcome.LINKED_NOTICE: "fault_linked_notice",
}


def _describe(ctx: TurnContext, opened: TicketOpened) -> dict[str, str]:
    """What the customer is told: number, priority, who handles it, the response target, and any notice."""
    ticket, notice = opened.ticket, opened.notice
    values: dict[str, str] = {
        "number": ticket.number, "priority": ticket.priority, "tier": ctx.label("tier", ticket.assigned_tier),
        "status": ctx.label("status", ticket.status.value),
        "response_due": ctx.local_time(ticket.response_due_at),
    }
    if notice is not None:
        values.update(notice_title=notice.title, notice_text=notice.text, notice_end=ctx.local_time(notice.ends_at))
    return values
