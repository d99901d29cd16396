"""Request and response bodies of the JSON API (pydantic): what is accepted, with its limits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NAME_PATTERN = r"^[^\s/?#:]([^/?#:]*[^\s/?#:])?$"  # also for names in paths (config_api)
NAME_LENGTH = 200
Name = Annotated[
    str,
    Field(
        min_length=1,
        max_length=NAME_LENGTH,
        pattern=NAME_PATTERN,
        description="A name: no slashes, colons, ? or #, no spaces at either end",
    ),
]
Language = Annotated[
    str, Field(min_length=2, max_length=35, pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
]
Skill = Annotated[str, Field(pattern=r"^[^:\s][^:]*:[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")]
Role = Literal["coordinator", "provider_admin", "supervisor", "agent"]
ChannelName = Literal["voice", "chat", "social"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- configuration -------------------------------------------------------------------------------


class TopicBody(Strict):
    languages: list[Language] = Field(default=["de"], min_length=1, max_length=50)


class HotlineCreate(Strict):
    name: Name
    title: str = Field(default="", max_length=200)
    topics: dict[Name, TopicBody] = Field(default_factory=dict, max_length=500)
    rules: dict[str, Any] = Field(
        default_factory=dict, description="RoutingRules fields to change from their defaults"
    )


class HotlinePatch(Strict):
    title: str | None = Field(default=None, max_length=200)
    rules: dict[str, Any] | None = Field(
        default=None,
        description=(
            "RoutingRules fields to change; the others keep their values. Among them the "
            "service-level goal for wallboards and alerts: service_level_goal (the share to "
            "answer in time, above 0 and at most 1; default 0.8) and service_level_target "
            "(seconds; null: the server's VERBUND_SL_TARGET)"
        ),
    )


class ProviderBody(Strict):
    mode: Literal["pooled", "connected"] = "pooled"
    share: float = Field(default=1.0, ge=0, le=1e6, allow_inf_nan=False)
    label: str | None = Field(default=None, max_length=500, description="connected: SIP URI")
    serves: list[Skill] = Field(default_factory=list, max_length=1000)


def _voice_only() -> dict[ChannelName, int]:
    return {"voice": 1}


class AgentBody(Strict):
    provider: Name
    skills: dict[Skill, Annotated[int, Field(ge=1, le=9)]] = Field(min_length=1, max_length=1000)
    capacity: dict[ChannelName, Annotated[int, Field(ge=0, le=50)]] = Field(
        default_factory=_voice_only
    )


class PledgeBody(Strict):
    provider: Name
    interval_start: datetime = Field(description="hotline-local time of a 15-minute boundary")
    agents: int = Field(ge=0, le=1_000_000)
    share: float = Field(ge=0, le=1, allow_inf_nan=False)


class UserCreate(Strict):
    name: Name
    password: str = Field(min_length=8, max_length=500)
    role: Role
    provider: Name | None = None


class UserPatch(Strict):
    password: str | None = Field(default=None, min_length=8, max_length=500)
    role: Role | None = None


class UserOut(BaseModel):
    name: str
    role: str
    provider: str | None


# --- live ----------------------------------------------------------------------------------------


class ContactCreate(Strict):
    contact: Name | None = Field(default=None, description="an id of your own; default: generated")
    caller: str = Field(default="", max_length=200, description="E.164 number, chat or social id")
    topic: Name
    language: Language = "de"
    channel: ChannelName = "voice"
    priority: int = Field(default=0, ge=-1000, le=1000)
    callback: bool = Field(default=False, description="a callback request instead of a call")


class ContactAnswer(BaseModel):
    """The engine's answer to an arrival."""

    contact: str
    status: Literal[
        "queued",
        "offered",
        "connected",  # auto-answer: offered and connected at once
        "callback_dialing",  # a callback request, auto-answered: dialled at once
        "rejected",
        "callback_waiting",
        "already_waiting",
        "routed",
        "other",
    ]
    position: int | None = None
    ewt: float | None = None
    callback_offered: bool = False
    reason: str | None = None
    retry_after: float | None = None
    callback_available: bool | None = None
    waiting_contact: str | None = None
    provider: str | None = None
    label: str | None = None
    agent: str | None = None
    seq: int


class NotReadyBody(Strict):
    reason: str = Field(default="break", min_length=1, max_length=100)


class WrapUpBody(Strict):
    disposition: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=5000)


class StatusReport(Strict):
    ready_agents: int = Field(ge=0, le=1_000_000)
    waiting: int = Field(ge=0, le=10_000_000)
    handle_time: float = Field(gt=0, le=86400, allow_inf_nan=False)
    serving_agents: int = Field(ge=0, le=1_000_000)


class OutcomeRecord(Strict):
    contact: Name
    outcome: Literal["answered", "abandoned", "completed", "transferred"]
    waited: float = Field(ge=0, le=86400 * 7, allow_inf_nan=False)
    talk_time: float | None = Field(default=None, ge=0, le=86400 * 7, allow_inf_nan=False)
    agent: str | None = Field(default=None, max_length=200)


class FeedbackBody(Strict):
    stars: int | None = Field(default=None, ge=1, le=5, description="rating, 1 to 5")
    thanks: str | None = Field(default=None, max_length=2000, description="a caller's words")


class Accepted(BaseModel):
    seq: int = Field(description="journal position of the command")
    effects: int = Field(description="how many decisions it caused")


class Problem(BaseModel):
    detail: str


# --- conversations: web chat, social media, the agent's replies ----------------------------------

MESSAGE_LENGTH = 2000
MessageText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MESSAGE_LENGTH,
        pattern=r"\S",
        description=f"the message: 1 to {MESSAGE_LENGTH} characters, not only spaces",
    ),
]


class MessageBody(Strict):
    text: MessageText


class ChatStart(Strict):
    topic: Name
    language: Language = "de"
    text: MessageText | None = Field(default=None, description="the citizen's first message")


class CitizenMessage(BaseModel):
    """A message as the citizen's chat page sees it (no agent names)."""

    seq: int
    sender: Literal["caller", "agent", "system"]
    text: str
    at: float


class ChatStarted(BaseModel):
    contact: str
    token: str | None = Field(
        description="opens this chat: send it as X-Chat-Token (None when refused)"
    )
    state: Literal["waiting", "connected", "ended", "rejected"]
    position: int | None = None
    ewt: float | None = None
    reason: str | None = None
    retry_after: float | None = None
    messages: list[CitizenMessage] = Field(default_factory=list)


class ChatState(BaseModel):
    contact: str
    state: Literal["waiting", "connected", "ended"]
    position: int | None = None
    ewt: float | None = None
    messages: list[CitizenMessage]


class StaffMessage(BaseModel):
    """A message as the agent's desk and the channel adapters see it."""

    id: int
    seq: int
    sender: Literal["caller", "agent", "system"]
    agent: str | None = None
    text: str
    at: float
    channel: ChannelName
    delivery: Literal["pending", "sent", "failed"] | None = Field(
        default=None, description="outbound only: pending until the channel adapter sent it"
    )
    author: str | None = Field(
        default=None,
        description="an agent's message: the user who wrote it (the agent, or who replied for "
        "them)",
    )
    author_role: Literal["coordinator", "provider_admin", "supervisor", "agent"] | None = None


class ConversationOut(BaseModel):
    contact: str
    channel: ChannelName
    topic: str
    language: str
    caller: str = Field(
        description="masked but for the last four characters, but for the coordinator"
    )
    platform: str | None = None
    messages: list[StaffMessage]


Platform = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_-]{0,31}$",
        description="the social network: messenger, instagram, whatsapp, x, …",
    ),
]


class SocialInbound(Strict):
    platform: Platform
    thread: Name = Field(description="the platform's conversation id")
    sender: str = Field(min_length=1, max_length=200, description="the platform's user id")
    text: MessageText
    topic: Name = Field(description="for a new contact: the topic it queues for")
    language: Language = "de"
    message_id: Name | None = Field(
        default=None, description="the platform's message id: a message posted twice is kept once"
    )


class SocialAccepted(BaseModel):
    contact: str
    new_contact: bool = Field(description="the message started a new contact")
    duplicate: bool = Field(description="this message_id was posted before; nothing was added")
    message: StaffMessage
    answer: ContactAnswer | None = Field(
        default=None, description="for a new contact: the engine's answer to its arrival"
    )


class OutboxItem(BaseModel):
    id: int
    contact: str
    seq: int
    platform: str | None
    thread: str | None
    recipient: str = Field(description="the platform's user id the reply goes to")
    text: str
    at: float


class DeliveryReport(Strict):
    state: Literal["sent", "failed"]
    detail: str | None = Field(default=None, max_length=1000, description="why it failed")


class DeliveryAnswer(BaseModel):
    id: int
    contact: str
    delivery: Literal["pending", "sent", "failed"]


class ChatLeft(BaseModel):
    contact: str
    state: Literal["waiting", "connected", "ended"]
