"""The flows the engine can run: one table with explicit priorities (a new flow is a module and a line here)."""
from __future__ import annotations

from dialogue.context import TurnContext
from dialogue.flows.binding import BIND, CODE, bind, welcome
from dialogue.flows.callback import RUNNER as CALLBACK
from dialogue.flows.complaint import COMPLAINT, complaint_in_passing
from dialogue.flows.fault_back import RUNNER as FAULT_BACK, FaultBackForm, fault_back
from dialogue.flows.fault_report import RUNNER as FAULT_REPORT, fault_in_passing
from dialogue.flows.knowledge import knowledge
from dialogue.flows.outage import OutageForm
from dialogue.flows.small_talk import small_talk
from dialogue.flows.survey import answer_survey
from dialogue.flows.ticket_status import TicketStatusForm, UrgeTicketForm, ticket_in_passing
from dialogue.flows.unbinding import RUNNER as UNBIND, unbind
from dialogue.registry import Flow, Registry, form_flow
from dialogue.types import Reply
from nlu import Parse

HANDOFF = "handoff"
"""The hand-off flow's name; flows of higher priority run at once even while the customer waits for an agent."""


async def _hand_off(ctx: TurnContext, parse: Parse) -> list[Reply]:
    return await ctx.handoff.request(ctx, parse)


async def _welcome(ctx: TurnContext, parse: Parse) -> list[Reply]:
    return welcome(ctx)


def default_flows() -> Registry:
    """The shipped flows, highest priority first."""
    return Registry([
        Flow("survey", 100, answer_survey, every_message=True),
        Flow(FaultBackForm.name, 95, fault_back, every_message=True, form=FAULT_BACK),
        form_flow(FAULT_REPORT, 90, {"report_fault"}, account=True),
        Flow("fault_in_passing", 85, fault_in_passing, every_message=True),
        Flow(HANDOFF, 80, _hand_off, frozenset({"request_human"})),
        form_flow(COMPLAINT, 75, {"complaint"}),
        Flow("complaint_in_passing", 74, complaint_in_passing, every_message=True),
        form_flow(UrgeTicketForm(), 70, {"urge_ticket"}, account=True),
        form_flow(TicketStatusForm(), 60, {"query_ticket"}, account=True),
        Flow("ticket_in_passing", 58, ticket_in_passing, every_message=True),
        form_flow(BIND, 50, {"bind_account"}, run=bind),
        form_flow(CODE, 50),
        form_flow(UNBIND, 50, {"unbind_account"}, run=unbind),
        form_flow(OutageForm(), 40),
        form_flow(CALLBACK, 40),
        Flow("welcome", 35, _welcome, frozenset({"subscribe"})),
        Flow("knowledge", 30, knowledge, every_message=True),
        Flow("small_talk", 20, small_talk, frozenset({"greet", "goodbye", "thank", "out_of_scope"})),
    ])
