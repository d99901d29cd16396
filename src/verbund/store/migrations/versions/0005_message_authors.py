"""Who actually wrote an agent's message: the user and their role (a supervisor may reply for
the agent holding the contact).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "conversation_messages", sa.Column("author", sa.String(length=200), nullable=True)
    )
    op.add_column(
        "conversation_messages", sa.Column("author_role", sa.String(length=16), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("conversation_messages") as batch:
        batch.drop_column("author_role")
        batch.drop_column("author")
