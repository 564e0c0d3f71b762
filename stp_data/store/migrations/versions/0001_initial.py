"""Published datasets, their versions, the files as published, and the event log.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("current_version_id", sa.Integer, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(320), nullable=False),
        sa.CheckConstraint("status IN ('current', 'withdrawn')", name="ck_datasets_status"),
        sa.PrimaryKeyConstraint("id", name="pk_datasets"),
        sa.UniqueConstraint("name", name="uq_datasets_name"),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dataset_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("published_by", sa.String(320), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("report", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_versions"),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], name="fk_versions_dataset_id_datasets"),
        sa.UniqueConstraint("dataset_id", "number", name="uq_versions_dataset_number"),
        sa.CheckConstraint("kind IN ('metrics', 'ratings')", name="ck_versions_kind"),
    )
    op.create_index("ix_versions_dataset_id", "versions", ["dataset_id"])
    op.create_table(
        "version_files",
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("version_id", name="pk_version_files"),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], name="fk_version_files_version_id_versions"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("dataset_id", sa.Integer, nullable=False),
        sa.Column("version_id", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], name="fk_events_dataset_id_datasets"),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], name="fk_events_version_id_versions"),
    )


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("version_files")
    op.drop_index("ix_versions_dataset_id", table_name="versions")
    op.drop_table("versions")
    op.drop_table("datasets")
