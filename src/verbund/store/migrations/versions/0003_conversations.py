"""Chat and social conversations: their threads and every message, in order.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("hotline", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("caller", sa.Text(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=True),
        sa.Column("thread", sa.String(length=200), nullable=True),
        sa.Column("started", sa.Double(), nullable=False),
        sa.Column("messages", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "channel IN ('voice', 'chat', 'social')", name=op.f("ck_conversations_channel")
        ),
        sa.ForeignKeyConstraint(
            ["hotline"],
            ["hotlines.name"],
            name=op.f("fk_conversations_hotline_hotlines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hotline", "contact", name=op.f("pk_conversations")),
    )
    op.create_index(
        op.f("ix_conversations_hotline_platform_thread"),
        "conversations",
        ["hotline", "platform", "thread"],
    )
    op.create_table(
        "conversation_messages",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("hotline", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=16), nullable=False),
        sa.Column("agent", sa.String(length=200), nullable=True),
        sa.Column("provider", sa.String(length=200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=True),
        sa.Column("delivery_detail", sa.Text(), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "sender IN ('caller', 'agent', 'system')", name=op.f("ck_conversation_messages_sender")
        ),
        sa.CheckConstraint(
            "delivery IS NULL OR delivery IN ('pending', 'sent', 'failed')",
            name=op.f("ck_conversation_messages_delivery"),
        ),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_conversation_messages_seq")),
        sa.ForeignKeyConstraint(
            ["hotline", "contact"],
            ["conversations.hotline", "conversations.contact"],
            name=op.f("fk_conversation_messages_hotline_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_messages")),
        sa.UniqueConstraint(
            "hotline", "contact", "seq", name=op.f("uq_conversation_messages_hotline_contact_seq")
        ),
        sa.UniqueConstraint(
            "hotline",
            "contact",
            "external_id",
            name=op.f("uq_conversation_messages_hotline_contact_external_id"),
        ),
    )
    op.create_index(
        op.f("ix_conversation_messages_hotline_delivery_id"),
        "conversation_messages",
        ["hotline", "delivery", "id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_conversation_messages_hotline_delivery_id"), table_name="conversation_messages"
    )
    op.drop_table("conversation_messages")
    op.drop_index(op.f("ix_conversations_hotline_platform_thread"), table_name="conversations")
    op.drop_table("conversations")
