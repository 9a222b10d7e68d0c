"""The flask commands: clear output on success, a clear error (no traceback) on bad input."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from registry.extensions import db
from registry.models import Organisation, Project, ProjectVersion, User
from registry.services import accounts, documents, projects, tokens
from registry.services.actors import Actor


@pytest.fixture
def cli(app, tmp_path, monkeypatch):
    # The instance folder (where `accounts demo` keeps its plain credentials) is the test's own.
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return app.test_cli_runner()


def test_seed_reference_reports_counts(cli):
    result = cli.invoke(args=["seed", "reference"])
    assert result.exit_code == 0, result.output
    assert "249 countries" in result.output


def test_create_org(cli):
    result = cli.invoke(
        args=[
            "accounts",
            "create-org",
            "--ref",
            "JP-GOV-1",
            "--name",
            "Ministry of Foreign Affairs",
            "--country",
            "jpn",
            "--type",
            "10",
        ]
    )
    assert result.exit_code == 0, result.output
    org = db.session.scalar(select(Organisation))
    assert (org.ref, org.country, org.type) == ("JP-GOV-1", "JP", "10")


def test_create_org_bad_arguments_listed_without_traceback(cli):
    result = cli.invoke(
        args=[
            "accounts",
            "create-org",
            "--ref",
            "jp gov",
            "--name",
            "X",
            "--country",
            "XX",
            "--type",
            "99",
        ]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "ref: 'jp gov' is not an IATI-style organisation ref" in result.output
    assert "country: 'XX' is not an ISO 3166-1 country code" in result.output
    assert (
        "type: '99' is not an IATI OrganisationType code; allowed: 10 Government" in result.output
    )
    assert db.session.scalar(select(func.count(Organisation.id))) == 0


def test_create_user_prints_generated_password_once_and_stores_hash(cli):
    result = cli.invoke(
        args=["accounts", "create-user", "Reviewer@Example.org", "--role", "reviewer"]
    )
    assert result.exit_code == 0, result.output
    password = result.output.strip().splitlines()[-1].split(": ", 1)[1]
    user = db.session.scalar(select(User))
    assert user.email == "reviewer@example.org"
    assert password not in user.password_hash and user.password_hash.startswith("scrypt:")
    assert check_password_hash(user.password_hash, password)


def test_create_user_password_stdin(cli):
    result = cli.invoke(
        args=["accounts", "create-user", "a@example.org", "--role", "planner", "--password-stdin"],
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output
    user = db.session.scalar(select(User))
    assert check_password_hash(user.password_hash, "correct horse battery")


def test_create_user_bad_role_and_short_password(cli):
    result = cli.invoke(args=["accounts", "create-user", "a@example.org", "--role", "king"])
    assert result.exit_code == 2 and "'king' is not one of" in result.output
    result = cli.invoke(
        args=["accounts", "create-user", "a@example.org", "--role", "admin", "--password-stdin"],
        input="short\n",
    )
    assert result.exit_code == 1
    assert "password: Must be at least 12 characters long." in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def _demo_lines(output: str) -> list[list[str]]:
    """The (role, email, password) lines `accounts demo` printed."""
    lines = [line.split() for line in output.splitlines() if line.startswith("  ")]
    return [line for line in lines if len(line) == 3]


def test_demo_accounts_kept_across_runs_and_rotated_on_reset(app, cli):
    first = cli.invoke(args=["accounts", "demo"])
    assert first.exit_code == 0, first.output
    assert "Demo API token" not in first.output  # no demo ministry loaded
    assert "generated now" in first.output
    lines = _demo_lines(first.output)
    assert [line[0] for line in lines] == ["diplomat", "reviewer", "planner", "admin"]

    # A restart prints the same sign-ins: saved scripts and browsers keep working.
    again = cli.invoke(args=["accounts", "demo"])
    assert again.exit_code == 0, again.output
    assert _demo_lines(again.output) == lines
    assert "kept from the last run" in again.output

    # The plain values live in the instance folder, readable by the owner only;
    # the database holds only hashes.
    saved = Path(app.instance_path) / "demo-credentials.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert json.loads(saved.read_text())["passwords"] == {e: p for _, e, p in lines}
    for _, email, password in lines:
        stored = db.session.scalar(select(User.password_hash).where(User.email == email))
        assert password not in stored and check_password_hash(stored, password)

    reset = cli.invoke(args=["accounts", "demo", "--reset"])
    new_lines = _demo_lines(reset.output)
    assert {line[2] for line in new_lines}.isdisjoint(line[2] for line in lines)
    user = db.session.scalar(select(User).where(User.role == "reviewer"))
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, new_lines[1][2])
    assert not check_password_hash(user.password_hash, lines[1][2])
    assert db.session.scalar(select(func.count(User.id))) == 4


def test_demo_password_changed_elsewhere_is_regenerated(app, cli):
    lines = _demo_lines(cli.invoke(args=["accounts", "demo"]).output)
    accounts.user_set_password(lines[0][1], "a-new-password-9", Actor.system("test"))
    again = _demo_lines(cli.invoke(args=["accounts", "demo"]).output)
    assert again[0][2] not in (lines[0][2], "a-new-password-9")
    assert again[1:] == lines[1:]
    assert accounts.user_authenticate(again[0][1], again[0][2]) is not None


def test_unreadable_saved_credentials_start_afresh(app, cli):
    (Path(app.instance_path) / "demo-credentials.json").write_text("{not json")
    result = cli.invoke(args=["accounts", "demo"])
    assert result.exit_code == 0, result.output
    assert "generated now" in result.output and len(_demo_lines(result.output)) == 4


def test_seed_synthetic_writes_valid_projects(cli):
    result = cli.invoke(args=["seed", "synthetic", "--count", "250"])
    assert result.exit_code == 0, result.output
    assert "250 synthetic projects written" in result.output
    assert db.session.scalar(select(func.count(Project.id))) == 250
    assert db.session.scalar(select(func.count(ProjectVersion.id))) == 250
    # Each record passes the same validation as a ministry's submission.
    for project in db.session.scalars(select(Project).limit(50)):
        record = documents.project_record(project)
        record["identifier"] = record["identifier"] + "-copy"
        projects.project_validate(record)


def test_seed_synthetic_bad_count(cli):
    result = cli.invoke(args=["seed", "synthetic", "--count", "0"])
    assert result.exit_code == 2
    assert "0 is not in the range 1<=x<=10000000" in result.output


def test_demo_token_kept_across_runs_and_replaced_on_reset(cli, ministry):
    first = cli.invoke(args=["accounts", "demo"]).output.strip().splitlines()[-2].strip()
    second = cli.invoke(args=["accounts", "demo"]).output.strip().splitlines()[-2].strip()
    assert first.startswith("ipr_") and first == second
    assert tokens.token_authenticate(first).organisation_id == ministry.organisation_id
    third = cli.invoke(args=["accounts", "demo", "--reset"]).output.strip().splitlines()[-2]
    third = third.strip()
    assert third.startswith("ipr_") and third != first
    assert tokens.token_authenticate(first) is None
    assert tokens.token_authenticate(third).organisation_id == ministry.organisation_id


def test_revoked_demo_token_is_replaced(cli, ministry):
    first = cli.invoke(args=["accounts", "demo"]).output.strip().splitlines()[-2].strip()
    tokens.token_revoke(int(first.split("_")[1]))
    second = cli.invoke(args=["accounts", "demo"]).output.strip().splitlines()[-2].strip()
    assert second != first and tokens.token_authenticate(second) is not None
