"""The SQL ledger: members and their histories, every submission, sources, runs and the portal's accounts.

SQLAlchemy 2 typed ORM underneath (`tables`), alembic for the schema (`database`); the repository
(`repository.Ledger`) returns frozen dataclasses (`records`), never ORM objects, so callers cannot lazily
touch a closed session.
"""

from __future__ import annotations

from infra.ledger.accounts import ApiToken, Invitation, LoginFailures, PortalUser
from infra.ledger.database import MIGRATIONS, create_database_if_missing, create_engine, upgrade
from infra.ledger.joining import JoinApplication
from infra.ledger.names import check_http_url, check_secret_block, check_table_name
from infra.ledger.records import (
    LIVE_STATUSES,
    PUBLISHABLE_STATUSES,
    SOURCE_KINDS,
    SOURCES,
    STATUSES,
    VALIDATED_STATUSES,
    DisclosureChange,
    Member,
    MemberChange,
    PullSource,
    Run,
    Source,
    SourceKind,
    Status,
    Submission,
    Validation,
)
from infra.ledger.repository import Ledger
from infra.ledger.tables import Base

__all__ = [
    "LIVE_STATUSES",
    "MIGRATIONS",
    "PUBLISHABLE_STATUSES",
    "SOURCES",
    "SOURCE_KINDS",
    "STATUSES",
    "VALIDATED_STATUSES",
    "ApiToken",
    "Base",
    "DisclosureChange",
    "Invitation",
    "JoinApplication",
    "Ledger",
    "LoginFailures",
    "Member",
    "MemberChange",
    "PortalUser",
    "PullSource",
    "Run",
    "Source",
    "SourceKind",
    "Status",
    "Submission",
    "Validation",
    "check_http_url",
    "check_secret_block",
    "check_table_name",
    "create_database_if_missing",
    "create_engine",
    "upgrade",
]
