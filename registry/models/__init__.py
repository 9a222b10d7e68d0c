"""SQLAlchemy models; importing this package registers every table on `db.metadata`."""
from registry.models.accounts import USER_ROLES, ApiToken, IdempotencyKey, Organisation, User
from registry.models.projects import Project, ProjectCountry, ProjectSector, ProjectVersion
from registry.models.reference import RefCountry, RefSector

__all__ = [
    "ApiToken",
    "IdempotencyKey",
    "USER_ROLES",
    "Organisation",
    "Project",
    "ProjectCountry",
    "ProjectSector",
    "ProjectVersion",
    "RefCountry",
    "RefSector",
    "User",
]
