"""staff accounts: the last TOTP step accepted

A TOTP code stays valid for its 30-second step (and one either side, for clock drift); recording
the step of the last accepted code lets the console refuse the same code a second time (RFC 6238
§5.2): a code seen over someone's shoulder cannot open a second session.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_accounts", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
