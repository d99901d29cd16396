"""Outcome records of connected providers; agents' wrap-up notes; callers' thanks and ratings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "provider_outcomes",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("hotline", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("waited", sa.Double(), nullable=False),
        sa.Column("talk_time", sa.Double(), nullable=True),
        sa.Column("agent", sa.String(length=200), nullable=True),
        sa.Column("reported", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hotline"],
            ["hotlines.name"],
            name=op.f("fk_provider_outcomes_hotline_hotlines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_outcomes")),
        sa.UniqueConstraint(
            "hotline",
            "provider",
            "contact",
            name=op.f("uq_provider_outcomes_hotline_provider_contact"),
        ),
    )

    op.create_table(
        "contact_notes",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("hotline", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("agent", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=True),
        sa.Column("disposition", sa.String(length=100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hotline"],
            ["hotlines.name"],
            name=op.f("fk_contact_notes_hotline_hotlines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_notes")),
    )
    op.create_index(
        op.f("ix_contact_notes_hotline_contact"), "contact_notes", ["hotline", "contact"]
    )
    op.create_table(
        "caller_feedback",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("hotline", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("agent", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=True),
        sa.Column("stars", sa.Integer(), nullable=True),
        sa.Column("thanks", sa.Text(), nullable=True),
        sa.Column("at", sa.Double(), nullable=False),
        sa.CheckConstraint(
            "stars IS NULL OR (stars >= 1 AND stars <= 5)", name=op.f("ck_caller_feedback_stars")
        ),
        sa.ForeignKeyConstraint(
            ["hotline"],
            ["hotlines.name"],
            name=op.f("fk_caller_feedback_hotline_hotlines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caller_feedback")),
        sa.UniqueConstraint("hotline", "contact", name=op.f("uq_caller_feedback_hotline_contact")),
    )
    op.create_index(
        op.f("ix_caller_feedback_hotline_agent_at"), "caller_feedback", ["hotline", "agent", "at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_caller_feedback_hotline_agent_at"), table_name="caller_feedback")
    op.drop_table("caller_feedback")
    op.drop_index(op.f("ix_contact_notes_hotline_contact"), table_name="contact_notes")
    op.drop_table("contact_notes")
    op.drop_table("provider_outcomes")
