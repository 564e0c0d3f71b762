"""The tables, as SQLAlchemy Core metadata. Alembic migrations (migrations/versions/) create and change them;
this file describes the latest shape for queries and must agree with the newest migration (a test checks)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    # Named constraints, so later migrations can alter them on PostgreSQL and SQLite (batch mode) alike.
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

# One row per file name: which version everyone sees, and whether it is withdrawn.
datasets = sa.Table(
    "datasets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(255), nullable=False, unique=True),
    sa.Column("status", sa.String(16), nullable=False),  # current | withdrawn
    # No foreign key to versions: the two tables point at each other, and a plain column keeps inserts simple.
    sa.Column("current_version_id", sa.Integer, nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.String(320), nullable=False),
    sa.CheckConstraint("status IN ('current', 'withdrawn')", name="status"),
)

# Every file ever published; never updated or deleted, so any version can be restored.
versions = sa.Table(
    "versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), nullable=False, index=True),
    sa.Column("number", sa.Integer, nullable=False),  # 1, 2, 3… within its dataset
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # metrics | ratings
    sa.Column("published_by", sa.String(320), nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("report", sa.Text, nullable=False),  # the validation report as JSON
    sa.UniqueConstraint("dataset_id", "number", name="uq_versions_dataset_number"),
    sa.CheckConstraint("kind IN ('metrics', 'ratings')", name="kind"),
)

# The bytes as published, apart from the catalogue so listing versions never reads a file.
version_files = sa.Table(
    "version_files",
    metadata,
    sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

# Who did what, in order. Its highest id is the store's revision: every write adds a row in the same transaction.
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(320), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),  # publish | restore | withdraw
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), nullable=False),
    sa.Column("version_id", sa.Integer, sa.ForeignKey("versions.id"), nullable=True),
)
