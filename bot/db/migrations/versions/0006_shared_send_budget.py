"""one budget of Telegram's limits for every process, and an outbox priority

``send_budget`` has one row per bot that every delivering process locks while it takes send
slots; ``send_slots`` holds the messages sent (or in flight) in the last minute; outbox rows get
a priority (0 reply, 1 notification, 2 bulk).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "send_budget",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "send_slots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("taken_at", sa.Double(), nullable=False),
        sa.Column("done_at", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_send_slots_chat", "send_slots", ["chat_id", "taken_at"])
    op.create_index("ix_send_slots_taken", "send_slots", ["taken_at"])
    op.create_index(op.f("ix_send_slots_outbox_id"), "send_slots", ["outbox_id"])
    op.bulk_insert(
        sa.table("send_budget", sa.column("name", sa.String()), sa.column("version", sa.Integer())),
        [{"name": "telegram", "version": 0}],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_send_slots_outbox_id"), table_name="send_slots")
    op.drop_index("ix_send_slots_taken", table_name="send_slots")
    op.drop_index("ix_send_slots_chat", table_name="send_slots")
    op.drop_table("send_slots")
    op.drop_table("send_budget")
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("priority")
