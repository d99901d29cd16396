"""The tables, as SQLAlchemy Core: configuration, the journal, snapshots and contact history.

Every name a person configures (hotline, topic, provider, agent, user) is the key itself: the
engine knows things by name, and so do the journal and the history. Configuration is scoped by
hotline: a company that serves two hotlines is a provider row in each.

Engine times (``at``, ``arrived``…) are the engine's float seconds, stored as double precision so
that they come back bit for bit (the live service uses Unix time; the simulator, virtual time).

The initial Alembic migration (``migrations/versions``) creates exactly these tables; a test
compares the migrated schema with this metadata on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa

# Stable constraint names, so that migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

NAME = 200  # longest configured name (hotline, topic, provider, agent, user)
LANGUAGE = 35  # a BCP 47 tag

# Surrogate keys: BIGINT on PostgreSQL, INTEGER (the rowid alias that autoincrements) on SQLite.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

ROLES = ("coordinator", "provider_admin", "supervisor", "agent")
SENDERS = ("caller", "agent", "system")  # who wrote a conversation message
# Outbound (agent) messages: pending until the channel adapter took them, then sent or failed.
DELIVERY_STATES = ("pending", "sent", "failed")
PROVIDER_MODES = ("pooled", "connected")
CHANNELS = ("voice", "chat", "social")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _hotline_fk(ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["hotline"], ["hotlines.name"], ondelete=ondelete)


# --- configuration -------------------------------------------------------------------------------

hotlines = sa.Table(
    "hotlines",
    metadata,
    sa.Column("name", sa.String(NAME), primary_key=True),
    sa.Column("title", sa.String(NAME), nullable=False, server_default=""),
    sa.Column("rules", sa.JSON(), nullable=False),  # RoutingRules, see verbund.store.codec
    sa.Column("created", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

topics = sa.Table(
    "topics",
    metadata,
    sa.Column("hotline", sa.String(NAME), primary_key=True),
    sa.Column("name", sa.String(NAME), primary_key=True),
    sa.Column("position", sa.Integer(), nullable=False),  # configuration order
    _hotline_fk("CASCADE"),
)

topic_languages = sa.Table(
    "topic_languages",
    metadata,
    sa.Column("hotline", sa.String(NAME), primary_key=True),
    sa.Column("topic", sa.String(NAME), primary_key=True),
    sa.Column("language", sa.String(LANGUAGE), primary_key=True),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(
        ["hotline", "topic"], ["topics.hotline", "topics.name"], ondelete="CASCADE"
    ),
)

providers = sa.Table(
    "providers",
    metadata,
    sa.Column("hotline", sa.String(NAME), primary_key=True),
    sa.Column("name", sa.String(NAME), primary_key=True),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("mode", sa.String(16), nullable=False, server_default="pooled"),
    sa.Column("share", sa.Double(), nullable=False, server_default="1.0"),
    sa.Column("label", sa.Text(), nullable=True),  # connected: SIP URI or number
    _hotline_fk("CASCADE"),
    sa.CheckConstraint(_one_of("mode", PROVIDER_MODES), name="mode"),
    sa.CheckConstraint("share >= 0", name="share"),
)

provider_skills = sa.Table(  # connected providers: the topics × languages they serve
    "provider_skills",
    metadata,
    sa.Column("hotline", sa.String(NAME), primary_key=True),
    sa.Column("provider", sa.String(NAME), primary_key=True),
    sa.Column("topic", sa.String(NAME), primary_key=True),
    sa.Column("language", sa.String(LANGUAGE), primary_key=True),
    sa.ForeignKeyConstraint(
        ["hotline", "provider"], ["providers.hotline", "providers.name"], ondelete="CASCADE"
    ),
)

pledges = sa.Table(
    "pledges",
    metadata,
    sa.Column("hotline", sa.String(NAME), primary_key=True),
    sa.Column("provider", sa.String(NAME), primary_key=True),
    # Hotline-local time of a 15-minute boundary, as in the planning CSVs (no time zone).
    sa.Column("interval_start", sa.DateTime(timezone=False), primary_key=True),
    sa.Column("agents", sa.Integer(), nullable=False),
    sa.Column("share", sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(
        ["hotline", "provider"], ["providers.hotline", "providers.name"], ondelete="CASCADE"
    ),
    sa.CheckConstraint("agents >= 0", name="agents"),
    sa.CheckConstraint("share >= 0 AND share <= 1", name="share"),
)

agents = sa.Table(
    "agents",
    metadata,
    sa.Column("hotline", sa.String(NAME), primary_key=True),
    sa.Column("name", sa.String(NAME), primary_key=True),
    sa.Column("position", sa.Integer(), nullable=False),
    sa.Column("provider", sa.String(NAME), nullable=False),
    sa.ForeignKeyConstraint(
        ["hotline", "provider"], ["providers.hotline", "providers.name"], ondelete="CASCADE"
    ),
)

agent_skills = sa.Table(
    "agent_skills",
    metadata,
    sa.Column("hotline", sa.String(NAME), primary_key=True),
    sa.Column("agent", sa.String(NAME), primary_key=True),
    sa.Column("topic", sa.String(NAME), primary_key=True),
    sa.Column("language", sa.String(LANGUAGE), primary_key=True),
    sa.Column("level", sa.Integer(), nullable=False),  # 1 = primary skill
    sa.Column("position", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(
        ["hotline", "agent"], ["agents.hotline", "agents.name"], ondelete="CASCADE"
    ),
    sa.CheckConstraint("level >= 1", name="level"),
)

agent_capacities = sa.Table(
    "agent_capacities",
    metadata,
    sa.Column("hotline", sa.String(NAME), primary_key=True),
    sa.Column("agent", sa.String(NAME), primary_key=True),
    sa.Column("channel", sa.String(16), primary_key=True),
    sa.Column("capacity", sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(
        ["hotline", "agent"], ["agents.hotline", "agents.name"], ondelete="CASCADE"
    ),
    sa.CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
    sa.CheckConstraint("capacity >= 0", name="capacity"),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.String(NAME), primary_key=True),
    sa.Column("password_hash", sa.Text(), nullable=False),  # argon2, written by the service
    sa.Column("role", sa.String(16), nullable=False),
    # The member company (by name, across hotlines); only the coordinator belongs to none.
    sa.Column("provider", sa.String(NAME), nullable=True),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.CheckConstraint(_one_of("role", ROLES), name="role"),
    sa.CheckConstraint(
        "(role = 'coordinator' AND provider IS NULL) "
        "OR (role <> 'coordinator' AND provider IS NOT NULL)",
        name="provider",
    ),
)

# --- live ----------------------------------------------------------------------------------------

journal = sa.Table(
    "journal",
    metadata,
    sa.Column("hotline", sa.String(NAME), primary_key=True),
    sa.Column(
        "seq", sa.BigInteger(), primary_key=True, autoincrement=False
    ),  # 1, 2, 3… per hotline
    sa.Column("at", sa.Double(), nullable=False),  # engine time the command was handled at
    sa.Column("type", sa.String(64), nullable=False),
    # ``json``, not ``jsonb``: the text is kept as written, key order included (skills' order
    # matters to the engine).
    sa.Column("command", sa.JSON(), nullable=False),
    _hotline_fk("RESTRICT"),
    sa.CheckConstraint("seq >= 1", name="seq"),
)

snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("hotline", sa.String(NAME), primary_key=True),
    sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),  # journal seq covered
    sa.Column("at", sa.Double(), nullable=False),
    sa.Column("engine", sa.LargeBinary(), nullable=False),  # pickle of the Engine
    sa.Column("history", sa.LargeBinary(), nullable=True),  # pickle of the recorder's state
    sa.Column("code_version", sa.String(40), nullable=False),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    _hotline_fk("CASCADE"),
    sa.CheckConstraint("seq >= 0", name="seq"),
)

contact_history = sa.Table(
    "contact_history",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("hotline", sa.String(NAME), nullable=False),
    sa.Column("contact", sa.Text(), nullable=False),
    sa.Column("caller", sa.Text(), nullable=False),  # "" = unknown
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("topic", sa.String(NAME), nullable=False),
    sa.Column("language", sa.String(LANGUAGE), nullable=False),
    sa.Column("priority", sa.Integer(), nullable=False),
    sa.Column("callback", sa.Boolean(), nullable=False),  # arrived as a callback request
    # completed, abandoned, rejected, routed, callback_failed; or duplicate (caller already waiting)
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("provider", sa.String(NAME), nullable=True),  # who answered, or was routed the call
    sa.Column("agent", sa.String(NAME), nullable=True),  # who answered
    sa.Column("arrived", sa.Double(), nullable=False),
    sa.Column("callback_requested", sa.Double(), nullable=True),
    sa.Column("offered", sa.Double(), nullable=True),  # first offer to an agent
    sa.Column("answered", sa.Double(), nullable=True),
    sa.Column("ended", sa.Double(), nullable=False),  # conversation over, or the contact left
    sa.Column("wrap_up_end", sa.Double(), nullable=True),
    sa.Column("offers", sa.Integer(), nullable=False),  # offers made, declined and lapsed included
    sa.Column("callback_attempts", sa.Integer(), nullable=False),  # callback dials
    sa.Column("duplicate_of", sa.Text(), nullable=True),  # outcome duplicate: the waiting contact
    _hotline_fk("RESTRICT"),
    # A contact finished once: writing it again (after a recovery) is a no-op.
    sa.UniqueConstraint("hotline", "contact", "arrived"),
    sa.Index(None, "hotline", "arrived"),
    sa.Index(None, "hotline", "provider", "arrived"),
    sa.Index(None, "hotline", "agent", "arrived"),
    sa.Index(None, "hotline", "caller"),
)

provider_outcomes = sa.Table(  # outcome records a connected provider's ACD sends back
    "provider_outcomes",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("hotline", sa.String(NAME), nullable=False),
    sa.Column("provider", sa.String(NAME), nullable=False),
    sa.Column("contact", sa.String(NAME), nullable=False),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("waited", sa.Double(), nullable=False),
    sa.Column("talk_time", sa.Double(), nullable=True),
    sa.Column("agent", sa.String(NAME), nullable=True),  # the provider's own agent id
    sa.Column("reported", sa.Double(), nullable=False),
    _hotline_fk("CASCADE"),
    sa.UniqueConstraint("hotline", "provider", "contact"),
)

contact_notes = sa.Table(  # what the agent wrote at wrap-up: a disposition code and a note
    "contact_notes",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("hotline", sa.String(NAME), nullable=False),
    sa.Column("contact", sa.String(NAME), nullable=False),
    sa.Column("agent", sa.String(NAME), nullable=False),
    sa.Column("provider", sa.String(NAME), nullable=True),
    sa.Column("disposition", sa.String(100), nullable=True),
    sa.Column("note", sa.Text(), nullable=True),
    sa.Column("at", sa.Double(), nullable=False),
    _hotline_fk("CASCADE"),
    sa.Index(None, "hotline", "contact"),
)

caller_feedback = sa.Table(  # thanks and ratings callers leave, for the agent who helped them
    "caller_feedback",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("hotline", sa.String(NAME), nullable=False),
    sa.Column("contact", sa.String(NAME), nullable=False),
    sa.Column("agent", sa.String(NAME), nullable=False),
    sa.Column("provider", sa.String(NAME), nullable=True),
    sa.Column("stars", sa.Integer(), nullable=True),  # 1 to 5
    sa.Column("thanks", sa.Text(), nullable=True),
    sa.Column("at", sa.Double(), nullable=False),
    _hotline_fk("CASCADE"),
    sa.UniqueConstraint("hotline", "contact"),
    sa.Index(None, "hotline", "agent", "at"),
    sa.CheckConstraint("stars IS NULL OR (stars >= 1 AND stars <= 5)", name="stars"),
)


conversations = sa.Table(  # a chat or social contact's thread (migration 0003)
    "conversations",
    metadata,
    sa.Column("hotline", sa.String(NAME), primary_key=True),
    sa.Column("contact", sa.String(NAME), primary_key=True),
    sa.Column("channel", sa.String(16), nullable=False),  # chat or social
    sa.Column("topic", sa.String(NAME), nullable=False),
    sa.Column("language", sa.String(LANGUAGE), nullable=False),
    sa.Column("caller", sa.Text(), nullable=False),  # chat session or "platform:user" id
    sa.Column("platform", sa.String(32), nullable=True),  # social: messenger, instagram, x…
    sa.Column("thread", sa.String(NAME), nullable=True),  # social: the platform's conversation id
    sa.Column("started", sa.Double(), nullable=False),
    sa.Column("messages", sa.Integer(), nullable=False, server_default="0"),  # the last seq
    _hotline_fk("CASCADE"),
    sa.Index(None, "hotline", "platform", "thread"),
    sa.CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
)

conversation_messages = sa.Table(  # every message of a conversation, in order (migration 0003)
    "conversation_messages",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("hotline", sa.String(NAME), nullable=False),
    sa.Column("contact", sa.String(NAME), nullable=False),
    sa.Column("seq", sa.Integer(), nullable=False),  # 1, 2, … within the conversation
    sa.Column("sender", sa.String(16), nullable=False),  # caller, agent, system
    sa.Column("agent", sa.String(NAME), nullable=True),  # sender agent: who wrote it
    sa.Column("provider", sa.String(NAME), nullable=True),  # … and their provider
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("at", sa.Double(), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),  # as its conversation's
    sa.Column("delivery", sa.String(16), nullable=True),  # outbound only: see DELIVERY_STATES
    sa.Column("delivery_detail", sa.Text(), nullable=True),  # what the adapter said on failure
    sa.Column("external_id", sa.String(NAME), nullable=True),  # the platform's message id
    # Who actually wrote an agent's message: the agent, or a supervisor, provider admin or the
    # coordinator replying for them (migration 0005; None for older messages and non-agents).
    sa.Column("author", sa.String(NAME), nullable=True),
    sa.Column("author_role", sa.String(16), nullable=True),
    sa.ForeignKeyConstraint(
        ["hotline", "contact"],
        ["conversations.hotline", "conversations.contact"],
        ondelete="CASCADE",
    ),
    sa.UniqueConstraint("hotline", "contact", "seq"),
    # An adapter that posts the same platform message twice stores it once.
    sa.UniqueConstraint("hotline", "contact", "external_id"),
    sa.Index(None, "hotline", "delivery", "id"),
    sa.CheckConstraint(_one_of("sender", SENDERS), name="sender"),
    sa.CheckConstraint(
        "delivery IS NULL OR " + _one_of("delivery", DELIVERY_STATES), name="delivery"
    ),
    sa.CheckConstraint("seq >= 1", name="seq"),
)

forecasts = sa.Table(  # the latest forecast uploaded per hotline, with its goals (migration 0004)
    "forecasts",
    metadata,
    sa.Column("hotline", sa.String(NAME), primary_key=True),
    sa.Column("source", sa.String(NAME), nullable=False),  # the uploaded file's name
    sa.Column("text", sa.Text(), nullable=False),  # the CSV as uploaded (UTF-8, at most 5 MB)
    sa.Column("target", sa.Double(), nullable=False),  # seconds: the planning goals
    sa.Column("service_level", sa.Double(), nullable=False),  # a fraction
    sa.Column("shrinkage", sa.Double(), nullable=False),  # a fraction
    sa.Column("uploaded", sa.Double(), nullable=False),  # Unix seconds
    sa.Column("uploaded_by", sa.String(NAME), nullable=False),  # the user's name
    _hotline_fk("CASCADE"),
)
