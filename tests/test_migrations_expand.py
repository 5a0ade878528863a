"""Migrations expand first: every revision keeps the previous code working, and old code serves while a column is added.

The rule (README, "Deploying"; tests/migration_rules.py) is checked on every
file under migrations/versions and on a table of bad and good revisions. Then
live, each on a database of its own: gunicorn started on the old schema keeps
answering under load while two revisions add columns to two tables (a rename,
which the rule forbids, breaks it at once); each revision commits on its own;
a revision that cannot get its lock gives up instead of stalling the service.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory

from comments_service.extensions import db
from tests.conftest import PG_ADMIN_URL
from tests.faults import Gunicorn, request
from tests.migration_rules import violations
from tests.test_faults import service_env
from tests.test_rolling import Load, failures

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
REVISIONS = sorted((MIGRATIONS / "versions").glob("*.py"))


# Written before the one-table rule; it ran on small tables, and new installations run it on empty ones.
BEFORE_THE_ONE_TABLE_RULE = {"5d2e7c41a9b3"}


@pytest.mark.parametrize("path", REVISIONS, ids=[p.stem for p in REVISIONS])
def test_every_revision_only_expands_or_only_contracts_what_no_code_uses(path):
    found = violations(path.read_text(), db.metadata)
    if path.stem.split("_")[0] in BEFORE_THE_ONE_TABLE_RULE:
        found = [v for v in found if not v.startswith("locks ")]
    assert found == []


def revision(body: str, doc: str = "a revision") -> str:
    lines = body.strip("\n").splitlines()
    return f'"""{doc}"""\nimport sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n' + "\n".join(
        "    " + line for line in lines) + "\n\n\ndef downgrade():\n    pass\n"


BAD = {
    "not null without default": 'op.add_column("comments", sa.Column("pinned", sa.Boolean(), nullable=False))',
    "not null without default, batch": 'with op.batch_alter_table("comments") as batch_op:\n'
                                        '    batch_op.add_column(sa.Column("pinned", sa.Boolean(), nullable=False))',
    "added then made not null": 'op.add_column("comments", sa.Column("pinned", sa.Boolean(), nullable=True))\n'
                                'op.alter_column("comments", "pinned", nullable=False)',
    "added then made not null, batch": 'with op.batch_alter_table("comments") as batch_op:\n'
                                       '    batch_op.add_column(sa.Column("pinned", sa.Boolean()))\n'
                                       '    batch_op.alter_column("pinned", existing_type=sa.Boolean(), nullable=False)',
    "drop with an add": 'op.add_column("comments", sa.Column("name", sa.String(80)))\nop.drop_column("comments", "legacy")',
    "drop of a mapped column": 'op.drop_column("comments", "author")',
    "drop of a mapped column, batch": 'with op.batch_alter_table("comments") as batch_op:\n    batch_op.drop_column("author")',
    "rename of a mapped column": 'op.alter_column("comments", "author", new_column_name="author_name")',
    "new type": 'op.alter_column("comments", "legacy", type_=sa.Integer())',
    "a shorter string": 'op.alter_column("bans", "created_by", existing_type=sa.String(length=120), type_=sa.String(80))',
    "a string of unknown width made longer": 'op.alter_column("bans", "created_by", type_=sa.String(length=200))',
    "drop of a mapped table": 'op.drop_table("posts")',
    "rename of a mapped table": 'op.rename_table("comments", "remarks")',
    "not null in SQL": 'op.execute("ALTER TABLE comments ADD COLUMN pinned boolean NOT NULL")',
    "not null in sa.text": 'op.execute(sa.text("ALTER TABLE comments ADD pinned boolean NOT NULL"))',
    "drop in SQL": 'op.execute("ALTER TABLE comments DROP COLUMN legacy")',
    "rename in SQL": 'op.execute("ALTER TABLE comments RENAME COLUMN author TO author_name")',
    "set not null in SQL": 'op.execute("ALTER TABLE comments ALTER COLUMN legacy SET NOT NULL")',
    "two existing tables": 'op.add_column("comments", sa.Column("a", sa.Integer()))\n'
                           'op.add_column("posts", sa.Column("b", sa.Integer()))',
    "two existing tables, batch": 'with op.batch_alter_table("comments") as batch_op:\n'
                                  '    batch_op.add_column(sa.Column("a", sa.Integer()))\n'
                                  'with op.batch_alter_table("posts") as batch_op:\n'
                                  '    batch_op.create_index("ix_posts_b", ["title"])',
    "an index on another existing table": 'op.add_column("comments", sa.Column("a", sa.Integer()))\n'
                                          'op.create_index("ix_tags_name2", "tags", ["name"])',
    "two existing tables in SQL": 'op.execute("ALTER TABLE comments ADD COLUMN a int; CREATE INDEX ix_p ON posts (title)")',
}
GOOD = {
    "nullable column": 'op.add_column("comments", sa.Column("pinned", sa.Boolean(), nullable=True))',
    "not null with a server default": 'op.add_column("comments", sa.Column("pinned", sa.Boolean(), '
                                      'server_default=sa.false(), nullable=False))',
    "batch, with a default": 'with op.batch_alter_table("comments") as batch_op:\n'
                             '    batch_op.add_column(sa.Column("score", sa.Integer(), server_default="0", nullable=False))',
    "new table": 'op.create_table("reports", sa.Column("id", sa.Integer(), nullable=False))',
    "index": 'op.create_index("ix_comments_edited", "comments", ["edited_at"])',
    "a longer string": 'op.alter_column("bans", "created_by", existing_type=sa.String(length=80), type_=sa.String(120))',
    "not null with a default in SQL": 'op.execute("ALTER TABLE comments ADD COLUMN pinned boolean NOT NULL DEFAULT false")',
    "a new table with its index, and one existing table": 'op.create_table("reports", sa.Column("id", sa.Integer()))\n'
                                                          'op.create_index("ix_reports_id", "reports", ["id"])\n'
                                                          'op.add_column("comments", sa.Column("report_count", sa.Integer()))',
}
CONTRACT_DOC = "drop the legacy column\n\nContract: nothing reads comments.legacy since the release before this one."


@pytest.mark.parametrize("name", list(BAD))
def test_the_rule_catches_what_would_break_running_code(name):
    assert violations(revision(BAD[name]), db.metadata), name


@pytest.mark.parametrize("name", list(GOOD))
def test_the_rule_lets_expansions_through(name):
    assert violations(revision(GOOD[name]), db.metadata) == []


def test_a_contract_alone_in_its_revision_passes_when_it_says_so_and_no_code_maps_it():
    drop = 'op.drop_column("comments", "legacy")'
    assert violations(revision(drop, CONTRACT_DOC), db.metadata) == []
    assert violations(revision(drop), db.metadata)  # without its Contract: line
    assert violations(revision('op.drop_column("comments", "author")', CONTRACT_DOC), db.metadata)


PROBE = '''"""{doc} (a test's revision)"""
import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade():
{body}


def downgrade():
    pass
'''
ADD_TO_COMMENTS = """    with op.batch_alter_table("comments") as batch_op:
        batch_op.add_column(sa.Column("expand_probe", sa.String(40), nullable=True))"""
ADD_TO_POSTS = """    op.add_column("posts", sa.Column("expand_flag", sa.Boolean(), server_default=sa.false(), nullable=False))"""


@pytest.fixture
def own_database():
    """A database of its own: these tests change the schema, which the others share."""
    name = f"comments_expand_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    assert flask(service_env(url), "db", "upgrade").returncode == 0
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def migrations(tmp_path):
    """Return a function that copies migrations/ with test revisions after the head; they run in the order given."""

    def make(*bodies: str) -> str:
        folder = tmp_path / "migrations"
        shutil.copytree(MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
        down = ScriptDirectory(str(MIGRATIONS)).get_current_head()
        for n, body in enumerate(bodies, start=1):
            revision = f"e0e0e0e0e0{n:02d}"
            text = PROBE.format(doc=f"probe {n}", revision=revision, down=down, body=body)
            assert violations(text, db.metadata) == [], "a test revision must follow the rule itself"
            (folder / "versions" / f"{revision}_probe.py").write_text(text)
            down = revision
        return str(folder)

    return make


def flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


def schema(url: str) -> tuple[set[str], str]:
    with psycopg.connect(url) as conn:
        columns = {row[0] for row in conn.execute("SELECT table_name || '.' || column_name FROM information_schema.columns")}
        return columns, conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_old_code_keeps_serving_while_columns_are_added(own_database, migrations):
    env = service_env(own_database)
    folder = migrations(ADD_TO_COMMENTS, ADD_TO_POSTS)
    server = Gunicorn(env)  # the old code: it knows nothing of the new columns
    try:
        load = Load(server.address)
        try:
            load.wait_for(30)
            upgraded = flask(env, "db", "upgrade", "--directory", folder)
            load.wait_for(40)
        finally:
            results = load.finish()
        assert upgraded.returncode == 0, upgraded.stderr
        assert failures(results) == [], [line for line in server.output().splitlines() if '" 20' not in line]
        columns, version = schema(own_database)
        assert {"comments.expand_probe", "posts.expand_flag"} <= columns and version == "e0e0e0e0e002"
        with psycopg.connect(own_database) as conn:
            # Rows the old code wrote after the upgrade got what the new columns allow.
            assert conn.execute("SELECT count(*) FROM comments WHERE expand_probe IS NOT NULL").fetchone() == (0,)
            assert conn.execute("SELECT bool_or(expand_flag) FROM posts").fetchone() == (False,)
            # The contrast: what the rule forbids in the same deploy (a rename) breaks the old code at once.
            conn.execute("ALTER TABLE comments RENAME COLUMN author TO author_name")
            conn.commit()
        broken = request(server.address, "POST", "/api/posts/roll/comments", {"author": "a", "body": "after the rename"})
        assert broken.status >= 500
    finally:
        server.stop()


def test_each_revision_commits_on_its_own(own_database, migrations):
    # The second revision fails: the first stays applied, so no transaction ever spanned both tables.
    folder = migrations(ADD_TO_COMMENTS, '    raise RuntimeError("probe 2 fails")')
    upgraded = flask(service_env(own_database), "db", "upgrade", "--directory", folder)
    assert upgraded.returncode != 0 and "probe 2 fails" in upgraded.stderr
    columns, version = schema(own_database)
    assert "comments.expand_probe" in columns and version == "e0e0e0e0e001"


def test_a_revision_that_cannot_get_its_lock_gives_up_and_changes_nothing(own_database, migrations):
    folder = migrations(ADD_TO_COMMENTS)
    before = schema(own_database)
    # A long transaction that read comments (an import, say): the ALTER would queue every request behind it.
    with psycopg.connect(own_database) as blocker:
        blocker.execute("SELECT count(*) FROM comments")
        upgraded = flask(service_env(own_database), "db", "upgrade", "--directory", folder)
        assert upgraded.returncode != 0 and "lock timeout" in upgraded.stderr
        assert schema(own_database) == before
        blocker.rollback()
    assert flask(service_env(own_database), "db", "upgrade", "--directory", folder).returncode == 0
    assert schema(own_database)[1] == "e0e0e0e0e001"
