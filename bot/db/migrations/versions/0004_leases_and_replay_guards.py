"""leases and replay guards

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("intake", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chat_id", sa.BigInteger(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("locked_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_intake_chat", ["chat_id", "status"], unique=False)

    with op.batch_alter_table("join_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_update", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("sent_to", sa.BigInteger(), nullable=True))

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("report_drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_update", sa.BigInteger(), nullable=True))

    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_update", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_ticket_events_source_update"), ["source_update"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_events_source_update"))
        batch_op.drop_column("source_update")

    with op.batch_alter_table("report_drafts", schema=None) as batch_op:
        batch_op.drop_column("last_update")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("locked_by")

    with op.batch_alter_table("join_requests", schema=None) as batch_op:
        batch_op.drop_column("sent_to")
        batch_op.drop_column("last_update")

    with op.batch_alter_table("intake", schema=None) as batch_op:
        batch_op.drop_index("ix_intake_chat")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("locked_by")
        batch_op.drop_column("chat_id")
