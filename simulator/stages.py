"""HubSpot's default deal pipeline, the only pipeline the demo company uses."""

from __future__ import annotations

from dataclasses import dataclass

PIPELINE_ID = "default"
PIPELINE_LABEL = "Sales Pipeline"


@dataclass(frozen=True)
class Stage:
    id: str
    label: str
    probability: str  # HubSpot serialises stage metadata as strings
    is_closed: bool


DEAL_STAGES: tuple[Stage, ...] = (
    Stage("appointmentscheduled", "Appointment Scheduled", "0.2", False),
    Stage("qualifiedtobuy", "Qualified To Buy", "0.4", False),
    Stage("presentationscheduled", "Presentation Scheduled", "0.6", False),
    Stage("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", False),
    Stage("contractsent", "Contract Sent", "0.9", False),
    Stage("closedwon", "Closed Won", "1.0", True),
    Stage("closedlost", "Closed Lost", "0.0", True),
)

# Indices into DEAL_STAGES; open stages are 0..OPEN_STAGES-1 and are entered in order.
OPEN_STAGES = 5
WON = 5
LOST = 6
STAGE_IDS: tuple[str, ...] = tuple(stage.id for stage in DEAL_STAGES)
