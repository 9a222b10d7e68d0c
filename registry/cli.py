"""Flask commands: `seed`, `accounts`, `tokens` and `screening`, each a thin call of a service
(long ones with a progress bar)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from registry import reference
from registry.services import (
    accounts,
    backups,
    derived,
    idempotency,
    listing,
    screening,
    seeding,
    tokens,
    vendors,
)
from registry.services.actors import Actor
from registry.services.errors import NotFound, ValidationFailed

seed_cli = AppGroup("seed", help="Load reference, demo or synthetic data.")
accounts_cli = AppGroup("accounts", help="Create partner ministries and people.")
tokens_cli = AppGroup("tokens", help="Issue, list and revoke API tokens.")
DEMO_MINISTRY = "JP-GOV-1"
backup_cli = AppGroup("backup", help="Back up the database, and restore it from a backup.")
screening_cli = AppGroup("screening", help="Re-screen projects; manage vendors of concern.")


def _fail(error: ValidationFailed) -> click.ClickException:
    lines = [f"  {e['field']}: {e['message']}" for e in error.errors]
    return click.ClickException("\n".join([error.detail, *lines]))


@seed_cli.command("reference")
def seed_reference():
    """Copy countries, M49 regions and DAC sectors from seed/ into the database."""
    counts = seeding.reference_load()
    click.echo(
        f"Reference data loaded: {counts['countries']} countries, {counts['sectors']} DAC sectors."
    )


@seed_cli.command("demo")
def seed_demo():
    """Load the demo ministries and projects (existing records are kept)."""
    projects = seeding.demo_projects()
    try:
        with click.progressbar(length=len(projects), label="Demo projects", file=sys.stderr) as bar:
            result = seeding.demo_load(progress=bar.update, projects=projects)
    except ValidationFailed as error:
        raise _fail(error) from None
    click.echo(
        f"Demo data: {result.organisations_created} organisations and "
        f"{result.projects_created} projects created, {result.projects_kept} kept."
    )


@seed_cli.command("synthetic")
@click.option(
    "--count",
    type=click.IntRange(1, 10_000_000),
    required=True,
    help="How many projects to write (1 to 10,000,000).",
)
@click.option(
    "--seed",
    "random_seed",
    type=int,
    default=1,
    show_default=True,
    help="Random seed, for repeatable data sets.",
)
def seed_synthetic(count: int, random_seed: int):
    """Write COUNT valid synthetic projects quickly, for benchmarks."""
    with click.progressbar(length=count, label="Synthetic projects", file=sys.stderr) as bar:
        written = seeding.synthetic_generate(count, seed=random_seed, progress=bar.update)
    click.echo(f"{written} synthetic projects written.")


@seed_cli.command("rebuild-derived")
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Rewrite every project, not only those rendered by another version.",
)
def seed_rebuild_derived(everything: bool):
    """Re-render the stored API documents and CSV cells written by another render version
    (after upgrading pycountry, editing seed/reference/, or changing the renderers)."""
    total = (
        derived.stale_count()
        if not everything
        else listing.project_count({"include_withdrawn": True}, Actor.system("rebuild derived"))
    )
    with click.progressbar(length=total, label="Derived text", file=sys.stderr) as bar:
        written = derived.derived_rebuild(everything=everything, progress=bar.update)
    click.echo(f"{written} projects re-rendered with render version {derived.render_version()}.")


@accounts_cli.command("create-org")
@click.option("--ref", required=True, help="IATI-style organisation ref, e.g. JP-GOV-1.")
@click.option("--name", required=True, help="The ministry's name.")
@click.option("--country", required=True, help="ISO 3166-1 code: JP, JPN or 392.")
@click.option("--type", "org_type", required=True, help="IATI OrganisationType code, e.g. 10.")
def create_org(ref: str, name: str, country: str, org_type: str):
    """Register a partner ministry."""
    try:
        org = accounts.organisation_create(ref, name, country, org_type)
    except ValidationFailed as error:
        raise _fail(error) from None
    click.echo(f"Organisation {org.ref} created: {org.name} ({org.country}).")


@accounts_cli.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice(reference.vocabulary("user_roles")),
    help="What the person may do.",
)
@click.option("--org", "org_ref", default=None, help="The ministry the person belongs to.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of generating one.",
)
def create_user(email: str, role: str, org_ref: str | None, password_stdin: bool):
    """Create a person; prints a generated password once."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = accounts.generate_password()
    try:
        user = accounts.user_create(email, role, password, org_ref)
    except ValidationFailed as error:
        raise _fail(error) from None
    click.echo(f"User {user.email} created with role {user.role}.")
    if not password_stdin:
        click.echo(f"Password (shown once): {password}")


@accounts_cli.command("set-password")
@click.argument("email")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of generating one.",
)
def set_password(email: str, password_stdin: bool):
    """Give a person a new password (prints a generated one once); ends their sessions."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = accounts.generate_password()
    try:
        user = accounts.user_set_password(email, password, Actor.system("cli set-password"))
    except ValidationFailed as error:
        raise _fail(error) from None
    except NotFound as error:
        raise click.ClickException(error.detail) from None
    click.echo(f"Password of {user.email} changed; every session they had is ended.")
    if not password_stdin:
        click.echo(f"Password (shown once): {password}")


@accounts_cli.command("disable")
@click.argument("email")
def disable_user(email: str):
    """Stop a person signing in: ends their sessions; their API tokens stop working."""
    try:
        user = accounts.user_disable(email, Actor.system("cli disable"))
    except NotFound as error:
        raise click.ClickException(error.detail) from None
    click.echo(f"User {user.email} disabled; their sessions and API tokens no longer work.")


@accounts_cli.command("enable")
@click.argument("email")
def enable_user(email: str):
    """Let a disabled person sign in again (their unrevoked API tokens work again)."""
    try:
        user = accounts.user_enable(email, Actor.system("cli enable"))
    except NotFound as error:
        raise click.ClickException(error.detail) from None
    click.echo(f"User {user.email} enabled; they may sign in again.")


DEMO_CREDENTIALS = "demo-credentials.json"


def _demo_saved(path: Path) -> dict:
    """What an earlier `accounts demo` saved, or {} if there is nothing readable."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return saved if isinstance(saved, dict) else {}


def _demo_save(path: Path, saved: dict) -> None:
    """Write the plain demo credentials readable by the owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(saved, handle, indent=2)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


@accounts_cli.command("demo")
@click.option("--reset", is_flag=True, help="Rotate every demo password and the demo token.")
def demo_accounts(reset):
    """One demo account per role and a demo API token, kept across restarts.

    Only hashes are stored in the database; the plain values are kept in the instance folder
    (`demo-credentials.json`, readable by its owner only) and printed on every run. `--reset`
    (or `make reset-demo`) rotates them all.
    """
    path = Path(current_app.instance_path) / DEMO_CREDENTIALS
    saved = {} if reset else _demo_saved(path)
    passwords = saved.get("passwords") if isinstance(saved.get("passwords"), dict) else {}
    rows = accounts.demo_accounts_reset(keep=passwords)
    kept = sum(passwords.get(email) == password for email, _, password in rows)
    issued = tokens.demo_token_reset(DEMO_MINISTRY, keep=saved.get("token"))
    _demo_save(
        path,
        {
            "passwords": {email: password for email, _, password in rows},
            "token": issued.text if issued else None,
        },
    )
    state = "kept from the last run" if kept == len(rows) else "generated now"
    click.echo(f"Demo sign-ins (passwords {state}; saved in {path}, owner-only):")
    for email, role, password in rows:
        click.echo(f"  {role:<9} {email:<36} {password}")
    if issued is not None:
        click.echo(f"Demo API token for ministry {DEMO_MINISTRY}:")
        click.echo(f"  {issued.text}")
    click.echo("`make reset-demo` rotates these passwords and the token.")


@tokens_cli.command("issue")
@click.option("--org", "org_ref", help="The ministry the token acts for (its ref, e.g. JP-GOV-1).")
@click.option("--user", "user_email", help="Or: the person (reviewer, admin …) it acts for.")
@click.option("--name", default="", help="A label to recognise the token by.")
@click.option(
    "--expires-days",
    type=click.IntRange(1, 3650),
    default=None,
    help="Days until it expires (default: never).",
)
@click.option(
    "--scope",
    type=click.Choice(reference.vocabulary("token_scopes")),
    default="write",
    show_default=True,
)
def tokens_issue(org_ref, user_email, name, expires_days, scope):
    """Issue a token; it is printed once, as the last line."""
    try:
        issued = tokens.token_issue(
            org_ref=org_ref,
            user_email=user_email,
            name=name,
            scope=scope,
            expires_days=expires_days,
        )
    except ValidationFailed as error:
        raise _fail(error) from None
    owner = org_ref or user_email
    expiry = issued.token.expires_at.date().isoformat() if issued.token.expires_at else "never"
    click.echo(
        f"Token {issued.token.id} issued for {owner}, scope {scope}, expires {expiry}. "
        "It is shown only this once:"
    )
    click.echo(issued.text)


@tokens_cli.command("list")
def tokens_list():
    """List tokens (never their secrets)."""
    click.echo(
        f"{'id':>4}  {'owner':<32} {'scope':<5} {'name':<20} {'expires':<10} "
        f"{'last used':<16} state"
    )
    for token in tokens.token_list():
        owner = token.organisation.ref if token.organisation else token.user.email
        state = "revoked" if token.revoked_at else "active"
        expires = token.expires_at.date().isoformat() if token.expires_at else "never"
        used = token.last_used_at.strftime("%Y-%m-%d %H:%M") if token.last_used_at else "-"
        click.echo(
            f"{token.id:>4}  {owner:<32} {token.scope:<5} {token.name[:20]:<20} "
            f"{expires:<10} {used:<16} {state}"
        )


@tokens_cli.command("purge-idempotency-keys")
def tokens_purge_idempotency_keys():
    """Delete Idempotency-Keys older than their 24-hour retention (run daily from cron)."""
    click.echo(f"{idempotency.idempotency_purge()} expired idempotency keys deleted.")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int):
    """Revoke a token; it fails from the next request on."""
    try:
        token = tokens.token_revoke(token_id)
    except NotFound as error:
        raise click.ClickException(error.detail) from None
    click.echo(f"Token {token.id} revoked.")


@screening_cli.command("rerun")
def screening_rerun():
    """Screen every project again after the rules or lists changed; report what changed."""
    actor = Actor.system("screening rerun")
    total = listing.project_count({"include_withdrawn": True}, actor)
    with click.progressbar(length=total, label="Screening", file=sys.stderr) as bar:
        report = screening.screening_rerun(actor, progress=bar.update)
    click.echo(
        f"Ruleset {report.ruleset_version}: {report.screened} projects screened, "
        f"{len(report.changed)} changed, {report.reopened} reviews reopened."
    )
    for code, count in sorted(report.added.items()):
        click.echo(f"  +{count:<6} {code}")
    for code, count in sorted(report.removed.items()):
        click.echo(f"  -{count:<6} {code}")


@screening_cli.command("add-vendor")
@click.argument("name")
@click.option("--alias", "aliases", multiple=True, help="Another name it trades under (repeat).")
@click.option("--country", default=None, help="ISO 3166-1 code of its home country.")
@click.option(
    "--category",
    "categories",
    multiple=True,
    required=True,
    type=click.Choice(reference.vocabulary("vendor_categories")),
    help="What it supplies (repeat).",
)
@click.option("--source", required=True, help="The listing it comes from, with its date.")
def screening_add_vendor(name, aliases, country, categories, source):
    """Add a vendor of concern; run `screening rerun` to re-flag existing projects."""
    try:
        entry = vendors.vendor_add(
            {
                "name": name,
                "aliases": list(aliases),
                "country": country,
                "categories": list(categories),
                "source": source,
            },
            Actor.system("cli add-vendor"),
        )
    except ValidationFailed as error:
        raise _fail(error) from None
    click.echo(
        f"Vendor {entry.name} added (local-{entry.id}). Run `flask --app wsgi screening "
        "rerun` to re-screen existing projects."
    )


@backup_cli.command("create")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_create(path):
    """Write a consistent backup while the registry serves (default: instance/backups/)."""
    path = path or backups.default_backup_path(Path(current_app.instance_path) / "backups")
    try:
        result = backups.backup_create(path)
    except ValidationFailed as error:
        raise click.ClickException(error.detail) from None
    click.echo(
        f"Backed up {result.projects} projects (schema {result.schema_revision}) to "
        f"{result.path} ({result.size_bytes:,} bytes, owner-only) in {result.seconds:.1f} s."
    )


@backup_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Restore over a database that holds data.")
def backup_restore(path, replace):
    """Restore a backup into an empty database, or over this one with --replace."""
    try:
        result = backups.backup_restore(path, replace=replace, migrate=upgrade)
    except ValidationFailed as error:
        raise click.ClickException(error.detail) from None
    over = "over the previous data" if result.replaced else "into an empty database"
    click.echo(
        f"Restored {result.projects} projects from {result.path} {over} in "
        f"{result.seconds:.1f} s; schema at {result.schema_revision}; caches invalidated."
    )


def register_commands(app: Flask) -> None:
    app.cli.add_command(backup_cli)
    app.cli.add_command(seed_cli)
    app.cli.add_command(accounts_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(screening_cli)
