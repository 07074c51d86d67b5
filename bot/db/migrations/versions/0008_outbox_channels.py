"""outbox channels: e-mail and WeCom besides Telegram

Staff who are not on Telegram hear of new, escalated and reopened reports by e-mail or through a
WeCom group robot; those notices go through the same durable outbox, marked by ``channel`` and
sent to ``address`` (an e-mail address, a webhook URL). Existing rows are Telegram's.

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=16), server_default="telegram", nullable=False))
        batch_op.add_column(sa.Column("address", sa.Text(), nullable=True))
        batch_op.create_index("ix_outbox_channel_due", ["channel", "status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_channel_due")
        batch_op.drop_column("address")
        batch_op.drop_column("channel")
