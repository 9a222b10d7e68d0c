"""SQLAlchemy models; importing this package registers every table on `db.metadata`."""

from registry.models.accounts import USER_ROLES, ApiToken, IdempotencyKey, Organisation, User
from registry.models.background import BackgroundRun
from registry.models.projects import (
    Project,
    ProjectCountry,
    ProjectFlag,
    ProjectSector,
    ProjectVersion,
    ReviewDecision,
    VendorEntry,
)
from registry.models.reference import RefCountry, RefSector
from registry.models.sign_ins import SignInAttempt
from registry.models.state import DataVersion
from registry.models.vendor_history import VendorChange

__all__ = [
    "USER_ROLES",
    "ApiToken",
    "BackgroundRun",
    "DataVersion",
    "IdempotencyKey",
    "Organisation",
    "Project",
    "ProjectCountry",
    "ProjectFlag",
    "ProjectSector",
    "ProjectVersion",
    "RefCountry",
    "RefSector",
    "ReviewDecision",
    "SignInAttempt",
    "User",
    "VendorChange",
    "VendorEntry",
]
