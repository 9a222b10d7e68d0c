"""Vendors of concern that admins add on top of the lists in seed/screening/."""

from __future__ import annotations

from typing import Any

from registry.database import begin_write
from registry.extensions import db
from registry.models import VendorEntry
from registry.services import permissions
from registry.services.actors import Actor
from registry.services.errors import PermissionDenied
from registry.services.validation import load
from schemas.vendors import VendorEntrySchema

_schema = VendorEntrySchema()


def vendor_add(payload: Any, actor: Actor) -> VendorEntry:
    """An admin adds a vendor (`{name, aliases, country, categories, source}`).

    Existing projects are re-flagged by `screening.screening_rerun`.
    Raises PermissionDenied, ValidationFailed.
    """
    if not permissions.can_manage_screening(actor):
        raise PermissionDenied("Only admins add vendors of concern.")
    entry = load(_schema, payload)
    begin_write()
    vendor = VendorEntry(**entry, added_by=actor.label)
    db.session.add(vendor)
    db.session.commit()
    return vendor
