"""The flask commands: clear output on success, a clear error (no traceback) on bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from registry.extensions import db
from registry.models import Organisation, Project, ProjectVersion, User
from registry.services import documents, projects, tokens


@pytest.fixture
def cli(app):
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


def test_demo_accounts_generated_and_reset(cli):
    first = cli.invoke(args=["accounts", "demo"])
    assert first.exit_code == 0, first.output
    assert "Demo API token" not in first.output  # no demo ministry loaded
    lines = [line.split() for line in first.output.splitlines()[1:]]
    assert [line[0] for line in lines] == ["diplomat", "reviewer", "planner", "admin"]
    second = cli.invoke(args=["accounts", "demo"])
    new_passwords = [line.split()[2] for line in second.output.splitlines()[1:5]]
    assert set(new_passwords).isdisjoint(line[2] for line in lines)
    user = db.session.scalar(select(User).where(User.role == "reviewer"))
    db.session.refresh(user)
    assert check_password_hash(user.password_hash, new_passwords[1])
    assert db.session.scalar(select(func.count(User.id))) == 4


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


def test_demo_token_replaced_on_each_run(cli, ministry):
    first = cli.invoke(args=["accounts", "demo"]).output.strip().splitlines()[-1].strip()
    second = cli.invoke(args=["accounts", "demo"]).output.strip().splitlines()[-1].strip()
    assert first.startswith("ipr_") and second.startswith("ipr_") and first != second
    assert tokens.token_authenticate(first) is None
    assert tokens.token_authenticate(second).organisation_id == ministry.organisation_id
