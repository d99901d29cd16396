"""Initial schema: configuration, journal, snapshots, contact history.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hotlines",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), server_default="", nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column(
            "created", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_hotlines")),
    )
    op.create_table(
        "users",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=True),
        sa.Column(
            "created", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "(role = 'coordinator' AND provider IS NULL) "
            "OR (role <> 'coordinator' AND provider IS NOT NULL)",
            name=op.f("ck_users_provider"),
        ),
        sa.CheckConstraint(
            "role IN ('coordinator', 'provider_admin', 'supervisor', 'agent')",
            name=op.f("ck_users_role"),
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_users")),
    )
    op.create_table(
        "contact_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("hotline", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("caller", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("callback", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=True),
        sa.Column("agent", sa.String(length=200), nullable=True),
        sa.Column("arrived", sa.Double(), nullable=False),
        sa.Column("callback_requested", sa.Double(), nullable=True),
        sa.Column("offered", sa.Double(), nullable=True),
        sa.Column("answered", sa.Double(), nullable=True),
        sa.Column("ended", sa.Double(), nullable=False),
        sa.Column("wrap_up_end", sa.Double(), nullable=True),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.Column("callback_attempts", sa.Integer(), nullable=False),
        sa.Column("duplicate_of", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hotline"],
            ["hotlines.name"],
            name=op.f("fk_contact_history_hotline_hotlines"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_history")),
        sa.UniqueConstraint(
            "hotline", "contact", "arrived", name=op.f("uq_contact_history_hotline_contact_arrived")
        ),
    )
    for columns in (
        ["hotline", "arrived"],
        ["hotline", "provider", "arrived"],
        ["hotline", "agent", "arrived"],
        ["hotline", "caller"],
    ):
        op.create_index(op.f(f"ix_contact_history_{'_'.join(columns)}"), "contact_history", columns)

    op.create_table(
        "journal",
        sa.Column("hotline", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("command", sa.JSON(), nullable=False),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_journal_seq")),
        sa.ForeignKeyConstraint(
            ["hotline"],
            ["hotlines.name"],
            name=op.f("fk_journal_hotline_hotlines"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("hotline", "seq", name=op.f("pk_journal")),
    )
    op.create_table(
        "providers",
        sa.Column("hotline", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), server_default="pooled", nullable=False),
        sa.Column("share", sa.Double(), server_default="1.0", nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.CheckConstraint("mode IN ('pooled', 'connected')", name=op.f("ck_providers_mode")),
        sa.CheckConstraint("share >= 0", name=op.f("ck_providers_share")),
        sa.ForeignKeyConstraint(
            ["hotline"],
            ["hotlines.name"],
            name=op.f("fk_providers_hotline_hotlines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hotline", "name", name=op.f("pk_providers")),
    )
    op.create_table(
        "snapshots",
        sa.Column("hotline", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("engine", sa.LargeBinary(), nullable=False),
        sa.Column("history", sa.LargeBinary(), nullable=True),
        sa.Column("code_version", sa.String(length=40), nullable=False),
        sa.Column(
            "created", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("seq >= 0", name=op.f("ck_snapshots_seq")),
        sa.ForeignKeyConstraint(
            ["hotline"],
            ["hotlines.name"],
            name=op.f("fk_snapshots_hotline_hotlines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hotline", "seq", name=op.f("pk_snapshots")),
    )
    op.create_table(
        "topics",
        sa.Column("hotline", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hotline"],
            ["hotlines.name"],
            name=op.f("fk_topics_hotline_hotlines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hotline", "name", name=op.f("pk_topics")),
    )
    op.create_table(
        "agents",
        sa.Column("hotline", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["hotline", "provider"],
            ["providers.hotline", "providers.name"],
            name=op.f("fk_agents_hotline_provider_providers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hotline", "name", name=op.f("pk_agents")),
    )
    op.create_table(
        "pledges",
        sa.Column("hotline", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("interval_start", sa.DateTime(), nullable=False),
        sa.Column("agents", sa.Integer(), nullable=False),
        sa.Column("share", sa.Double(), nullable=False),
        sa.CheckConstraint("agents >= 0", name=op.f("ck_pledges_agents")),
        sa.CheckConstraint("share >= 0 AND share <= 1", name=op.f("ck_pledges_share")),
        sa.ForeignKeyConstraint(
            ["hotline", "provider"],
            ["providers.hotline", "providers.name"],
            name=op.f("fk_pledges_hotline_provider_providers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hotline", "provider", "interval_start", name=op.f("pk_pledges")),
    )
    op.create_table(
        "provider_skills",
        sa.Column("hotline", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.ForeignKeyConstraint(
            ["hotline", "provider"],
            ["providers.hotline", "providers.name"],
            name=op.f("fk_provider_skills_hotline_provider_providers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "hotline", "provider", "topic", "language", name=op.f("pk_provider_skills")
        ),
    )
    op.create_table(
        "topic_languages",
        sa.Column("hotline", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hotline", "topic"],
            ["topics.hotline", "topics.name"],
            name=op.f("fk_topic_languages_hotline_topic_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hotline", "topic", "language", name=op.f("pk_topic_languages")),
    )
    op.create_table(
        "agent_capacities",
        sa.Column("hotline", sa.String(length=200), nullable=False),
        sa.Column("agent", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('voice', 'chat', 'social')", name=op.f("ck_agent_capacities_channel")
        ),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_agent_capacities_capacity")),
        sa.ForeignKeyConstraint(
            ["hotline", "agent"],
            ["agents.hotline", "agents.name"],
            name=op.f("fk_agent_capacities_hotline_agent_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hotline", "agent", "channel", name=op.f("pk_agent_capacities")),
    )
    op.create_table(
        "agent_skills",
        sa.Column("hotline", sa.String(length=200), nullable=False),
        sa.Column("agent", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("level >= 1", name=op.f("ck_agent_skills_level")),
        sa.ForeignKeyConstraint(
            ["hotline", "agent"],
            ["agents.hotline", "agents.name"],
            name=op.f("fk_agent_skills_hotline_agent_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "hotline", "agent", "topic", "language", name=op.f("pk_agent_skills")
        ),
    )


def downgrade() -> None:
    op.drop_table("agent_skills")
    op.drop_table("agent_capacities")
    op.drop_table("topic_languages")
    op.drop_table("provider_skills")
    op.drop_table("pledges")
    op.drop_table("agents")
    op.drop_table("topics")
    op.drop_table("snapshots")
    op.drop_table("providers")
    op.drop_table("journal")
    op.drop_table("contact_history")
    op.drop_table("users")
    op.drop_table("hotlines")
