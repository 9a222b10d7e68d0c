"""Vendors of concern that admins add on top of the lists in seed/screening/, edit and
retire, each change kept with who made it, when and why.

A vendor is listed once: an entry whose normalised name (`schemas.vendors.name_key`)
equals that of a listed vendor, or of one of its other names, is refused as a duplicate
naming the entry already there. Retired entries stop matching in screening and stay
listed. Existing projects are re-flagged by `screening.screening_rerun` (the pages start
it in the background after every change).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from registry.database import begin_write
from registry.extensions import db
from registry.models import VendorEntry
from registry.models.types import utcnow
from registry.models.vendor_history import VendorChange
from registry.rules.ruleset import load_ruleset, seed_files
from registry.services import permissions
from registry.services.actors import Actor
from registry.services.errors import NotFound, PermissionDenied, ValidationFailed
from registry.services.validation import load
from schemas.vendors import VendorEditSchema, VendorEntrySchema, VendorRetireSchema, name_key

_schema = VendorEntrySchema()
_edit_schema = VendorEditSchema()
_retire_schema = VendorRetireSchema()
# Ids beyond the database's integer are no entry (not an overflow error).
MAX_ID = 2**31 - 1
# Fields an edit may change, in the order the history lists them.
EDITABLE = ("name", "aliases", "country", "categories", "source")


@cache
def _seed_ruleset():
    """The seed lists alone (the admins' entries are read from the database)."""
    return load_ruleset()


def _seed_vendors() -> list[dict]:
    return _seed_ruleset().vendor_list


@dataclass(frozen=True)
class ListedVendor:
    """A vendor already listed under a name: an admin's entry (`entry_id`) or one of the
    seed lists' (`seed_id`, e.g. "huawei")."""

    name: str
    matched: str  # the listed name or other name that has the same key
    entry_id: int | None = None
    seed_id: str | None = None


class DuplicateVendor(ValidationFailed):
    """The name (or another name) is one a listed vendor already has; `existing` says which."""

    def __init__(self, field: str, submitted: str, existing: ListedVendor):
        where = f"local-{existing.entry_id}" if existing.entry_id else existing.seed_id
        super().__init__(
            [
                {
                    "field": field,
                    "code": "duplicate",
                    "message": (
                        f"'{submitted}' is already listed as {existing.name} ({where}); "
                        "edit that entry instead of adding another."
                    ),
                }
            ]
        )
        self.submitted, self.existing = submitted, existing


def _listed_names(normaliser, exclude_id: int | None = None) -> dict[str, ListedVendor]:
    """Every name and other name in force, by key: the seed lists' and the admins' entries
    that are not retired (retired ones match nothing, so they may be added afresh)."""
    listed: dict[str, ListedVendor] = {}
    for row in _seed_vendors():
        for alias in [row["name"], *row["aliases"]]:
            listed.setdefault(
                name_key(alias, normaliser), ListedVendor(row["name"], alias, seed_id=row["id"])
            )
    entries = db.session.scalars(
        select(VendorEntry).where(VendorEntry.retired_at.is_(None)).order_by(VendorEntry.id)
    )
    for entry in entries:
        if entry.id == exclude_id:
            continue
        for alias in [entry.name, *entry.aliases]:
            listed.setdefault(
                name_key(alias, normaliser), ListedVendor(entry.name, alias, entry_id=entry.id)
            )
    listed.pop("", None)
    return listed


def _refuse_duplicates(entry: dict, exclude_id: int | None = None) -> str:
    """The entry's key; raises DuplicateVendor if its name or an other name is listed."""
    normaliser = _seed_ruleset().vendors.normaliser
    listed = _listed_names(normaliser, exclude_id)
    key = name_key(entry["name"], normaliser)
    if key in listed:
        raise DuplicateVendor("name", entry["name"], listed[key])
    for alias in entry.get("aliases", []):
        if name_key(alias, normaliser) in listed:
            raise DuplicateVendor("aliases", alias, listed[name_key(alias, normaliser)])
    return key


def _check(actor: Actor) -> None:
    if not permissions.can_manage_screening(actor):
        raise PermissionDenied("Only admins manage vendors of concern.")


def _commit_entry(entry: VendorEntry, submitted: str) -> None:
    """Commit; a duplicate another admin committed at the same moment is refused as such."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        other = db.session.scalar(select(VendorEntry).where(VendorEntry.name_key == entry.name_key))
        if other is None:
            raise
        raise DuplicateVendor(
            "name", submitted, ListedVendor(other.name, other.name, entry_id=other.id)
        ) from None


def vendor_add(payload: Any, actor: Actor) -> VendorEntry:
    """An admin adds a vendor (`{name, aliases, country, categories, source}`).

    Raises PermissionDenied, ValidationFailed (DuplicateVendor for a name already listed).
    """
    _check(actor)
    entry = load(_schema, payload)
    begin_write()
    key = _refuse_duplicates(entry)
    vendor = VendorEntry(**entry, added_by=actor.label, name_key=key, revision=1)
    db.session.add(vendor)
    db.session.flush()
    db.session.add(VendorChange(vendor_id=vendor.id, action="add", actor=actor.label, changes=[]))
    _commit_entry(vendor, entry["name"])
    return vendor


def vendor_get(vendor_id: int, actor: Actor) -> VendorEntry:
    """Raises PermissionDenied, NotFound."""
    _check(actor)
    vendor = db.session.get(VendorEntry, vendor_id) if 0 < vendor_id <= MAX_ID else None
    if vendor is None:
        raise NotFound(f"There is no vendor entry {vendor_id}.")
    return vendor


def vendor_list(actor: Actor) -> list[VendorEntry]:
    """The admins' entries, in force first, then retired; oldest first."""
    _check(actor)
    return list(
        db.session.scalars(
            select(VendorEntry).order_by(VendorEntry.retired_at.is_not(None), VendorEntry.id)
        )
    )


def vendor_history(vendor_id: int, actor: Actor) -> list[VendorChange]:
    """The changes of one entry, newest first."""
    _check(actor)
    return list(
        db.session.scalars(
            select(VendorChange)
            .where(VendorChange.vendor_id == vendor_id)
            .order_by(VendorChange.id.desc())
        )
    )


def _locked(vendor_id: int) -> VendorEntry:
    if not 0 < vendor_id <= MAX_ID:
        raise NotFound(f"There is no vendor entry {vendor_id}.")
    begin_write()
    vendor = db.session.scalar(
        select(VendorEntry).where(VendorEntry.id == vendor_id).with_for_update()
    )
    if vendor is None:
        db.session.rollback()
        raise NotFound(f"There is no vendor entry {vendor_id}.")
    return vendor


def vendor_update(vendor_id: int, payload: Any, actor: Actor) -> VendorEntry:
    """An admin edits an entry (the whole entry, and a `reason`), kept in its history.

    Raises PermissionDenied, NotFound, ValidationFailed (also for a retired entry, and
    DuplicateVendor for a name another entry has).
    """
    _check(actor)
    entry = load(_edit_schema, payload)
    reason = entry.pop("reason")
    vendor = _locked(vendor_id)
    if vendor.retired_at is not None:
        db.session.rollback()
        raise ValidationFailed(
            [{"field": "name", "code": "retired", "message": "A retired entry is not edited."}]
        )
    key = _refuse_duplicates(entry, exclude_id=vendor.id)
    changes = [
        {"field": f, "before": getattr(vendor, f), "after": entry[f]}
        for f in EDITABLE
        if getattr(vendor, f) != entry[f]
    ]
    if changes:
        for change in changes:
            setattr(vendor, change["field"], change["after"])
        vendor.name_key, vendor.revision = key, vendor.revision + 1
        db.session.add(
            VendorChange(
                vendor_id=vendor.id,
                action="edit",
                actor=actor.label,
                reason=reason,
                changes=changes,
            )
        )
    _commit_entry(vendor, entry["name"])
    return vendor


def vendor_retire(vendor_id: int, payload: Any, actor: Actor) -> VendorEntry:
    """An admin retires an entry (`{reason}`): it stops matching and stays listed.

    Retiring a retired entry changes nothing. Raises PermissionDenied, NotFound,
    ValidationFailed.
    """
    _check(actor)
    reason = load(_retire_schema, payload)["reason"]
    vendor = _locked(vendor_id)
    if vendor.retired_at is None:
        vendor.retired_at, vendor.name_key = utcnow(), None
        vendor.revision += 1
        db.session.add(
            VendorChange(
                vendor_id=vendor.id, action="retire", actor=actor.label, reason=reason, changes=[]
            )
        )
    db.session.commit()
    return vendor


def vendor_seed_list(actor: Actor) -> list[dict]:
    """The vendors of the seed lists (seed/screening/vendors.toml): id, name, country,
    categories, aliases and their source (id, title, publisher, url, as_of)."""
    _check(actor)
    listed = seed_files()["vendors"]
    sources = {source["id"]: source for source in listed["sources"]}
    return [
        {
            "id": v["id"],
            "name": v["name"],
            "country": v.get("country"),
            "categories": list(v["categories"]),
            "aliases": list(v["aliases"]),
            "source": sources[v["source"]],
        }
        for v in listed["vendors"]
    ]
