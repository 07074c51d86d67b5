"""conversations and the audit log

One table for every conversation's state (report drafts and join forms move there), an audit
log for every action on every channel (the ticket history moves there), and a retry time for
updates that failed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_conversations = sa.table(
    "conversations",
    sa.column("user_id", sa.BigInteger()),
    sa.column("kind", sa.String()),
    sa.column("chat_id", sa.BigInteger()),
    sa.column("step", sa.String()),
    sa.column("data", sa.Text()),
    sa.column("nonce", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_audit = sa.table(
    "audit_log",
    sa.column("channel", sa.String()),
    sa.column("actor_id", sa.BigInteger()),
    sa.column("action", sa.String()),
    sa.column("ticket_id", sa.Integer()),
    sa.column("detail", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "kind"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("actor_name", sa.String(length=128), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("join_request_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_at", ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_join_request_id"), ["join_request_id"], unique=False)

    bind = op.get_bind()
    # The ticket history becomes the audit log (Telegram was the only channel until now).
    events = bind.execute(
        sa.text("SELECT actor_id, action, ticket_id, detail, created_at FROM ticket_events ORDER BY id")
    )
    rows = [
        {
            "channel": "telegram" if r.actor_id else "system",
            "actor_id": r.actor_id,
            "action": r.action,
            "ticket_id": r.ticket_id,
            "detail": r.detail,
            "created_at": r.created_at,
        }
        for r in events
    ]
    if rows:
        op.bulk_insert(_audit, rows)
    # Report drafts and unfinished join forms keep going after the upgrade.
    drafts = bind.execute(sa.text("SELECT * FROM report_drafts")).mappings().all()
    forms = bind.execute(sa.text("SELECT * FROM join_requests WHERE status = 'draft'")).mappings().all()
    states = [
        {
            "user_id": d["user_id"],
            "kind": "report",
            "chat_id": d["chat_id"],
            "step": d["step"],
            "nonce": d["nonce"],
            "created_at": d["created_at"],
            "updated_at": d["updated_at"],
            "data": json.dumps(
                {
                    "language": d["language"],
                    "place": d["place"],
                    "queue_id": d["queue_id"],
                    "category": d["category"],
                    "description": d["description"],
                    "attachments": json.loads(d["attachments"] or "[]"),
                    "contact": d["contact"],
                    "share_identity": bool(d["share_identity"]),
                },
                ensure_ascii=False,
            ),
        }
        for d in drafts
    ]
    states += [
        {
            "user_id": f["user_id"],
            "kind": "join",
            "chat_id": f["chat_id"],
            "step": next((k for k in ("name", "contact", "about") if not f[k]), "consent"),
            "nonce": str(f["id"]),
            "created_at": f["created_at"],
            "updated_at": f["created_at"],
            "data": json.dumps(
                {
                    "language": f["language"],
                    "association_id": f["association_id"],
                    "name": f["name"],
                    "contact": f["contact"],
                    "about": f["about"],
                },
                ensure_ascii=False,
            ),
        }
        for f in forms
    ]
    if states:
        op.bulk_insert(_conversations, states)
    bind.execute(sa.text("DELETE FROM join_requests WHERE status = 'draft'"))

    op.drop_table("report_drafts")
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_events_source_update"))
        batch_op.drop_index(batch_op.f("ix_ticket_events_ticket_id"))
    op.drop_table("ticket_events")
    with op.batch_alter_table("join_requests", schema=None) as batch_op:
        batch_op.drop_column("last_update")
    with op.batch_alter_table("intake", schema=None) as batch_op:
        batch_op.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intake", schema=None) as batch_op:
        batch_op.drop_column("not_before")
    with op.batch_alter_table("join_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_update", sa.BigInteger(), nullable=True))
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_update", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_events_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ticket_events_source_update"), ["source_update"], unique=False)
    op.execute(
        "INSERT INTO ticket_events (ticket_id, actor_id, action, detail, created_at) "
        "SELECT ticket_id, actor_id, action, detail, created_at FROM audit_log WHERE ticket_id IS NOT NULL"
    )
    op.create_table(
        "report_drafts",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("place", sa.String(length=64), nullable=True),
        sa.Column("queue_id", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("attachments", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=128), nullable=True),
        sa.Column("share_identity", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_update", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_join_request_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_ticket_id"))
        batch_op.drop_index("ix_audit_log_at")
    op.drop_table("audit_log")
    op.drop_table("conversations")  # unfinished conversations are not carried back
