"""Loading `seed/` into the database: reference tables, the demo data set, synthetic bulk data."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pycountry
from sqlalchemy import delete, func, insert, select, text

from registry import reference, rules
from registry.database import begin_write
from registry.extensions import db
from registry.formats import jsonable
from registry.models import (
    Organisation,
    Project,
    ProjectCountry,
    ProjectFlag,
    ProjectSector,
    ProjectVersion,
    RefCountry,
    RefSector,
)
from registry.models.types import utcnow
from registry.project_view import VIEW_COLUMNS, OrgRef, ProjectView, ScreeningView
from registry.services import accounts
from registry.services.actors import Actor
from registry.services.derived import derived_values
from registry.services.projects import project_columns, project_create, share_rows
from registry.services.screening import active_ruleset, flag_rows

DEMO_DIR = reference.SEED_DIR / "demo"


def reference_load() -> dict[str, int]:
    """Replace the reference tables with the contents of `seed/reference/` (idempotent)."""
    regions = reference.regions()
    begin_write()
    db.session.execute(delete(RefCountry))
    db.session.execute(delete(RefSector))
    unplaced = reference.Region("", "", "", "", "", "")
    db.session.execute(
        insert(RefCountry),
        [
            {
                "alpha2": c.alpha_2,
                "alpha3": c.alpha_3,
                "numeric": c.numeric,
                "name": getattr(c, "common_name", None) or c.name,
                "region_code": region.region_code,
                "region_name": region.region_name,
                "subregion_code": region.subregion_code,
                "subregion_name": region.subregion_name,
            }
            for c in pycountry.countries
            for region in [regions.get(c.alpha_2, unplaced)]
        ],
    )
    db.session.execute(
        insert(RefSector),
        [
            {
                "code": s.code,
                "name": s.name,
                "category": s.category,
                "category_name": s.category_name,
                "sector_group": s.group,
                "withdrawn": s.withdrawn,
            }
            for s in reference.sectors().values()
        ],
    )
    db.session.commit()
    return {"countries": len(pycountry.countries), "sectors": len(reference.sectors())}


@dataclass
class DemoResult:
    organisations_created: int = 0
    projects_created: int = 0
    projects_kept: int = 0


def demo_projects() -> list[dict]:
    """The demo projects (`seed/demo/projects.json`), each with its `reporting_org` ref."""
    return json.loads((DEMO_DIR / "projects.json").read_text(encoding="utf-8"))


def demo_load(
    progress: Callable[[int], None] | None = None, projects: list[dict] | None = None
) -> DemoResult:
    """Load `seed/demo/`: ministries, then projects, through the same service as the API.

    Records that already exist (same ref or identifier) are kept as they are, so a second
    run changes nothing. `projects` defaults to `demo_projects()`.
    """
    result = DemoResult()
    organisations = json.loads((DEMO_DIR / "organisations.json").read_text(encoding="utf-8"))
    projects = demo_projects() if projects is None else projects
    org_ids = {}
    for org in organisations:
        existing = accounts.organisation_by_ref(org["ref"])
        if existing is None:
            existing = accounts.organisation_create(
                org["ref"], org["name"], org["country"], org["type"]
            )
            result.organisations_created += 1
        org_ids[org["ref"]] = existing.id
    have = set(db.session.scalars(select(Project.identifier)))
    actor = Actor.system("seed demo")
    ruleset = active_ruleset()  # one ruleset for the whole load
    for entry in projects:
        record = {k: v for k, v in entry.items() if k != "reporting_org"}
        if record["identifier"] in have:
            result.projects_kept += 1
        else:
            project_create(
                record, actor, organisation_id=org_ids[entry["reporting_org"]], ruleset=ruleset
            )
            result.projects_created += 1
        if progress:
            progress(1)
    return result


# ---------------------------------------------------------------- synthetic data

SYNTHETIC_ORG = {
    "ref": "XX-SYNTHETIC",
    "name": "Synthetic data for benchmarks",
    "country": "JP",
    "type": "10",
}
_CURRENCIES = ("USD", "JPY", "EUR", "AUD", "GBP", "KRW")
_ROLES = ("funding", "implementing", "contractor", "supplier", "operator", "investor")
_WORDS = (
    "Harbour",
    "Rail",
    "Grid",
    "Fibre",
    "Water",
    "Bridge",
    "Metro",
    "Port",
    "Solar",
    "Wind",
    "Cable",
    "Depot",
    "Terminal",
    "Highway",
    "Substation",
    "Reservoir",
)
_VENDORS = (
    "Kestrel Networks",
    "Huawei Technologies Co., Ltd.",
    "Nordlicht Systems",
    "ZTE Corporation",
    "Sakura Denki",
    "SZ DJI Technology Co., Ltd.",
    "Blue Reef Cables",
    "Hangzhou Hikvision Digital Technology Co., Ltd.",
)


@dataclass(frozen=True)
class _Pools:
    countries: tuple[str, ...]
    sectors: tuple[str, ...]


def _pools() -> _Pools:
    infrastructure = tuple(
        code for code, s in reference.sectors().items() if not s.withdrawn and s.group != "other"
    )
    return _Pools(tuple(sorted(reference.regions())), infrastructure)


def synthetic_record(rng: random.Random, number: int, pools: _Pools, today: date) -> dict:
    """One valid project record, in the validated form (Decimals and dates), built by rule."""
    countries = rng.sample(pools.countries, rng.choice((1, 1, 1, 2)))
    sectors = rng.sample(pools.sectors, rng.choice((1, 1, 2)))
    start = date(2012, 1, 1) + timedelta(days=rng.randrange(0, 365 * 19))
    end = start + timedelta(days=rng.randrange(180, 365 * 8))
    status = rng.choice(reference.vocabulary("statuses"))
    dates = {"planned_start": start, "planned_end": end}
    if status != "pipeline" and start <= today:
        dates["actual_start"] = start
        if status == "closed" and end <= today:
            dates["actual_end"] = end
    half = len(countries) == 2
    participants = [
        {
            "name": f"{rng.choice(_WORDS)} Partners {rng.randrange(1000)}",
            "role": rng.choice(_ROLES),
            "country": rng.choice(pools.countries),
            "state_owned": rng.random() < 0.1,
            "stake_percentage": None,
        }
        for _ in range(rng.randrange(1, 4))
    ]
    technologies = [
        {
            "category": rng.choice(reference.vocabulary("technology_categories")),
            "vendor": rng.choice(_VENDORS),
            "vendor_country": None,
        }
        for _ in range(rng.choice((0, 0, 1, 2)))
    ]
    return {
        "identifier": f"SYN-{number:08d}",
        "title": f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} Project {number}",
        "description": "Synthetic record generated for benchmarks.",
        "status": status,
        "recipient_countries": [
            {"code": c, "percentage": Decimal(50) if half else None} for c in countries
        ],
        "sectors": [{"code": s, "percentage": None} for s in sectors],
        "dates": dates,
        "finance": {
            "amount": Decimal(rng.randrange(1, 50_000)) * 10_000,
            "currency": rng.choice(_CURRENCIES),
            "instrument": rng.choice(reference.vocabulary("instruments")),
        },
        "participants": participants,
        "technologies": technologies,
        "maritime_activities": rng.sample(
            reference.vocabulary("maritime_activities"), rng.choice((0, 0, 0, 1))
        ),
        "export_control_categories": rng.sample(
            reference.vocabulary("export_control_categories"), rng.choice((0, 0, 0, 0, 1))
        ),
        "locations": [],
        "tags": ["synthetic"],
    }


def _synthetic_org_ids() -> list[int]:
    ids = list(db.session.scalars(select(Organisation.id).order_by(Organisation.id)))
    if not ids:
        org = SYNTHETIC_ORG
        ids = [
            accounts.organisation_create(org["ref"], org["name"], org["country"], org["type"]).id
        ]
    return ids


def synthetic_generate(
    count: int,
    *,
    seed: int = 1,
    batch_size: int = 5_000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert `count` valid synthetic projects in bulk, `batch_size` per transaction.

    Rows go in with Core executemany (no ORM unit of work), which is what makes
    100,000 projects take seconds. Returns the number written.
    """
    rng = random.Random(seed)
    pools = _pools()
    org_ids = _synthetic_org_ids()
    orgs = {
        org.id: OrgRef(org.ref, org.name)
        for org in db.session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))
    }
    ruleset = active_ruleset()
    today = date.today()
    written = 0
    for batch in _batches(count, batch_size):
        begin_write()
        first_id = (db.session.scalar(select(func.max(Project.id))) or 0) + 1
        now = utcnow()
        projects, countries, sectors, versions, flags = [], [], [], [], []
        for project_id in range(first_id, first_id + batch):
            data = synthetic_record(rng, project_id, pools, today)
            org_id = org_ids[project_id % len(org_ids)]
            row, project_flags = _synthetic_row(
                data, project_id, org_id, orgs[org_id], ruleset, now
            )
            projects.append(row)
            flags += [{**f, "project_id": project_id} for f in flag_rows(project_flags)]
            country_rows, sector_rows = share_rows(data)
            countries += [{**r, "project_id": project_id} for r in country_rows]
            sectors += [{**r, "project_id": project_id} for r in sector_rows]
            versions.append(
                {
                    "project_id": project_id,
                    "version": 1,
                    "action": "create",
                    "actor": "system: seed synthetic",
                    "changed_at": now,
                    "record": jsonable(data),
                    "changes": [],
                    "note": "",
                }
            )
        db.session.execute(insert(Project.__table__), projects)
        db.session.execute(insert(ProjectCountry.__table__), countries)
        db.session.execute(insert(ProjectSector.__table__), sectors)
        db.session.execute(insert(ProjectVersion.__table__), versions)
        if flags:
            db.session.execute(insert(ProjectFlag.__table__), flags)
        _advance_sequence()
        db.session.commit()
        written += batch
        if progress:
            progress(batch)
    return written


def _synthetic_row(data: dict, project_id: int, org_id: int, org: OrgRef, ruleset, now):
    """The `projects` row of a synthetic record (screened, derived text rendered) and its
    flags."""
    project_flags = rules.screen(data, ruleset)
    review = "pending" if rules.needs_review(project_flags) else "not_required"
    row = {
        **project_columns(data),
        "id": project_id,
        "reporting_org_id": org_id,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "review_status": review,
        "review_status_since": now,
        "ruleset_version": ruleset.version,
        "withdrawn_at": None,
    }
    view = ProjectView(
        *(row[name] for name in VIEW_COLUMNS),
        reporting_org=org,
        screening=ScreeningView(review, ruleset.version),
    )
    row.update(derived_values(view))
    return row, project_flags


def _batches(count: int, size: int) -> Iterator[int]:
    while count > 0:
        yield min(size, count)
        count -= size


def _advance_sequence() -> None:
    """After inserting explicit ids, move PostgreSQL's id sequence past them."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('projects', 'id'), "
                "(SELECT COALESCE(MAX(id), 1) FROM projects))"
            )
        )
